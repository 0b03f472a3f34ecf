"""Host memory the container's limit does not count: netlink queues, TCP and UDP buffers.

With runc on cgroup v1 the kernel charges socket buffers to no memory cgroup, so `docker stats`
shows megabytes while the host loses gigabytes. These tests measure the HOST while a hostile app
fills such buffers, and bound the growth by the job's own memory limit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.exercises import Exercise
from sandbox.results import Result, Status

pytestmark = [pytest.mark.docker, pytest.mark.adversarial]

Grade = Callable[..., Result]


def _host_kernel_memory() -> dict[str, int]:
    """Unreclaimable slab, TCP and UDP buffer memory of the whole host, in bytes."""
    meminfo = dict(
        (line.split(":")[0], int(line.split()[1]) * 1024)
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("SUnreclaim:")
    )
    pages = {"TCP:": 0, "UDP:": 0}
    for line in Path("/proc/net/sockstat").read_text().splitlines():
        fields = line.split()
        if fields and fields[0] in pages:
            pages[fields[0]] = int(fields[fields.index("mem") + 1])
    return {"slab": meminfo["SUnreclaim"], "tcp": pages["TCP:"] * 4096, "udp": pages["UDP:"] * 4096}


def _grade_watching_the_host(grade: Grade, case: str) -> tuple[Result, dict[str, int]]:
    """Grade `case` while sampling the host; the peak growth of each counter over the run."""
    before = _host_kernel_memory()
    peak = dict.fromkeys(before, 0)
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            now = _host_kernel_memory()
            for key in peak:
                peak[key] = max(peak[key], now[key] - before[key])
            time.sleep(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        result = grade(case)
    finally:
        stop.set()
        watcher.join(5)
    return result, peak


@pytest.mark.parametrize(
    ("case", "refused"),
    [
        ("netlink-queues", "kernel-memory netlink: EPERM after 0 sockets"),
        ("udp-queues", "kernel-memory udp: EPERM after 0 sockets"),
        ("tcp-buffers", "4 MB buffers refused: EPERM"),
    ],
)
def test_socket_buffers_cannot_take_host_memory_past_the_limit(
    grade: Grade, http_handler: Exercise, starter_result: Result, case: str, refused: str
) -> None:
    result, growth = _grade_watching_the_host(grade, case)
    told = next((t.output for t in result.tests if "kernel-memory" in t.output), "")
    line = next((x for x in told.splitlines() if x.startswith("kernel-memory")), told[-300:])
    print(
        f"{case}: host slab +{growth['slab'] / 2**20:.0f} MB, "
        f"TCP +{growth['tcp'] / 2**20:.0f} MB, UDP +{growth['udp'] / 2**20:.0f} MB; "
        f"the app said: {line}"
    )

    # The attack ran and the job was graded as the starter it wraps: nothing else was lost.
    assert result.status is starter_result.status is Status.FAIL, result.message
    assert result.score == starter_result.score
    assert refused in told, told[-500:]
    limit = http_handler.limits.memory_mb * 2**20
    assert growth["slab"] < limit, f"host slab grew by {growth['slab'] / 2**20:.0f} MB"
    assert growth["tcp"] < limit, f"host TCP memory grew by {growth['tcp'] / 2**20:.0f} MB"
    assert growth["udp"] < limit, f"host UDP memory grew by {growth['udp'] / 2**20:.0f} MB"


def test_tcp_buffers_across_processes_are_bounded_per_container(
    grade: Grade, http_handler: Exercise
) -> None:
    """The sum over processes: only a per-container TCP limit (memory.kmem.tcp on cgroup v1,
    set by the runner before the job arrives) bounds pids x nofile x buffers."""
    result, growth = _grade_watching_the_host(grade, "tcp-buffers-forked")
    told = next((t.output for t in result.tests if "kernel-memory" in t.output), "")
    print(
        f"tcp-buffers-forked: host TCP +{growth['tcp'] / 2**20:.0f} MB; the app said: {told[-300:]}"
    )
    assert "processes started" in told, told[-500:]
    limit = http_handler.limits.memory_mb * 2**20
    if Path("/sys/fs/cgroup/memory").is_dir():  # cgroup v1: the runner set the container's cap
        assert f"tcp limit {limit // 2}" in told, told[-500:]
    assert growth["tcp"] < limit, f"host TCP memory grew by {growth['tcp'] / 2**20:.0f} MB"
