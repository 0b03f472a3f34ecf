"""Hostile submissions against the limits: time, memory, processes, output, disk.

Each runs in a real container with the project's default settings (a few time limits are
shortened with dataclasses.replace to keep the suite fast) and must end in the status and the
message the learner is promised — never a hang, never a traceback, never harm outside.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from docker import DockerClient
from docker.models.containers import Container

from sandbox.docker_client import LABEL
from sandbox.exercises import Exercise
from sandbox.grading.learner_app import OUTPUT_KEEP
from sandbox.results import OUTPUT_CAP, Result, Status, TestStatus
from sandbox.runners import Job
from sandbox.runners import docker as docker_runner_module
from sandbox.runners.docker import OWNER, RESULT_CAP, START_SLACK_S, DockerRunner

pytestmark = [pytest.mark.docker, pytest.mark.adversarial]

Grade = Callable[..., Result]


def _not_passed(result: Result) -> list[str]:
    return [t.name for t in result.tests if t.status is not TestStatus.PASSED]


# -- 1. time -------------------------------------------------------------------------------------


def test_a_loop_at_import_is_a_timeout_once_startup_gives_up(grade: Grade) -> None:
    result = grade("loop-at-import", startup_timeout_s=3)
    assert result.status is Status.TIMEOUT, result.message
    assert result.message.startswith("Your app did not start, so no test ran")
    assert "did not start listening within 3 s" in result.message
    assert "loops or blocks at import" in result.message
    assert result.score == 0 and not result.infrastructure
    assert all(t.status is TestStatus.NOT_RUN for t in result.tests)
    assert result.duration_s < 3 + START_SLACK_S + 5


def test_a_loop_at_import_past_the_run_deadline_is_killed_on_time(grade: Grade) -> None:
    result = grade("loop-at-import", time_limit_s=4, startup_timeout_s=60)
    assert result.status is Status.TIMEOUT, result.message
    assert result.message.startswith("Grading was stopped after the 4 s time limit")
    assert result.score == 0 and not result.infrastructure
    assert result.duration_s < 4 + START_SLACK_S + 5


@pytest.mark.parametrize("case", ["loop-in-handler", "sleep-in-handler"])
def test_one_hanging_handler_costs_its_tests_not_the_run(grade: Grade, case: str) -> None:
    result = grade(case, request_timeout_s=2, test_timeout_s=4)
    assert result.status is Status.FAIL, result.message
    assert result.complete
    failed = _not_passed(result)
    assert failed and len(failed) < len(result.tests) // 2, failed
    assert result.message.startswith(f"{len(failed)} of {len(result.tests)} tests did not pass.")
    assert "GET /items/1 got no answer within 2 s" in result.message
    for test in result.tests:
        if test.status is not TestStatus.PASSED:
            assert test.status is TestStatus.FAILED
            assert (
                "got no answer within 2 s" in test.message
                or "took longer than its 4 s limit" in test.message
            ), (test.name, test.message)
    assert result.score == sum(t.max_score for t in result.tests if t.status is TestStatus.PASSED)


# -- 2. memory -----------------------------------------------------------------------------------


def test_a_huge_allocation_in_a_handler_is_oom(grade: Grade) -> None:
    result = grade("memory-in-handler")
    assert result.status is Status.OOM, result.message
    assert result.message == (
        "Your app ran out of memory (the limit is 256 MB) and was killed. Look for data "
        "built up without bound, or a huge allocation."
    )
    hit = [t for t in result.tests if t.status is not TestStatus.PASSED]
    assert hit and all(
        "killed by SIGKILL: it most likely ran out of memory (256 MB)" in t.message for t in hit
    ), [(t.name, t.message) for t in hit]
    assert any(t.status is TestStatus.PASSED for t in result.tests), "the app was not revived"


def test_a_huge_allocation_in_a_child_process_is_oom_not_timeout(grade: Grade) -> None:
    result = grade("memory-in-child")
    assert result.status is Status.OOM, result.message
    assert "ran out of memory (the limit is 256 MB)" in result.message
    assert result.complete


# -- 3. processes --------------------------------------------------------------------------------


def _pids_of(client: DockerClient, container: Container) -> tuple[int, int]:
    """(pids now, forks refused by the pids limit so far) from the container's cgroup."""
    for folder in (
        Path("/sys/fs/cgroup/pids/docker") / container.id,
        Path("/sys/fs/cgroup/system.slice") / f"docker-{container.id}.scope",
        Path("/sys/fs/cgroup/docker") / container.id,
    ):
        try:
            current = int((folder / "pids.current").read_text())
            events = (folder / "pids.events").read_text().split()
            return current, int(events[events.index("max") + 1])
        except (OSError, ValueError):
            continue
    stats = client.api.stats(container.id, stream=False)
    return int(stats.get("pids_stats", {}).get("current", 0)), -1


def test_a_fork_bomb_is_stopped_by_the_pids_limit(
    grade: Grade, docker_client: DockerClient, docker_runner: DockerRunner, http_handler: Exercise
) -> None:
    seen = {"pids": 0, "refused": 0}
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            for c in docker_client.containers.list(filters={"label": f"{LABEL}.owner={OWNER}"}):
                try:
                    pids, refused = _pids_of(docker_client, c)
                except Exception:  # the container may vanish between list and read
                    continue
                seen["pids"] = max(seen["pids"], pids)
                seen["refused"] = max(seen["refused"], refused)
            time.sleep(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.monotonic()
    try:
        # A start-up limit past the deadline: however starved the app's start-up is, the run's
        # deadline decides (with 10 s each, which came first depended on the machine's load).
        result = grade("fork-bomb", time_limit_s=10, startup_timeout_s=60)
    finally:
        stop.set()
        watcher.join(5)
    took = time.monotonic() - started
    print(f"fork bomb: {took:.1f} s, peak pids {seen['pids']}, forks refused {seen['refused']}")

    assert result.status is Status.TIMEOUT, result.message
    assert result.message.startswith("Grading was stopped after the 10 s time limit")
    assert not result.complete and result.score == 0
    assert took < 10 + START_SLACK_S + 10
    limit = http_handler.limits.pids
    assert 0 < seen["pids"] <= limit, seen
    assert seen["refused"] != 0, f"the pids limit never refused a fork: {seen}"

    # The host is fine: a normal check right after works and passes.
    after = docker_runner.run(Job(http_handler, http_handler.solution, "solution"))
    assert after.status is Status.PASS, after.message


# -- 4. output -----------------------------------------------------------------------------------


def _vm_rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


@pytest.fixture
def log_sizes(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Before each job container is removed: the size of its json log file and of its logs."""
    sizes: dict[str, int] = {}
    remove = docker_runner_module._remove

    def measuring_remove(container: Container) -> None:
        try:
            container.reload()
            log_path = container.attrs.get("LogPath") or ""
            sizes["log_file"] = Path(log_path).stat().st_size if log_path else -1
        except OSError:
            sizes["log_file"] = -1
        sizes["logs"] = len(container.logs(stdout=True, stderr=True))
        remove(container)

    monkeypatch.setattr(docker_runner_module, "_remove", measuring_remove)
    yield sizes


def test_an_output_flood_is_cut_and_costs_the_host_nothing(
    grade: Grade, starter_result: Result, log_sizes: dict[str, int]
) -> None:
    rss_before = _vm_rss()
    result = grade("output-flood")
    rss_growth = _vm_rss() - rss_before
    print(
        f"output flood: RSS +{rss_growth / 2**20:.1f} MB, {log_sizes}, result {len(result.to_json())} B"
    )
    print(next((t.output[-120:] for t in result.tests if "were kept]" in t.output), ""))

    assert result.status is starter_result.status is Status.FAIL, result.message
    assert result.score == starter_result.score
    note = f"only the first {OUTPUT_KEEP} were kept]"
    cut = [t for t in result.tests if note in t.output]
    assert cut, [t.output[-200:] for t in result.tests]
    assert "[… the app wrote " in cut[0].output
    assert all(len(t.output) <= OUTPUT_CAP + 200 for t in result.tests)
    assert len(result.to_json()) < RESULT_CAP
    assert rss_growth < 50 * 2**20, f"this process grew by {rss_growth / 2**20:.0f} MB"
    assert 0 <= log_sizes["log_file"] < 2 * 2**20, log_sizes
    assert log_sizes["logs"] < 2 * 2**20, log_sizes


# -- 5. disk -------------------------------------------------------------------------------------


def test_filling_every_writable_folder_fails_inside_only(
    grade: Grade, starter_result: Result
) -> None:
    where = Path("/var/lib/docker") if Path("/var/lib/docker").is_dir() else Path("/")
    used_before = shutil.disk_usage(where).used
    result = grade("disk-fill")
    used_growth = shutil.disk_usage(where).used - used_before
    print(f"disk fill: host disk use changed by {used_growth / 2**20:.1f} MB")

    assert result.status is Status.FAIL, result.message
    assert result.score == starter_result.score
    told = result.tests[0].output
    lines = dict(
        line.removeprefix("disk-fill ").split(": ", 1)
        for line in told.splitlines()
        if line.startswith("disk-fill ")
    )
    assert lines["/tmp"] == lines["/dev/shm"] == "16 MB then ENOSPC", lines
    assert lines["/work/app"].endswith("MB then ENOSPC"), lines  # 64 MB less the app's files
    for folder in ("/work/app/many", "/tmp/many", "/dev/shm/many"):
        assert lines[folder].endswith("files then ENOSPC"), lines  # the inode cap, not an OOM
    # ~96 MB and ~24k files were written in the container; the host's disk did not see them.
    assert abs(used_growth) < 32 * 2**20, f"host disk use changed by {used_growth / 2**20:.0f} MB"
