"""Throughput of `sandbox grade` at -j 1 and -j cores, against a plain shell loop of `docker run`.

Builds a class of N submissions (reference solutions and starters of one exercise, alternating),
then times, in one run:
  1. `sandbox grade SLUG CLASS -o OUT -j 1 --regrade`;
  2. `sandbox grade SLUG CLASS -o OUT --regrade` (the default concurrency);
  3. `sandbox grade SLUG CLASS -o OUT -j CORES+1 --regrade`;
  4. `for d in jobs/*; do docker run --rm <same limits> -v $d:/job IMAGE; done` — what staff would
     otherwise write (jobs laid out beforehand, not timed).
Usage: python bench/grade_throughput.py [SLUG] [-n 40]
"""

from __future__ import annotations

import argparse
import csv
import os
import shlex
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

from _common import bare_job_dir, docker_run_flags, timed

from sandbox import exercises, images
from sandbox.docker_client import connect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slug", nargs="?", default="http-handler")
    parser.add_argument("-n", type=int, default=40)
    args = parser.parse_args()
    ex = exercises.load(args.slug)
    image = images.ensure_runner(connect(), print)
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        subs, jobs = tmp / "class", tmp / "jobs"
        for i in range(args.n):
            src = ex.solution if i % 2 == 0 else ex.starter
            shutil.copytree(
                src, subs / f"student{i:03d}", ignore=shutil.ignore_patterns("__pycache__")
            )
            bare_job_dir(ex, src, jobs / f"student{i:03d}")
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
        loop = (
            f"for d in {shlex.quote(str(jobs))}/*; do docker run {shlex.join(docker_run_flags(ex))} "
            f'-v "$d":/job {image} >/dev/null || exit 1; done'
        )
        figures = {
            "sandbox grade -j 1": timed([*grade, "-j", "1"]),
            "sandbox grade (default -j)": timed(grade),
            f"sandbox grade -j {cores + 1}": timed([*grade, "-j", str(cores + 1)]),
            "shell loop of docker run": timed(["bash", "-c", loop]),
        }
        with (tmp / "out" / "gradebook.csv").open() as book:
            statuses = Counter(row["status"] for row in csv.DictReader(book))
    base = figures["shell loop of docker run"]
    print(f"{args.n} submissions of {ex.slug} on {cores} cores, image {image}")
    print(f"{'variant':<28}{'wall s':>9}{'subs/min':>10}{'vs shell loop':>15}")
    for name, seconds in figures.items():
        print(f"{name:<28}{seconds:>9.1f}{60 * args.n / seconds:>10.1f}{base / seconds:>14.2f}x")
    print(
        f"statuses of the last grade: {dict(statuses)} "
        f"(false timeouts: {statuses.get('timeout', 0)})"
    )
    ratio = base / figures["sandbox grade (default -j)"]
    verdict = "met" if ratio >= 1.6 else "NOT met"
    print(f"target: the default at least 1.6x the shell loop's throughput -> {verdict}")


if __name__ == "__main__":
    main()
