"""How much does `sandbox check` cost over a bare `docker run` of the same grader, and over the host?

Prints, side by side from one run, the wall time of:
  1. `sandbox check SOLUTION --exercise SLUG --json` (the whole CLI: Docker SDK, image check,
     container create/copy/start/wait/read-back/remove);
  2. a bare `docker run --rm` of the runner image over the same job, bind-mounted (what someone
     would type by hand, with the same limits);
  3. the same grader run with pytest on the host (no container at all).
Usage: python bench/check_overhead.py [SLUG] [--reps N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from _common import bare_job_dir, docker_run_flags, timed

from sandbox import exercises, images
from sandbox.docker_client import connect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slug", nargs="?", default="http-handler")
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    ex = exercises.load(args.slug)
    image = images.ensure_runner(connect(), print)
    with tempfile.TemporaryDirectory() as tmp:
        job = bare_job_dir(ex, ex.solution, Path(tmp) / "job")
        runs = {
            "sandbox check": [
                sys.executable,
                "-m",
                "sandbox",
                "check",
                str(ex.solution),
                "--exercise",
                ex.slug,
                "--json",
            ],
            "bare docker run": ["docker", "run", *docker_run_flags(ex), "-v", f"{job}:/job", image],
            "host pytest": [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "sandbox.grading.plugin",
                "-p",
                "no:cacheprovider",
                str(ex.grader_dir),
                "--submission",
                str(ex.solution),
                "--exercise-dir",
                str(ex.root),
            ],
        }
        for cmd in runs.values():  # warm caches once
            timed(cmd)
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(args.reps):  # interleaved, so drift hits every variant alike
            for name, cmd in runs.items():
                times[name].append(timed(cmd))
    med = {name: statistics.median(ts) for name, ts in times.items()}
    print(f"exercise {ex.slug}, {args.reps} interleaved runs each, image {image}")
    print(
        f"{'variant':<18}{'median s':>10}{'min s':>9}{'max s':>9}{'vs bare docker':>16}{'vs host':>9}"
    )
    for name, ts in times.items():
        print(
            f"{name:<18}{med[name]:>10.3f}{min(ts):>9.3f}{max(ts):>9.3f}"
            f"{med[name] / med['bare docker run']:>15.2f}x{med[name] / med['host pytest']:>8.2f}x"
        )
    print(
        f"target: sandbox check within 1.3x of bare docker run -> "
        f"{'met' if med['sandbox check'] <= 1.3 * med['bare docker run'] else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
