"""Grading through Celery workers on a real redis-server: same gradebooks, and nothing lost when
a worker, the coordinator, Redis or a worker's Docker engine dies mid-batch.

Everything is real: `sandbox worker` and `sandbox grade --broker` as processes, redis-server on
a free port of this machine, Docker containers for every grading. A killed worker's job goes to
another after the visibility timeout, lowered here to 40 s (1,200 s by default): above the longest
grading of these tests on a busy 2-core machine, or a job still running would be handed out twice.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox import exercises
from sandbox.docker_client import LABEL
from sandbox.runners.docker import _alive

pytestmark = [pytest.mark.docker, pytest.mark.broker]
REDIS = shutil.which("redis-server")
VISIBILITY_S = 40
SLOW = "import time\ntime.sleep({s})  # a slow start: long enough to be killed mid-job\n"

if REDIS is None:
    pytestmark.append(pytest.mark.skip(reason="needs redis-server (make test installs it)"))


class RedisServer:
    def __init__(self, folder: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.folder = folder
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"redis://:testpass@127.0.0.1:{self.port}/0"
        self.start()

    def start(self) -> None:
        assert REDIS is not None
        self.proc = subprocess.Popen(
            [
                REDIS,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--requirepass",
                "testpass",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


class Worker:
    def __init__(self, name: str, broker: str, log: Path, env: dict[str, str]) -> None:
        self.name, self.log = name, log
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sandbox",
                "worker",
                "--broker",
                broker,
                "-c",
                "1",
                "--name",
                name,
                "--visibility-timeout",
                str(VISIBILITY_S),
            ],
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its own process group: killed whole, like a machine lost
        )
        self.wait_for("ready.")

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, needle: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text():
            assert self.proc.poll() is None, f"worker {self.name} exited:\n{self.text()[-3000:]}"
            assert time.monotonic() < deadline, f"{needle!r} not in {self.name}'s log"
            time.sleep(0.1)

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # the main process only: a warm shutdown finishes its job
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=60)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # anything of its group still there


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def workers(tmp_path: Path, runner_image: str) -> Iterator[Callable[..., Worker]]:
    started: list[Worker] = []

    def start(name: str, broker: str, **env: str) -> Worker:
        started.append(Worker(name, broker, tmp_path / f"{name}.log", {**os.environ, **env}))
        return started[-1]

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def leftovers(docker_client: Any) -> Callable[[], list[str]]:
    """Job containers on this host whose owning process is gone (none may stay)."""

    def find() -> list[str]:
        found = []  # the low-level list carries the labels: no inspect to race a removal
        for c in docker_client.api.containers(all=True, filters={"label": f"{LABEL}=job"}):
            host, _, pid = (c.get("Labels") or {}).get(f"{LABEL}.owner", "").rpartition(":")
            if host == socket.gethostname() and pid.isdigit() and not _alive(int(pid)):
                found.extend(c.get("Names") or [c["Id"]])
        return found

    return find


def _class(root: Path, slow: dict[str, float] | None = None) -> Path:
    """A small http-handler class: full marks, the starter, and slow copies of the solution."""
    ex = exercises.load("http-handler")
    subs = root / "subs"
    for student, source in [("ana", ex.solution), ("ben", ex.starter), ("cho", ex.solution)]:
        shutil.copytree(source, subs / student)
    for student, seconds in (slow or {}).items():
        shutil.copytree(ex.solution, subs / student)
        app = subs / student / "app.py"
        app.write_text(SLOW.format(s=seconds) + app.read_text())
    return subs


def _grade(subs: Path, out: Path, broker: str | None, *extra: str) -> subprocess.Popen[str]:
    command = [
        sys.executable,
        "-m",
        "sandbox",
        "grade",
        "http-handler",
        str(subs),
        "-o",
        str(out),
        "--json",
        *extra,
    ]
    if broker:
        command += ["--broker", broker]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen[str], timeout: float = 420) -> tuple[int, dict[str, Any], str]:
    stdout, stderr = proc.communicate(timeout=timeout)
    assert "Traceback" not in stderr, stderr
    return proc.returncode, json.loads(stdout) if stdout.strip() else {}, stderr


def _gradebook(out: Path) -> list[tuple[str, str, str]]:
    with (out / "gradebook.csv").open() as f:
        return [(r["student"], r["status"], r["score"]) for r in csv.DictReader(f)]


def _wait_results(out: Path, n: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while len(list((out / "results").glob("*.json"))) < n:
        assert time.monotonic() < deadline, "no result arrived"
        time.sleep(0.1)


def test_two_workers_give_the_local_gradebook(
    tmp_path: Path, redis_server: RedisServer, workers: Callable[..., Worker]
) -> None:
    subs = _class(tmp_path, {"dee": 0.5})
    local_code, local, _ = _finish(_grade(subs, tmp_path / "local", None, "-j", "2"))
    workers("w1", redis_server.url)
    workers("w2", redis_server.url)
    code, summary, _ = _finish(_grade(subs, tmp_path / "broker", redis_server.url))
    assert (code, summary["statuses"]) == (local_code, local["statuses"])
    assert _gradebook(tmp_path / "broker") == _gradebook(tmp_path / "local")
    assert {
        json.loads(p.read_text())["runner"].split(":")[0]
        for p in (tmp_path / "broker" / "results").glob("*.json")
    } == {"docker"}
    # Run again: everything is saved, nothing is sent.
    again_code, again, _ = _finish(_grade(subs, tmp_path / "broker", redis_server.url))
    assert again_code == code and again["reused"] == 4 and again["graded_now"] == 0

    # A course (two exercises, one student missing one) through the same workers, and locally.
    course = tmp_path / "course"
    shutil.copytree(subs, course / "http-handler")
    hashing = exercises.load("hash-passwords")
    shutil.copytree(hashing.solution, course / "hash-passwords" / "ana")
    shutil.copytree(hashing.starter, course / "hash-passwords" / "ben")
    (course / "no-such-exercise").mkdir()
    outs = {}
    for where, broker in (("local", None), ("broker", redis_server.url)):
        outs[where] = tmp_path / f"course-{where}"
        command = [
            sys.executable,
            "-m",
            "sandbox",
            "grade",
            "--course",
            str(course),
            "-o",
            str(outs[where]),
            "--json",
        ] + (["--broker", broker] if broker else [])
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        doc = json.loads(done.stdout)
        assert doc["unknown_folders"] == ["no-such-exercise"]
    book = {w: (o / "course-gradebook.csv").read_text() for w, o in outs.items()}
    assert book["broker"] == book["local"]
    rows = {r["student"]: r for r in csv.DictReader(book["local"].splitlines())}
    assert rows["ana"]["http-handler"] == "21" and rows["cho"]["hash-passwords"] == ""


def test_a_worker_killed_mid_job_loses_nothing(
    tmp_path: Path,
    redis_server: RedisServer,
    workers: Callable[..., Worker],
    leftovers: Callable[[], list[str]],
) -> None:
    subs = _class(tmp_path, {"dee": 4, "eli": 4, "fay": 4})
    doomed = workers("doomed", redis_server.url)
    coordinator = _grade(subs, tmp_path / "out", redis_server.url)
    doomed.wait_for("received")  # it holds a job now (and, prefetch 1, only that one)
    time.sleep(1.0)  # mid-job: its container is running
    doomed.kill()
    workers("survivor", redis_server.url)
    code, summary, stderr = _finish(coordinator)
    assert code == 0, stderr
    assert summary["statuses"] == {"pass": 5, "fail": 1}, summary
    rows = _gradebook(tmp_path / "out")
    assert len(rows) == len({r[0] for r in rows}) == 6, "one row per student, no duplicates"
    assert not leftovers(), "the survivor reaps the killed worker's containers"


def test_the_coordinator_killed_and_run_again_keeps_what_finished(
    tmp_path: Path, redis_server: RedisServer, workers: Callable[..., Worker]
) -> None:
    subs = _class(tmp_path, {"dee": 2, "eli": 2})
    workers("w1", redis_server.url)
    out = tmp_path / "out"
    first = _grade(subs, out, redis_server.url)
    _wait_results(out, 1)
    first.kill()
    first.communicate()
    saved = len(list((out / "results").glob("*.json")))
    code, summary, stderr = _finish(_grade(subs, out, redis_server.url))
    assert code == 0, stderr
    assert summary["reused"] >= saved and summary["statuses"] == {"pass": 4, "fail": 1}


def test_redis_restarted_mid_batch_stops_with_a_resume_hint_and_loses_nothing(
    tmp_path: Path, redis_server: RedisServer, workers: Callable[..., Worker]
) -> None:
    subs = _class(tmp_path, {"dee": 3, "eli": 3, "fay": 3})
    workers("w1", redis_server.url)
    out = tmp_path / "out"
    coordinator = _grade(subs, out, redis_server.url)
    _wait_results(out, 1)
    redis_server.stop()  # no persistence: queued jobs and replies are gone with it
    time.sleep(1.0)
    redis_server.start()
    code, _, stderr = _finish(coordinator)
    if code != 0:  # it may also ride over the restart; if not, exit 3 saying how to go on
        assert code == 3, stderr
        assert "run the same command again" in " ".join(stderr.split())
    saved = {p.stem: json.loads(p.read_text()) for p in (out / "results").glob("*.json")}
    assert all(not r["infrastructure"] for r in saved.values()), "no zero stands for our failure"
    code, summary, stderr = _finish(_grade(subs, out, redis_server.url))
    assert code == 0, stderr
    assert summary["statuses"] == {"pass": 5, "fail": 1}


def test_a_worker_whose_docker_dies_turns_no_job_into_a_zero(
    tmp_path: Path,
    redis_server: RedisServer,
    workers: Callable[..., Worker],
    engine_proxy: Callable[[Path], Any],
    leftovers: Callable[[], list[str]],
) -> None:
    subs = _class(tmp_path, {"dee": 3, "eli": 3, "fay": 3})
    proxy = engine_proxy(tmp_path / "engine.sock")
    cut_off = workers("cut-off", redis_server.url, DOCKER_HOST=f"unix://{proxy.path}")
    coordinator = _grade(subs, tmp_path / "out", redis_server.url)
    cut_off.wait_for("received")
    proxy.cut()
    workers("healthy", redis_server.url)
    code, summary, stderr = _finish(coordinator)
    results = [json.loads(p.read_text()) for p in (tmp_path / "out" / "results").glob("*.json")]
    earned = [r for r in results if not r["infrastructure"]]
    assert all(r["status"] in ("pass", "fail") for r in earned), "no zero for a dead engine"
    if code == 0:
        assert summary["statuses"] == {"pass": 5, "fail": 1}
    else:  # what the dead engine held is marked ours and graded on the next run
        assert code == 3, stderr
        code, summary, stderr = _finish(_grade(subs, tmp_path / "out", redis_server.url))
        assert code == 0 and summary["statuses"] == {"pass": 5, "fail": 1}, stderr
    assert "takes no more jobs" in cut_off.text()


def test_a_worker_with_another_version_refuses_the_job(
    tmp_path: Path, redis_server: RedisServer, workers: Callable[..., Worker]
) -> None:
    home = tmp_path / "other-course"
    root = exercises.project_root()
    for part in ("exercises", "graders"):
        shutil.copytree(root / part, home / part, ignore=shutil.ignore_patterns("examples"))
    grader = home / "graders" / "http-handler" / "test_http_handler.py"
    grader.write_text(grader.read_text() + "\n# a newer grader\n")
    stale = workers("stale", redis_server.url, SANDBOX_HOME=str(home))
    code, summary, stderr = _finish(_grade(_class(tmp_path), tmp_path / "out", redis_server.url))
    assert code == 3, stderr
    assert summary["statuses"] == {"error": 3}
    result = json.loads((tmp_path / "out" / "results" / "ana.json").read_text())
    assert result["infrastructure"] and "update this worker's checkout" in result["message"]
    assert stale.proc.poll() is None, "a refusal is an answer, not a crash"
