"""What comes back to the host, and the tool's own life: planted result files, a killed check,
and (when installed) the gVisor runtime.

The learner cannot write /job/out (test_hostile_isolation proves it), so here the test plays
the attacker that got there: as root, through the Docker API, it plants a symlink, a FIFO, a
folder or an oversize file at /job/out/result.json and reads it back with the host's reader.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from docker import DockerClient
from docker.models.containers import Container

from sandbox.docker_client import LABEL
from sandbox.exercises import Exercise
from sandbox.results import Result, Status, TestStatus
from sandbox.runners import Job
from sandbox.runners import docker as docker_module
from sandbox.runners.docker import RESULT_CAP, DockerRunner, reap_orphans

pytestmark = [pytest.mark.docker, pytest.mark.adversarial]

PLANTS = ("symlink", "fifo", "folder", "oversize")


def planted(kind: str) -> bytes:
    """A tar for /job: out/ (0700) holding result.json as `kind`."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        folder = tarfile.TarInfo("out")
        folder.type, folder.mode = tarfile.DIRTYPE, 0o700
        tar.addfile(folder)
        info = tarfile.TarInfo("out/result.json")
        data: io.BytesIO | None = None
        if kind == "symlink":
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        elif kind == "fifo":
            info.type = tarfile.FIFOTYPE
        elif kind == "folder":
            info.type, info.mode = tarfile.DIRTYPE, 0o755
        elif kind == "oversize":
            info.size = RESULT_CAP + 1
            data = io.BytesIO(b"{" + b" " * (RESULT_CAP - 1) + b"}")
        else:  # "regular": the control
            body = b'{"planted": true}'
            info.size, data = len(body), io.BytesIO(body)
        tar.addfile(info, data)
    return buf.getvalue()


def read_within(container: Container, seconds: float = 10) -> tuple[str | None, float]:
    """_read_result in a thread, so a hang fails the test instead of stalling the suite."""
    box: dict[str, str | None] = {}
    started = time.monotonic()
    reader = threading.Thread(
        target=lambda: box.update(doc=docker_module._read_result(container)), daemon=True
    )
    reader.start()
    reader.join(seconds)
    assert not reader.is_alive(), f"_read_result hung for {seconds} s"
    return box["doc"], time.monotonic() - started


@pytest.fixture
def job_container(docker_runner: DockerRunner, http_handler: Exercise) -> Iterator[Container]:
    """A real job container, created with the production settings and never started."""
    container = docker_runner._create(http_handler, "planted", docker_module.GRADER_COMMAND)
    yield container
    docker_module._remove(container)


# -- 10. files handed back -----------------------------------------------------------------------


def test_the_reader_reads_a_planted_regular_file(job_container: Container) -> None:
    """The control: planting works, and a small regular file is read."""
    assert job_container.put_archive("/job", planted("regular"))
    doc, _ = read_within(job_container)
    assert doc == '{"planted": true}'


@pytest.mark.parametrize("kind", PLANTS)
def test_the_reader_refuses_anything_but_a_small_regular_file(
    job_container: Container, kind: str
) -> None:
    assert job_container.put_archive("/job", planted(kind))
    doc, took = read_within(job_container)
    assert doc is None
    assert took < 5


@pytest.mark.parametrize("kind", ["symlink", "fifo"])
def test_a_planted_result_is_could_not_grade_end_to_end(
    docker_runner: DockerRunner,
    http_handler: Exercise,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    """The whole run, when the grader published nothing on its stdout (as if it were killed):
    the fallback reads /job/out/result.json, and finds the planted file there."""
    read = docker_module._read_result

    def plant_then_read(container: Container) -> str | None:
        assert container.put_archive("/job", planted(kind))
        return read(container)

    monkeypatch.setattr(docker_module, "_stdout", lambda _container: b"")
    monkeypatch.setattr(docker_module, "_read_result", plant_then_read)
    result = docker_runner.run(Job(http_handler, http_handler.starter, "planted"))
    assert result.status is Status.ERROR
    assert result.infrastructure
    assert result.message.startswith("Could not grade: the grader produced no readable result")
    assert "root:" not in result.message  # nothing of the symlink's target was read
    assert result.duration_s < 30


def test_a_planted_result_file_does_not_override_the_published_one(
    docker_runner: DockerRunner,
    http_handler: Exercise,
    monkeypatch: pytest.MonkeyPatch,
    starter_result: Result,
) -> None:
    """The result the grader published on its stdout wins over anything in /job/out."""
    forged = Result(
        exercise="http-handler", status=Status.PASS, score=21, max_score=21, message="forged"
    )
    real_stdout = docker_module._stdout

    def plant_then_read(container: Container) -> bytes:
        buf = io.BytesIO()
        data = forged.to_json().encode()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            info = tarfile.TarInfo("out/result.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        assert container.put_archive("/job", buf.getvalue())
        return real_stdout(container)

    monkeypatch.setattr(docker_module, "_stdout", plant_then_read)
    result = docker_runner.run(Job(http_handler, http_handler.starter, "planted-pass"))
    assert result.status is Status.FAIL
    assert result.score == starter_result.score


# -- 13. the tool itself -------------------------------------------------------------------------


def _owned_by(client: DockerClient, pid: int) -> list[Container]:
    owner = f"{socket.gethostname()}:{pid}"
    return client.containers.list(all=True, filters={"label": f"{LABEL}.owner={owner}"})


def test_a_killed_check_leaves_a_container_the_next_check_removes(
    docker_client: DockerClient,
    runner_image: str,
    stage_case: Callable[[str], Path],
    http_handler: Exercise,
) -> None:
    check = [sys.executable, "-m", "sandbox", "check"]
    proc = subprocess.Popen(
        [*check, str(stage_case("loop-at-import")), "--exercise", "http-handler"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # mid-run: its container is running the grader
            if any(c.status == "running" for c in _owned_by(docker_client, proc.pid)):
                break
            assert proc.poll() is None, "the check ended before its container ran"
            time.sleep(0.05)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    left = _owned_by(docker_client, proc.pid)
    assert len(left) == 1, "the killed check's container should still be there"
    assert left[0].status == "running"
    orphan = left[0]

    # The next check reaps it (and grades its own submission normally).
    again = subprocess.run(
        [*check, str(http_handler.starter), "--exercise", "http-handler", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 1, again.stderr
    assert Result.from_json(again.stdout).status is Status.FAIL
    assert not _owned_by(docker_client, proc.pid), f"{orphan.name} was not reaped"


def test_reap_orphans_removes_a_container_whose_owner_is_gone(
    docker_client: DockerClient, runner_image: str
) -> None:
    """The same, in-process: a running job container labelled with a dead owner pid."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    owner = f"{socket.gethostname()}:{dead.pid}"
    docker_client.containers.run(
        runner_image,
        ["sleep", "60"],
        detach=True,
        labels={LABEL: "job", f"{LABEL}.owner": owner},
        network_mode="none",
    )
    assert len(_owned_by(docker_client, dead.pid)) == 1
    assert reap_orphans(docker_client) >= 1
    assert not _owned_by(docker_client, dead.pid)


def test_reap_orphans_leaves_another_machines_jobs_alone(
    docker_client: DockerClient, runner_image: str
) -> None:
    """On an engine shared by several machines, a pid means nothing for another host's job."""
    foreign = docker_client.containers.run(
        runner_image,
        ["sleep", "60"],
        detach=True,
        labels={LABEL: "job", f"{LABEL}.owner": "some-other-host:1"},
        network_mode="none",
    )
    try:
        reap_orphans(docker_client)
        foreign.reload()
        assert foreign.status == "running"
    finally:
        foreign.remove(force=True)


# -- optional: gVisor ----------------------------------------------------------------------------


def _need_gvisor(client: DockerClient) -> None:
    if "runsc" not in client.info().get("Runtimes", {}):
        pytest.skip(
            "gVisor is not registered with Docker (no 'runsc' in `docker info` Runtimes); "
            "`make gvisor` installs it and reloads dockerd"
        )


def test_a_solution_passes_under_gvisor(
    docker_client: DockerClient,
    runner_image: str,
    http_handler: Exercise,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _need_gvisor(docker_client)
    used: list[str] = []
    remove = docker_module._remove

    def noting_remove(container: Container) -> None:
        used.append(container.attrs.get("HostConfig", {}).get("Runtime", ""))
        remove(container)

    monkeypatch.setattr(docker_module, "_remove", noting_remove)
    runner = DockerRunner(docker_client, runner_image, isolation="gvisor")
    result = runner.run(Job(http_handler, http_handler.solution, "solution"))
    assert result.status is Status.PASS, result.message
    assert result.runner == "docker:gvisor"
    assert used == ["runsc"]


# What must hold under gVisor too. Measured with Debian's runsc 0.0~20221219: the others differ
# there (see the README's "Security model"): /proc/self/status lacks CapAmb/NoNewPrivs/Seccomp,
# unshare(CLONE_NEWNS) succeeds inside the sandbox's own kernel, connect() says EHOSTUNREACH,
# and /proc/1/environ of the grader is readable by the app.
GVISOR_MUST_HOLD = (
    "test_app_runs_as_an_unprivileged_user",
    "test_ptrace_of_the_grader_fails",
    "test_only_the_loopback_interface_exists",
    "test_name_resolution_fails",
    "test_app_environment_is_the_allow_list",
    "test_job_files_are_out_of_reach",
    "test_no_process_of_the_grader_can_be_killed",
    "test_the_grader_survived_the_kill_attempt",
    "test_nothing_is_left_by_an_earlier_job",
)


def test_the_probe_under_gvisor(
    docker_client: DockerClient,
    runner_image: str,
    stage_case: Callable[[str], Path],
    probe_exercise: Callable[[str], Exercise],
) -> None:
    _need_gvisor(docker_client)
    runner = DockerRunner(docker_client, runner_image, isolation="gvisor")
    hidden = runner.run(Job(probe_exercise("probe-hidden"), stage_case("probe"), "probe"))
    assert hidden.status is Status.PASS, hidden.message
    probe = runner.run(Job(probe_exercise("probe"), stage_case("probe"), "probe"))
    assert probe.complete, probe.message
    by_name = {t.name: t for t in probe.tests}
    for name in GVISOR_MUST_HOLD:
        assert by_name[name].status is TestStatus.PASSED, (name, by_name[name].message)
