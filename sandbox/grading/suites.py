"""Exercises whose submission is tests: the learner's pytest suite, run against APIs we hold.

The suite runs once against the correct API and once against each buggy variant
(sandbox/apis.py), one run at a time, in an order drawn at random. A variant is *caught*
when the suite does not pass against it. Who runs what, in the container:

    the grader      root with SETUID/SETGID/KILL only; reads the private grader files
    the APIs        APPS_UID: one server process that imports Flask once and forks one child per
                    run, the child's source sent over a pipe; every child has the same command
                    line, a port the kernel picks, and an environment only that uid may read
    the suite       the learner's uid, in a fresh copy of the submission, with API_URL set; after
                    each run every process of that uid is killed and every file, folder and IPC
                    object it left is removed, so no run can tell the next what it saw

The exit code the grader reads from its own child is the only thing it believes: a suite can
fake a failure (which gives nothing unless it also passes against the correct API, and telling
the two apart is what the isolation prevents), never a pass it did not earn.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox import apis as apis_mod
from sandbox.apis import Api, Apis

OUTPUT_KEEP = 64 * 1024  # bytes of a run's output kept
SHOWN = 1600  # characters of it in a failure message (head and tail)
PYTEST_ARGS = ["-q", "--no-header", "--tb=short", "-rfE", "--color=no", "-p", "no:cacheprovider"]
NO_TESTS = 5  # pytest.ExitCode.NO_TESTS_COLLECTED
WIPED = ("/tmp", "/dev/shm", "/dev/mqueue")  # shared writable folders (1777) of the container

# The API server, as APPS_UID: Flask is imported once; each line on stdin is one app's source,
# answered by a JSON line {"pid", "port"} once the forked child has run the source (or "error").
_SERVER = r"""
import json, os, resource, signal, socket, sys, traceback, types
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
import flask
from werkzeug.serving import make_server
host, port = sys.argv[1], int(sys.argv[2])
for line in sys.stdin:
    source = json.loads(line)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(ready_r)
            os.setsid()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, 0)
            os.dup2(null, 1)
            module = types.ModuleType("app")
            module.__file__ = os.path.join(os.getcwd(), "app.py")
            sys.modules["app"] = module
            exec(compile(source, "app.py", "exec"), module.__dict__)
            server = make_server(host, sock.getsockname()[1], module.app, threaded=True,
                                 fd=sock.fileno())
            os.write(ready_w, b"ok")
            os.close(ready_w)
            server.serve_forever()
        except BaseException:
            os.write(ready_w, traceback.format_exc().encode()[-2000:])
        os._exit(1)
    os.close(ready_w)
    with os.fdopen(ready_r, "rb") as ready:
        said = ready.read().decode(errors="replace")
    answer = {"pid": pid, "port": sock.getsockname()[1]}
    sock.close()
    if said != "ok":
        answer["error"] = said
    print(json.dumps(answer), flush=True)
"""

# The suite launcher, started by the grader before it knows anything secret (it is never told
# which API runs, only the URL): pytest and requests are imported once; each line on stdin is
# one run, forked, switched to the learner's uid before any learner code, and answered with
# {"pid"} and then {"exit"}. The launcher holds every run's output pipe from the start.
_LAUNCHER = r"""
import ctypes, importlib, json, os, resource, sys, traceback
import pytest, requests
from _pytest.config import default_plugins
for name in default_plugins:
    try:
        importlib.import_module("_pytest." + name)
    except ImportError:
        pass
libc = ctypes.CDLL(None)
while True:
    line = sys.stdin.readline()
    if not line:
        break
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 3
        try:
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(job["fd"], 1)
            os.dup2(job["fd"], 2)
            os.closerange(3, 65536)
            os.setsid()
            if job["uid"] is not None:
                os.setgroups([])
                os.setgid(job["uid"])
                os.setuid(job["uid"])
                libc.prctl(4, 1)  # PR_SET_DUMPABLE: an ordinary process of that user
            try:
                with open("/proc/self/oom_score_adj", "w") as f:
                    f.write("1000")
            except OSError:
                pass
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            os.chdir(job["cwd"])
            os.environ.clear()
            os.environ.update(job["env"])
            sys.path.insert(0, job["cwd"])
            sys.argv = ["pytest"]
            code = pytest.main(job["args"])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            traceback.print_exc()
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(int(code))
    os.close(job["fd"])
    print(json.dumps({"pid": pid}), flush=True)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"exit": os.waitstatus_to_exitcode(status)}), flush=True)
"""

# Runs as the learner after each run: remove what that run left where the next could find it.
_WIPE = r"""
import ctypes, os, stat, sys
uid = os.getuid()
def remove(top):
    stack = [(top, False)]
    while stack:
        path, emptied = stack.pop()
        try:
            info = os.lstat(path)
            if not stat.S_ISDIR(info.st_mode):
                os.unlink(path)
            elif emptied:
                os.rmdir(path)
            else:
                os.chmod(path, 0o700)
                stack.append((path, True))
                stack.extend((os.path.join(path, e), False) for e in os.listdir(path))
        except OSError:
            pass
def mine(folder):
    try:
        entries = os.listdir(folder)
    except OSError:
        return []
    found = []
    for entry in entries:
        path = os.path.join(folder, entry)
        try:
            if os.lstat(path).st_uid == uid:
                found.append(path)
        except OSError:
            pass
    return found
folders = sys.argv[1:]
for folder in folders:
    for path in mine(folder):
        remove(path)
libc = ctypes.CDLL(None, use_errno=True)
left = sum(len(mine(folder)) for folder in folders)
for kind, column in (("shm", 7), ("msg", 7), ("sem", 4)):
    try:
        with open("/proc/sysvipc/" + kind) as table:
            rows = [line.split() for line in table.readlines()[1:]]
    except OSError:
        continue
    for row in rows:
        if len(row) > column and row[column] == str(uid):
            if kind == "shm":
                left += libc.shmctl(int(row[1]), 0, None) != 0
            elif kind == "msg":
                left += libc.msgctl(int(row[1]), 0, None) != 0
            else:
                left += libc.semctl(int(row[1]), 0, 0) != 0
sys.exit(1 if left else 0)
"""


class SuiteError(Exception):
    """The APIs could not be started: a problem with the exercise, never the learner's."""


@dataclass(frozen=True)
class SuiteSpec:
    """Where the suite comes from and runs, as whom, for how long."""

    submission: Path
    workdir: Path
    grader: Path
    learner_uid: int | None  # None: everything runs as the current user (local runner)
    apps_uid: int | None
    timeout_s: float


@dataclass(frozen=True)
class SuiteRun:
    """One run of the learner's suite against one API: what the grader saw of it."""

    exit_code: int | None  # None: stopped at the time limit
    output: str
    duration_s: float

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    def story(self) -> str:
        """What happened, for the learner (only ever shown for the correct API)."""
        if self.exit_code is None:
            head = "your tests were stopped: they ran longer than the time limit of one run"
        elif self.exit_code == NO_TESTS:
            head = (
                "pytest collected no tests (exit code 5): name the files test_*.py and the "
                "functions test_*"
            )
        elif self.exit_code == 1:
            head = "some of your tests failed (pytest exit code 1)"
        else:
            head = f"pytest ended with exit code {self.exit_code}"
        return f"{head}. Their output:\n{_cut(self.output)}"


class ApiServer:
    """The server process that runs the APIs under test, one child at a time."""

    def __init__(self, uid: int | None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        env = {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": "/nonexistent" if uid is not None else os.environ.get("HOME", "/"),
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
        }
        user: dict[str, Any] = (
            {} if uid is None else {"user": uid, "group": uid, "extra_groups": []}
        )
        self._proc = subprocess.Popen(
            [sys.executable, "-I", "-B", "-c", _SERVER, host, str(port)],
            cwd="/",
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None if port else subprocess.DEVNULL,  # `sandbox run` shows the request log
            start_new_session=True,
            **user,
        )
        self._child = 0

    def start(self, api: Api) -> tuple[str, str]:
        """Serve `api` (stopping the one before): its base URL, and why it did not start ("":
        it did). One that did not start leaves the URL unanswered: the suite fails against it."""
        self.stop_child()
        assert self._proc.stdin is not None and self._proc.stdout is not None
        try:
            self._proc.stdin.write(json.dumps(api.source).encode() + b"\n")
            self._proc.stdin.flush()
            line = self._proc.stdout.readline()
            answer = json.loads(line)
        except (OSError, ValueError) as exc:
            raise SuiteError(f"the API server stopped ({exc})") from None
        self._child = int(answer["pid"])
        return f"http://{self.host}:{int(answer['port'])}", str(answer.get("error", ""))

    def stop_child(self) -> None:
        child, self._child = self._child, 0
        if child:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child, signal.SIGKILL)

    def wait(self) -> int:
        return self._proc.wait()

    def close(self) -> None:
        self.stop_child()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=5)


class Launcher:
    """The process that starts each run of the learner's suite (see _LAUNCHER)."""

    def __init__(self, uid: int | None, runs: int) -> None:
        self.uid = uid
        pipes = [os.pipe() for _ in range(runs)]
        self._reads = [r for r, _ in pipes]
        self._writes = [w for _, w in pipes]
        self._proc = subprocess.Popen(
            [sys.executable, "-I", "-B", "-u", "-c", _LAUNCHER],
            cwd="/",
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            pass_fds=self._writes,
            start_new_session=True,
            bufsize=0,  # answers are read a line at a time, never ahead (select() sees the rest)
        )
        for w in self._writes:
            os.close(w)

    def start(self, job: dict[str, Any]) -> tuple[Any, int]:
        """Start one run: (its output, to read until EOF; its pid)."""
        assert self._proc.stdin is not None
        read_end, write_end = self._reads.pop(0), self._writes.pop(0)
        line = json.dumps({**job, "fd": write_end, "uid": self.uid})
        try:
            self._proc.stdin.write(line.encode() + b"\n")
            self._proc.stdin.flush()
            pid = int(self._answer(30)["pid"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SuiteError(f"the suite launcher stopped ({exc})") from None
        return os.fdopen(read_end, "rb"), pid

    def wait(self, timeout: float) -> int | None:
        """The run's exit code, or None if it is still running after `timeout` s."""
        try:
            return int(self._answer(timeout)["exit"])
        except TimeoutError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SuiteError(f"the suite launcher stopped ({exc})") from None

    def _answer(self, timeout: float) -> dict[str, Any]:
        assert self._proc.stdout is not None
        ready, _, _ = select.select([self._proc.stdout], [], [], timeout)
        if not ready:
            raise TimeoutError
        answer: dict[str, Any] = json.loads(self._proc.stdout.readline())
        return answer

    def close(self) -> None:
        for fd in self._reads:
            os.close(fd)
        self._reads = []
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=5)


@dataclass
class SuiteRuns:
    """The learner's suite against the correct API and every variant (the `suite` fixture)."""

    spec: SuiteSpec
    apis: Apis
    correct: SuiteRun | None = None
    caught: dict[str, bool] = field(default_factory=dict)  # variant name -> caught
    error: str = ""

    def run_all(self) -> None:
        """Every run, in a random order; once the correct API fails the suite, the rest are
        pointless (nothing is credited) and skipped."""
        order = [self.apis.correct, *self.apis.variants]
        random.SystemRandom().shuffle(order)
        server = ApiServer(self.spec.apps_uid)
        launcher = Launcher(self.spec.learner_uid, len(order))
        try:
            for api in order:
                run = self._run(server, launcher, api)
                if api is self.apis.correct:
                    self.correct = run
                    if not run.passed:
                        break
                else:
                    self.caught[api.name] = not run.passed
        finally:
            launcher.close()
            server.close()

    def expect_passes_on_correct(self) -> None:
        """Fail the calling test, with the suite's own output, unless it passed on correct."""
        assert self.correct is not None
        if self.error:
            raise AssertionError(
                "The correct API did not start (a problem with the exercise, not your tests):\n"
                + _cut(self.error)
            )
        if not self.correct.passed:
            raise AssertionError(
                "Against the correct API (the one the README describes) "
                + self.correct.story()
                + "\nA correct API failing a test means the test expects something the README "
                "does not promise: fix the test (its failure above says which)."
            )

    def credit_variants(self, checks: Any) -> None:
        """One `checks` case per variant, named by neither name nor number: the test earns the
        share caught, and its message names only the areas of the bugs that got past."""
        assert self.correct is not None
        missed: list[str] = []
        for variant in self.apis.variants:
            with checks.case("a hidden buggy version"):
                if not self.correct.passed:
                    raise AssertionError("not credited")
                if not self.caught.get(variant.name, False):
                    if variant.area not in missed:
                        missed.append(variant.area)
                    raise AssertionError("not caught")
        if not self.correct.passed:
            checks.message = (
                "Not credited: your tests must first pass against the correct API (the test "
                "above says why they do not). A suite that fails everywhere catches nothing."
            )
        elif missed:
            checks.message = (
                "Some buggy versions of the API passed all your tests. Their bugs are in these "
                f"areas of the README's contract: {', '.join(missed)}. Add tests that pin down "
                "exactly what the README promises there (statuses, bodies, headers, edge cases)."
            )

    # -- one run -------------------------------------------------------------------------------

    def _run(self, server: ApiServer, launcher: Launcher, api: Api) -> SuiteRun:
        self._copy_submission()
        url, error = server.start(api)
        if error and api is self.apis.correct:
            self.error = error
        started = time.monotonic()
        env = {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.spec.workdir),
            "LANG": "C.UTF-8",
            "TMPDIR": "/tmp",
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            "API_URL": url,
        }
        read_end, pid = launcher.start(
            {"cwd": str(self.spec.workdir), "env": env, "args": PYTEST_ARGS}
        )
        kept = bytearray()
        pump = threading.Thread(target=_pump, args=(read_end, kept), daemon=True)
        pump.start()
        code = launcher.wait(self.spec.timeout_s)
        if code is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            launcher.wait(5)
        self._end_learner_processes()
        server.stop_child()
        pump.join(timeout=2)
        read_end.close()
        self._wipe()
        output = kept.decode("utf-8", errors="replace")
        return SuiteRun(code, output, round(time.monotonic() - started, 3))

    def _as_learner(self) -> dict[str, Any]:
        uid = self.spec.learner_uid
        return {} if uid is None else {"user": uid, "group": uid, "extra_groups": []}

    def _copy_submission(self) -> None:
        if self.spec.learner_uid is None:
            self.spec.workdir.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["cp", "-R", "-T", "--", str(self.spec.submission), str(self.spec.workdir)],
            check=True,
            timeout=30,
            env={"PATH": "/usr/bin:/bin"},
            **self._as_learner(),
        )

    def _end_learner_processes(self) -> None:
        """Kill everything the run started, wherever it went (setsid, double forks)."""
        uid = self.spec.learner_uid
        if uid is None:
            return  # the local runner: the learner's processes are ours; only its group goes
        for _ in range(100):
            pids = _processes_of(uid)
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)
        raise SuiteError(f"processes of uid {uid} survived 100 rounds of SIGKILL")

    def _wipe(self) -> None:
        if self.spec.learner_uid is None:
            import shutil

            shutil.rmtree(self.spec.workdir, ignore_errors=True)
            return
        # The learner's whole /work (their uid owns it), and their entries in the shared folders.
        folders = [str(self.spec.workdir.parent), *WIPED]
        done = subprocess.run(
            [sys.executable, "-I", "-S", "-B", "-c", _WIPE, *folders],
            timeout=30,
            env={"PATH": "/usr/bin:/bin"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **self._as_learner(),
        )
        if done.returncode != 0:
            raise SuiteError("what one run of the suite left behind could not all be removed")


def run_suites(spec: SuiteSpec) -> SuiteRuns:
    """The `suite` fixture's work: load the APIs, run the learner's suite against each."""
    try:
        apis = apis_mod.load(spec.grader)
    except (OSError, ValueError) as exc:
        raise SuiteError(str(exc)) from None
    runs = SuiteRuns(spec, apis)
    runs.run_all()
    return runs


def serve_correct(grader: Path, uid: int | None, host: str, port: int) -> int:
    """`sandbox run` of a tests-kind exercise: the correct API on host:port until stopped."""
    server = ApiServer(uid, host, port)
    try:
        _, error = server.start(apis_mod.load(grader).correct)
        if error:
            print(f"sandbox run: the API did not start:\n{error}", flush=True)
            return 1
        print("sandbox run: the correct API is up, at the address above", flush=True)
        return server.wait()
    finally:
        server.close()


def _processes_of(uid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="utf-8") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue
        # A zombie runs nothing (and waits for a parent that is gone: PID 1 does not reap).
        if fields.get("State", "").strip().startswith("Z"):
            continue
        with contextlib.suppress(ValueError, IndexError):
            if int(fields.get("Uid", "").split()[0]) == uid:
                found.append(int(entry))
    return found


def _pump(stream: Any, kept: bytearray) -> None:
    while chunk := stream.read1(65536):
        kept += chunk[: max(OUTPUT_KEEP - len(kept), 0)]


def _cut(text: str) -> str:
    """The run's output for a message: whole when short, else its head and tail."""
    text = text.strip().replace("\nassert ", "\n assert ")  # the plugin cuts messages there
    if len(text) <= SHOWN:
        return text
    head, tail = text[: SHOWN * 3 // 5], text[-(SHOWN * 2 // 5) :]
    return f"{head}\n[… {len(text) - len(head) - len(tail)} characters cut …]\n{tail}"
