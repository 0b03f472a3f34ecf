"""Distributed grading on this machine: one worker, two workers, and local `sandbox grade`.

Starts a redis-server on a free port and `sandbox worker` processes, builds a class of N
submissions (solutions and starters of one exercise, alternating), then times:
  1. local `sandbox grade -j 2`;
  2. `--broker` with one worker of concurrency 2 (the same total concurrency: target <= 1.10x);
  3. `--broker` with one worker of concurrency 1, then with two of concurrency 1 (target >= 1.8x).
Usage: python bench/broker_throughput.py [SLUG] [-n 30]   (needs redis-server on PATH)
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import timed

from sandbox import exercises, images
from sandbox.docker_client import connect


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _worker(url: str, name: str, concurrency: int, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "worker",
            "--broker",
            url,
            "-c",
            str(concurrency),
            "--name",
            name,
        ],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while "ready." not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"worker {name} did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.2)
    return proc


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slug", nargs="?", default="http-handler")
    parser.add_argument("-n", type=int, default=30)
    args = parser.parse_args()
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        sys.exit("needs redis-server (apt-get install redis-server)")
    ex = exercises.load(args.slug)
    images.ensure_runner(connect(), print)
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    broker = subprocess.Popen(
        [
            redis_server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            subs = tmp / "class"
            for i in range(args.n):
                src = ex.solution if i % 2 == 0 else ex.starter
                shutil.copytree(
                    src, subs / f"s{i:03d}", ignore=shutil.ignore_patterns("__pycache__")
                )
            grade = [
                sys.executable,
                "-m",
                "sandbox",
                "grade",
                ex.slug,
                str(subs),
                "-o",
                str(tmp / "out"),
                "--regrade",
                "--json",
            ]
            figures: dict[str, float] = {}
            figures["local grade -j 2"] = timed([*grade, "-j", "2"])
            workers = [_worker(url, "c2", 2, tmp / "c2.log")]
            figures["broker, 1 worker -c 2"] = timed([*grade, "--broker", url])
            _stop(workers)
            workers = [_worker(url, "one", 1, tmp / "one.log")]
            figures["broker, 1 worker -c 1"] = timed([*grade, "--broker", url])
            workers.append(_worker(url, "two", 1, tmp / "two.log"))
            figures["broker, 2 workers -c 1"] = timed([*grade, "--broker", url])
            _stop(workers)
    finally:
        broker.terminate()
        broker.wait()
    print(f"{args.n} submissions of {ex.slug} on {os.cpu_count()} cores")
    print(f"{'variant':<28}{'wall s':>9}{'subs/min':>10}")
    for name, seconds in figures.items():
        print(f"{name:<28}{seconds:>9.1f}{60 * args.n / seconds:>10.1f}")
    same = figures["broker, 1 worker -c 2"] / figures["local grade -j 2"]
    scale = figures["broker, 1 worker -c 1"] / figures["broker, 2 workers -c 1"]
    print(
        f"broker vs local at concurrency 2: {same:.2f}x the time (target <= 1.10x: "
        f"{'met' if same <= 1.10 else 'NOT met'})"
    )
    print(
        f"two workers vs one (-c 1 each): {scale:.2f}x the throughput (target >= 1.8x: "
        f"{'met' if scale >= 1.8 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
