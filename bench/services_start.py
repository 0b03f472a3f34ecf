"""How long do the real services take to start inside a grading container?

Runs the runner image N times with the hardening of an exercise declaring redis and postgres
(runners/docker.py), and inside each container starts the services as the plugin would
(sandbox/grading/services/), timing: redis-server until PING answers; PostgreSQL's copy of the
prepared cluster to its tmpfs, then until the grader's superuser connection works and the app's
password is set. Also: one statement count, end to end.
Usage: python bench/services_start.py [--reps N]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import subprocess
import sys

from _common import docker_run_flags

from sandbox import exercises, images
from sandbox.docker_client import connect
from sandbox.jobspec import ServicesEntry

PROBE = """
import json, time
from pathlib import Path
from sandbox.grading.services import Services, ServicesSpec
t0 = time.monotonic()
s = Services(ServicesSpec(services=("redis", "postgres"), run_dir=Path("/tmp"), isolated=True))
s.start()
total = time.monotonic() - t0
def cgroup(name):
    for path in (f"/sys/fs/cgroup/memory/{name}", f"/sys/fs/cgroup/pids/{name}"):
        try:
            return int(open(path).read().split()[0])
        except (OSError, ValueError):
            continue
    return -1
memory_mb = cgroup("memory.usage_in_bytes") / 1e6
pids = cgroup("pids.current")
with s.postgres.count_statements() as counted:
    import psycopg
    with psycopg.connect(s.postgres.url) as conn:
        conn.execute("SELECT 1").fetchone()
print(json.dumps({"redis": s.redis.start_s, "postgres": s.postgres.start_s,
                  "postgres_copy": s.postgres.copy_s, "both": total, "counted": counted.total,
                  "memory_mb": memory_mb, "pids": pids}))
s.stop()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    image = images.ensure_runner(connect(), print)
    base = exercises.load("http-handler")
    ex = dataclasses.replace(
        base,
        services=ServicesEntry(("redis", "postgres")),
        limits=dataclasses.replace(base.limits, memory_mb=384),
    )
    cmd = ["docker", "run", *docker_run_flags(ex), "-e", "HOME=/run/grader", image]
    cmd += [
        "/opt/venv/bin/python",
        "-I",
        "-B",
        "-c",
        "import sys; sys.path.insert(0, '/opt/sandbox');" + PROBE,
    ]
    runs = []
    for _ in range(args.reps + 1):  # the first warms the page cache
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"the probe failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    runs = runs[1:]
    print(f"{args.reps} containers, image {image}")
    print(f"{'step':<34}{'median s':>10}{'min s':>9}{'max s':>9}")
    for key, label in (
        ("redis", "redis-server, until PING"),
        ("postgres_copy", "postgres: copy the cluster"),
        ("postgres", "postgres: copy + start + password"),
        ("both", "both, as the plugin starts them"),
    ):
        values = [r[key] for r in runs]
        print(
            f"{label:<34}{statistics.median(values):>10.3f}{min(values):>9.3f}{max(values):>9.3f}"
        )
    print(f"statements counted for one SELECT 1 by the app's role: {runs[-1]['counted']}")
    memory = statistics.median(r["memory_mb"] for r in runs)
    pids = max(r["pids"] for r in runs)
    print(f"container with both started (no app yet): {memory:.0f} MB charged, {pids} pids at most")


if __name__ == "__main__":
    main()
