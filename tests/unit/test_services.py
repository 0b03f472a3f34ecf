"""Services without Docker: the exercise.toml fields, the job and container settings they lead
to, and the parts that run in the grader's own process (upstreams, the clock, the counts).

The services themselves (redis-server, PostgreSQL, the worker) run in the image and are graded
for real in tests/integration/test_real_services.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox import exercises
from sandbox.errors import ExerciseError
from sandbox.grading.services import (
    Clock,
    ServicesSpec,
    StatementCount,
    Upstream,
    UpstreamResponse,
    fresh_secrets,
)
from sandbox.jobspec import JobSpec, ServicesEntry
from sandbox.runners import Job
from sandbox.runners.docker import hardening
from sandbox.runners.jobfiles import job_spec

# -- exercise.toml ------------------------------------------------------------------------------


def _load(home: Path, factory: Callable[..., Path], data: dict[str, Any]) -> exercises.Exercise:
    factory(home, "demo", data)
    return exercises.load("demo", root=home)


def test_an_exercise_without_services_declares_none(
    tmp_path: Path, exercise_factory: Callable[..., Path], exercise_data: dict[str, Any]
) -> None:
    ex = _load(tmp_path, exercise_factory, exercise_data)
    assert ex.services == ServicesEntry((), 0, "")


def test_services_upstreams_and_a_worker_are_read(
    tmp_path: Path, exercise_factory: Callable[..., Path], exercise_data: dict[str, Any]
) -> None:
    exercise_data.update(services=["redis", "postgres", "clock"], upstreams=3)
    exercise_data["worker"] = {"module": "worker"}
    exercise_data["limits"].update(memory_mb=384, services_tmpfs_mb=96)
    folder = exercise_factory(tmp_path, "demo", exercise_data)
    for sub in ("starter", "solution"):
        (folder / sub / "worker.py").write_text("print('working')\n")
    ex = exercises.load("demo", root=tmp_path)
    assert ex.services == ServicesEntry(("redis", "postgres", "clock"), 3, "worker")
    assert ex.limits.services_tmpfs_mb == 96


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"services": ["mysql"]}, "services", "unknown service 'mysql'"),
        ({"services": ["redis", "redis"]}, "services", "twice"),
        ({"services": "redis"}, "services", "must be a list"),
        ({"upstreams": 9}, "upstreams", "between 0 and 8"),
        ({"services": ["postgres"]}, "limits.memory_mb", "PostgreSQL needs at least 320"),
        ({"worker": {"module": "worker"}}, "starter", "missing worker.py"),
        ({"worker": {"module": "a-b"}}, "worker.module", "not a valid Python name"),
        ({"worker": {"module": "worker", "extra": 1}}, "worker.extra", "unknown field"),
        ({"secrets": ["secret-key"]}, "secrets", "not an environment variable name"),
        ({"secrets": ["PATH"]}, "secrets", "set by the tool"),
        ({"secrets": ["A", "A"]}, "secrets", "twice"),
    ],
)
def test_a_wrong_declaration_names_the_field(
    tmp_path: Path,
    exercise_factory: Callable[..., Path],
    exercise_data: dict[str, Any],
    change: dict[str, Any],
    field: str,
    words: str,
) -> None:
    exercise_data.update(change)
    with pytest.raises(ExerciseError) as info:
        _load(tmp_path, exercise_factory, exercise_data)
    assert words in str(info.value)
    assert field in str(info.value)


def test_postgres_needs_enough_pids(
    tmp_path: Path, exercise_factory: Callable[..., Path], exercise_data: dict[str, Any]
) -> None:
    exercise_data["services"] = ["postgres"]
    exercise_data["limits"].update(memory_mb=384, pids=32)
    with pytest.raises(ExerciseError, match=r"limits\.pids"):
        _load(tmp_path, exercise_factory, exercise_data)


def test_secrets_get_a_fresh_value_each_run(
    tmp_path: Path, exercise_factory: Callable[..., Path], exercise_data: dict[str, Any]
) -> None:
    exercise_data["secrets"] = ["SECRET_KEY", "ADMIN_PASSWORD"]
    ex = _load(tmp_path, exercise_factory, exercise_data)
    assert ex.services.secrets == ("SECRET_KEY", "ADMIN_PASSWORD")
    spec = job_spec(
        Job(ex, ex.solution),
        submission="/s",
        grader="/g",
        workdir="/w",
        result_file=None,
        learner_uid=10001,
    )
    back = JobSpec.from_json(spec.to_json())
    assert back.services.secrets == ("SECRET_KEY", "ADMIN_PASSWORD")
    one, two = fresh_secrets(back.services.secrets), fresh_secrets(back.services.secrets)
    assert set(one) == {"SECRET_KEY", "ADMIN_PASSWORD"}
    assert all(len(v) >= 40 for v in one.values())
    assert one["SECRET_KEY"] != two["SECRET_KEY"] != one["ADMIN_PASSWORD"]


# -- what the runner does with them -------------------------------------------------------------


def _demo(
    tmp_path: Path, exercise_factory: Callable[..., Path], data: dict[str, Any]
) -> exercises.Exercise:
    return _load(tmp_path, exercise_factory, data)


def test_the_job_spec_carries_the_services(
    tmp_path: Path, exercise_factory: Callable[..., Path], exercise_data: dict[str, Any]
) -> None:
    exercise_data.update(services=["redis"], upstreams=2)
    ex = _demo(tmp_path, exercise_factory, exercise_data)
    spec = job_spec(
        Job(ex, ex.solution),
        submission="/job/submission",
        grader="/job/grader",
        workdir="/work/app",
        result_file="/job/out/result.json",
        learner_uid=10001,
    )
    assert spec.services == ServicesEntry(("redis",), 2, "")
    back = JobSpec.from_json(spec.to_json())  # through the job file, as the grader reads it
    assert back.services == spec.services
    assert ServicesSpec.from_job(back, Path("/job")) == ServicesSpec(
        ("redis",), 2, None, Path("/job"), isolated=True
    )


@pytest.mark.parametrize(
    "services",
    [
        {"names": ["mysql"]},
        {"names": "redis"},
        {"upstreams": True},
        {"worker": 1},
        {"other": 1},
        {"secrets": ["PATH"]},
    ],
)
def test_a_job_spec_with_wrong_services_is_refused(services: dict[str, Any]) -> None:
    spec = JobSpec(exercise="demo", submission="/s", grader="/g", workdir="/w")
    data = {**json.loads(spec.to_json()), "services": services}
    with pytest.raises(ValueError, match="services"):
        JobSpec.from_json(json.dumps(data))


def test_only_postgres_gets_its_own_tmpfs(
    tmp_path: Path, exercise_factory: Callable[..., Path], exercise_data: dict[str, Any]
) -> None:
    plain = hardening(exercises.Limits())
    assert "/run/postgres" not in plain["tmpfs"]
    assert hardening(exercises.Limits(), services=("redis", "clock"))["tmpfs"] == plain["tmpfs"]
    options = hardening(exercises.Limits(services_tmpfs_mb=96), services=("postgres",))["tmpfs"]
    assert options["/run/postgres"] == (
        "rw,nosuid,nodev,noexec,size=96m,nr_inodes=8192,uid=10003,gid=0,mode=0750"
    )


# -- the grader's side, in its own process ------------------------------------------------------


@pytest.fixture
def upstream() -> Any:
    server = Upstream("catalog")
    server.revive()
    yield server
    server.kill()


def test_an_upstream_answers_and_counts(upstream: Upstream) -> None:
    r = requests.get(upstream.url + "/things?x=1", timeout=5)
    assert r.json() == {"upstream": "catalog", "path": "/things?x=1"}
    upstream.handler = lambda req: (201, {"echo": req.json()})
    r = requests.post(upstream.url + "/echo", json={"a": 1}, timeout=5)
    assert (r.status_code, r.json()) == (201, {"echo": {"a": 1}})
    upstream.handler = lambda req: UpstreamResponse(503, "down", {"Retry-After": "3"})
    r = requests.get(upstream.url, timeout=5)
    assert (r.status_code, r.text, r.headers["Retry-After"]) == (503, "down", "3")
    assert upstream.count == 3
    assert [c.method for c in upstream.calls] == ["GET", "POST", "GET"]


def test_a_killed_upstream_refuses_and_comes_back_on_the_same_port(upstream: Upstream) -> None:
    port = upstream.port
    upstream.kill()
    with pytest.raises(requests.ConnectionError):
        requests.get(upstream.url, timeout=5)
    upstream.reset()  # what the fixture does before each test
    assert upstream.port == port and upstream.alive
    assert requests.get(upstream.url, timeout=5).status_code == 200
    assert upstream.count == 1


def test_an_upstream_reads_chunked_bodies_and_may_chunk_its_answer(upstream: Upstream) -> None:
    upstream.handler = lambda req: UpstreamResponse(
        200, b"5\r\nhello\r\n0\r\n\r\n", {"Transfer-Encoding": "chunked"}
    )
    r = requests.post(upstream.url + "/up", data=iter([b"ab", b"cd"]), timeout=5)
    assert upstream.calls[-1].body == b"abcd" and upstream.calls[-1].headers["Transfer-Encoding"]
    assert (r.text, "Content-Length" in r.headers) == ("hello", False)
    # A body that says chunked and has a length (a proxy that copied the header): a 400.
    r = requests.post(
        upstream.url + "/up", data=b"abcd", headers={"Transfer-Encoding": "chunked"}, timeout=5
    )
    assert r.status_code == 400 and "Content-Length" in r.json()["error"]


def test_a_slow_upstream_is_slow(upstream: Upstream) -> None:
    upstream.delay_s = 2
    with pytest.raises(requests.ReadTimeout):
        requests.get(upstream.url, timeout=0.3)


def test_reviving_on_a_taken_port_is_a_clear_failure(upstream: Upstream) -> None:
    import socket

    upstream.kill()
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", upstream.port))
    squatter.listen()
    try:
        with pytest.raises(AssertionError, match="took its port"):
            upstream.revive()
    finally:
        squatter.close()


def test_the_clock_writes_an_offset_and_tells_its_followers(tmp_path: Path) -> None:
    clock = Clock(tmp_path / "clock")
    assert clock.path.read_text() == "+0.000\n"
    told: list[float] = []
    clock.followers.append(told.append)
    before = time.time()
    clock.advance(90.5)
    assert clock.path.read_text() == "+90.500\n"
    assert told == [90.5]
    assert clock.now() - before >= 90.5
    assert clock.path.stat().st_mode & 0o777 == 0o644
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)


def test_a_count_with_evicted_statements_is_refused() -> None:
    counted = StatementCount([("SELECT $1", 3), ("SELECT * FROM t WHERE id = $1", 2)])
    assert counted.total == 5
    assert "2 x SELECT * FROM t" in counted.describe()
    counted.evicted = True
    with pytest.raises(AssertionError, match="could not count"):
        _ = counted.total
