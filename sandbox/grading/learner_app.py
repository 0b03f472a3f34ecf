"""The learner's app as the grader sees it: a separate process, reached over HTTP.

In the container the process runs as an unprivileged user with an allow-listed environment;
the grader (root with SETUID/SETGID/KILL only) can neither be signalled nor read by it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection
from urllib3.connectionpool import HTTPConnectionPool

from sandbox.grading.logs import json_lines
from sandbox.grading.transcript import Transcript, record
from sandbox.jobspec import JobSpec

OUTPUT_KEEP = 256 * 1024  # bytes of app output kept; the rest is counted, not stored
# What the grader reads of one response, whatever the app sends: a 1.5 MB gzip body can inflate
# to 1.5 GB inside the grader, which shares the job's memory with the app.
BODY_CAP = 4 * 1024 * 1024  # decoded (inflated) body bytes
HEADERS_CAP = 100  # header fields (http.client refuses more, with the same number)
HEADER_BYTES_CAP = 64 * 1024  # names and values together
_READ_CHUNK = 64 * 1024  # urllib3 inflates at most about this much per read
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

# Runs as the learner, before any learner code: limits the learner cannot raise, then serve.
_LAUNCH = """\
import os, resource, sys
try:
    with open('/proc/self/oom_score_adj', 'w') as f:
        f.write('1000')
except OSError:
    pass
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
module, attribute, port, on_host = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == '1'
host = sys.argv[5] if len(sys.argv) > 5 else '127.0.0.1'
if on_host:  # no container to take the app down with the grader: die with it (PR_SET_PDEATHSIG)
    import ctypes, signal
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)
sys.argv = [module]
sys.path.insert(0, os.getcwd())
import importlib
app = getattr(importlib.import_module(module), attribute)
from werkzeug.serving import make_server
make_server(host, port, app, threaded=True).serve_forever()
"""


class AppNoAnswer(AssertionError):
    """A request to the learner's app got no answer: a test failure with a learner message."""


class AppDidNotStart(Exception):
    """The learner's app exited or never listened; every test is reported as not run."""

    def __init__(self, message: str, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


@dataclass(frozen=True)
class AppSpec:
    """What the grader needs to start and reach the app; the defaults live in the JobSpec."""

    submission: Path
    workdir: Path
    module: str
    attribute: str
    startup_timeout_s: float
    request_timeout_s: float
    learner_uid: int | None  # None: run as the current user (local runner)
    memory_mb: int | None
    # What declared services add (sandbox/grading/services/: REDIS_URL, DATABASE_URL, …).
    extra_env: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_job(cls, job: JobSpec) -> AppSpec:
        return cls(
            submission=Path(job.submission).resolve(),
            workdir=Path(job.workdir),
            module=job.app.module,
            attribute=job.app.attribute,
            startup_timeout_s=job.app.startup_timeout_s,
            request_timeout_s=job.limits.request_timeout_s,
            learner_uid=job.learner_uid,
            memory_mb=job.limits.memory_mb,
        )


class _Output:
    """Collects the app's combined stdout/stderr, keeping a capped head and counting the rest."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept = bytearray()
        self.dropped = 0

    def pump(self, stream: Any) -> None:
        while chunk := stream.read1(65536):
            with self._lock:
                room = OUTPUT_KEEP - len(self._kept)
                self._kept += chunk[: max(room, 0)]
                self.dropped += max(len(chunk) - max(room, 0), 0)

    def text(self, since: int = 0) -> str:
        with self._lock:
            text = _ANSI.sub("", self._kept[since:].decode("utf-8", errors="replace"))
            dropped = self.dropped
        if dropped:
            text += f"\n[… the app wrote {dropped} more bytes of output; only the first {OUTPUT_KEEP} were kept]"
        return text

    def mark(self) -> int:
        with self._lock:
            return len(self._kept)


class LearnerApp:
    """Start, reach and stop the learner's Flask app."""

    def __init__(self, spec: AppSpec) -> None:
        self.spec = spec
        self.workdir = spec.workdir
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._output = _Output()
        self._http = _session()
        self._killed_by_us = False
        self._env_overrides: dict[str, str | None] = {}
        self.transcript = Transcript()

    # -- life cycle ---------------------------------------------------------------------------

    def prepare(self) -> None:
        """Copy the submission into the writable working directory, as the learner."""
        src, dst = str(self.spec.submission), str(self.workdir)
        if self.spec.learner_uid is None:
            shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)
            return
        # cp, not a second interpreter: this is on every job's start-up path. -R never follows
        # a symlink inside the tree; -T copies the folder's contents into dst.
        subprocess.run(
            ["cp", "-R", "-T", "--", src, dst],
            check=True,
            timeout=60,
            env=self._env(),
            **self._user_kwargs(),
        )

    def start(self, env: Mapping[str, str | None] | None = None) -> None:
        """Start the app and wait until it listens; raise AppDidNotStart with its output if not.

        `env` changes the app's environment from this start on (later restarts and revivals
        keep it, until the next `start(env=…)`/`restart(env=…)`): a value sets a variable, None
        removes one (also one a service set, e.g. UPSTREAM_URL) — configuration tests.
        """
        if env is not None:
            self._env_overrides = dict(env)
        self.port = _free_port()
        self._killed_by_us = False
        mark = self._output.mark()
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _LAUNCH,
                self.spec.module,
                self.spec.attribute,
                str(self.port),
                "1" if self.spec.learner_uid is None else "0",
            ],
            cwd=self.workdir,
            env=self._env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **self._user_kwargs(),
        )
        threading.Thread(target=self._output.pump, args=(self._proc.stdout,), daemon=True).start()
        deadline = time.monotonic() + self.spec.startup_timeout_s
        while time.monotonic() < deadline:
            code = self._proc.poll()
            if code is not None:
                time.sleep(0.05)  # let the pump drain the last lines
                raise AppDidNotStart(self._exit_story(code, self._output.text(mark)))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.03)
        self.stop()
        raise AppDidNotStart(
            f"the app did not start listening within {self.spec.startup_timeout_s:g} s: it probably "
            "loops or blocks at import or start-up." + _tail_note(self._output.text(mark)),
            timed_out=True,
        )

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        self._killed_by_us = True
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)

    def serve(self, host: str, port: int) -> int:
        """`sandbox run`: serve the app on host:port in the foreground, its output on ours, until
        it exits or is killed. Returns its exit code."""
        command = [
            sys.executable,
            "-c",
            _LAUNCH,
            self.spec.module,
            self.spec.attribute,
            str(port),
            "1" if self.spec.learner_uid is None else "0",
            host,
        ]
        proc = subprocess.Popen(
            command,
            cwd=self.workdir,
            env=self._env(),
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            **self._user_kwargs(),
        )
        try:
            return proc.wait()
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)

    def restart(self, env: Mapping[str, str | None] | None = None) -> None:
        """A fresh process over the same working directory (`env`: as for `start`)."""
        self.stop()
        self.start(env)

    @property
    def returncode(self) -> int | None:
        """The exit code of the app's last process (negative: killed by that signal); None
        while it runs or before it started."""
        return None if self._proc is None else self._proc.poll()

    def send_signal(self, signum: int) -> None:
        """Signal the app's process (SIGTERM: the platform asks it to shut down)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signum)

    def wait_exit(self, timeout: float) -> int | None:
        """Wait up to `timeout` s for the app's process to end: its exit code, or None."""
        if self._proc is None:
            return None
        try:
            return self._proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # -- HTTP ---------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One call to the app; every exchange (answered or not) goes into the transcript."""
        started = time.monotonic()
        try:
            response = self._send(method, path, **kwargs)
        except AppNoAnswer as exc:
            self.transcript.add(
                record(method, path, kwargs, None, time.monotonic() - started, str(exc))
            )
            raise
        self.transcript.add(record(method, path, kwargs, response, time.monotonic() - started))
        return response

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One call, read as hostile input: a total deadline and capped reads.

        `timeout` (default request_timeout_s) bounds the whole call — connecting, sending, the
        status line, headers and body: at the deadline the call's socket is shut, so an answer
        trickled a byte at a time ends there. A response past a cap or the deadline fails the
        calling test (AppNoAnswer) with what happened.
        """
        if not self.running:
            self._revive()
        timeout = kwargs.pop("timeout", self.spec.request_timeout_s)
        # Parallel callers each want their own connection (a Session is not thread-safe).
        http = _session() if kwargs.pop("fresh_connection", False) else self._http
        kwargs.setdefault("allow_redirects", False)
        what = f"{method} {path}"
        deadline = time.monotonic() + timeout
        call = _Call()
        _in_flight.call = call
        watchdog = threading.Timer(timeout, call.shut)
        watchdog.daemon = True
        watchdog.start()
        try:
            try:
                response = http.request(
                    method, self.url(path), timeout=timeout, stream=True, **kwargs
                )
            except requests.Timeout:
                raise AppNoAnswer(f"{what} got no answer within {timeout:g} s") from None
            except requests.ConnectionError as exc:
                if time.monotonic() >= deadline:
                    raise AppNoAnswer(f"{what} got no answer within {timeout:g} s") from None
                raise AppNoAnswer(self._no_answer(what, exc)) from None
            try:
                _check_headers(response, what)
                response._content = _read_body(response, what, deadline, timeout)
            finally:
                response.close()
        finally:
            watchdog.cancel()
            _in_flight.call = None
        response.__class__ = _Response
        response.what = what  # type: ignore[attr-defined]
        return response

    def _no_answer(self, what: str, exc: requests.ConnectionError) -> str:
        if "got more than" in str(exc) or "LineTooLong" in str(exc) or "line too long" in str(exc):
            return (
                f"{what}: the response's headers ran past what the grader reads (at most "
                f"{HEADERS_CAP} header fields, {HEADER_BYTES_CAP // 1024} KB in all)"
            )
        time.sleep(0.1)
        if self._proc is not None and self._proc.poll() is not None:
            return f"{what}: {self._exit_story(self._proc.returncode, '')}"
        return f"{what}: the app closed the connection without answering"

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.request("DELETE", path, **kw)

    # -- output -------------------------------------------------------------------------------

    def output(self, since: int = 0) -> str:
        return self._output.text(since)

    def output_mark(self) -> int:
        return self._output.mark()

    def log_records(self, since: int = 0) -> list[dict[str, Any]]:
        """The JSON objects the app printed one per line (structured logs) since a mark."""
        return json_lines(self.output(since))

    # -- internals ----------------------------------------------------------------------------

    def _revive(self) -> None:
        """The app died in an earlier test: start it again so later tests are still graded."""
        try:
            self.start()
        except AppDidNotStart as exc:
            raise AppNoAnswer(f"the app is not running and could not be restarted: {exc}") from None

    def _exit_story(self, code: int, output: str) -> str:
        if code == -signal.SIGKILL and not self._killed_by_us:
            limit = f" ({self.spec.memory_mb} MB)" if self.spec.memory_mb else ""
            return (
                "the app was killed by SIGKILL: it most likely ran out of memory"
                + limit
                + "."
                + _tail_note(output)
            )
        if code < 0:
            return f"the app was killed by signal {-code}." + _tail_note(output)
        return f"the app exited with code {code}{_last_error(output)}." + _tail_note(output)

    def _env(self) -> dict[str, str]:
        """Only an allow-listed environment reaches learner code: no secrets of the grader's."""
        env = {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.workdir),
            "LANG": "C.UTF-8",
            "TMPDIR": "/tmp",
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            **self.spec.extra_env,
        }
        for name, value in self._env_overrides.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def _user_kwargs(self) -> dict[str, Any]:
        uid = self.spec.learner_uid
        if uid is None:
            return {}
        return {"user": uid, "group": uid, "extra_groups": []}


def describe(response: requests.Response, limit: int = 300) -> str:
    """'500 text/html: '<!doctype…'' — status, content type and the start of the body."""
    ctype = response.headers.get("Content-Type", "no Content-Type")
    body = response.text
    if len(body) > limit:
        body = body[:limit] + "…"
    return (
        f"{response.status_code} {ctype}: {body!r}"
        if body
        else f"{response.status_code} {ctype} (empty body)"
    )


class _Response(requests.Response):
    """A response whose JSON parses within Python's recursion limit or fails its test."""

    what = "the call"

    def json(self, **kwargs: Any) -> Any:
        try:
            return super().json(**kwargs)
        except RecursionError:
            raise AppNoAnswer(
                f"{self.what}: the JSON body nests deeper than the grader parses (about "
                f"{sys.getrecursionlimit()} levels of arrays and objects)"
            ) from None


def _check_headers(response: requests.Response, what: str) -> None:
    fields = list(response.raw.headers.items()) if response.raw is not None else []
    size = sum(len(name) + len(value) for name, value in fields)
    if len(fields) > HEADERS_CAP or size > HEADER_BYTES_CAP:
        raise AppNoAnswer(
            f"{what}: the response carried {len(fields)} header fields, {size} bytes; the grader "
            f"reads at most {HEADERS_CAP} fields, {HEADER_BYTES_CAP // 1024} KB in all"
        )


def _read_body(response: requests.Response, what: str, deadline: float, timeout: float) -> bytes:
    """The decoded body, at most BODY_CAP bytes, read before `deadline`; else AppNoAnswer."""
    body = bytearray()
    try:
        for chunk in response.raw.stream(_READ_CHUNK, decode_content=True):
            body += chunk
            if len(body) > BODY_CAP:
                encoding = response.headers.get("Content-Encoding", "")
                grew = f"inflated ({encoding})" if encoding else "ran"
                raise AppNoAnswer(
                    f"{what}: the response body {grew} past {BODY_CAP // 2**20} MB; the grader "
                    f"reads at most {BODY_CAP // 2**20} MB of a body"
                )
            if time.monotonic() > deadline:
                break
    except (OSError, urllib3.exceptions.HTTPError, requests.RequestException) as exc:
        if time.monotonic() < deadline:
            raise AppNoAnswer(f"{what}: the app broke off its answer ({_short(exc)})") from None
    if time.monotonic() >= deadline:
        raise AppNoAnswer(f"{what} got no complete answer within {timeout:g} s")
    return bytes(body)


class _Call:
    """The socket of one call in flight, for its deadline to shut (from the watchdog thread)."""

    def __init__(self) -> None:
        self.sock: socket.socket | None = None

    def shut(self) -> None:
        sock = self.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # a blocked read returns at once


_in_flight = threading.local()  # .call: the _Call this thread is making, if any


class _WatchedConnection(HTTPConnection):
    """Connects before sending, and hands its socket to the call in flight (fresh or reused)."""

    def request(self, *args: Any, **kwargs: Any) -> None:
        if self.sock is None:
            self.connect()
        call = getattr(_in_flight, "call", None)
        if call is not None:
            call.sock = self.sock
        super().request(*args, **kwargs)


class _WatchedPool(HTTPConnectionPool):
    ConnectionCls = _WatchedConnection


def _session() -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter()
    adapter.poolmanager.pool_classes_by_scheme = {"http": _WatchedPool}
    session.mount("http://", adapter)
    return session


def _short(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]


def _last_error(output: str) -> str:
    """': SyntaxError: invalid syntax' — the exception line of a traceback, for the first line."""
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    for line in reversed(lines[-40:]):
        if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b", line):
            return ": " + line[:200]
    return ""


def _tail_note(output: str, lines: int = 15) -> str:
    tail = [line for line in output.strip().splitlines() if line.strip()][-lines:]
    return ("\nLast lines of the app's output:\n" + "\n".join(tail)) if tail else ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
