"""How long from a save to its result in `sandbox watch`, against host pytest of the same grader?

Prints, side by side from one run, the wall time of:
  1. save-to-result in watch mode: a file is written in a workspace; the real Watcher notices it
     (inotify, after its settle delay), the folder goes through intake and is graded in the
     container the session prepared while the learner "edited" (1.5 s before the save);
  2. the same check with no prepared container (what a cold re-check costs);
  3. host pytest of the same grader over the same files (no container at all).
Target: (1) at most 1.15x (3).
Usage: python bench/watch_loop.py [SLUG] [--reps N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import timed

from sandbox import exercises, images
from sandbox.cli.learner import grade_folder
from sandbox.docker_client import connect
from sandbox.runners.docker import DockerRunner
from sandbox.watching.changes import Watcher


def save_to_result(runner: DockerRunner, ex: exercises.Exercise, folder: Path, warm: bool) -> float:
    done = threading.Event()
    box: dict[str, float] = {}
    prepared = runner.prepare(ex) if warm else None
    time.sleep(1.5)  # the learner is editing; the prepared container gets ready meanwhile

    def on_change(paths: list[str]) -> None:
        if not paths or done.is_set():
            return
        result = grade_folder(runner, ex, folder, prepared)
        assert result.score == result.max_score, result.message
        box["end"] = time.perf_counter()
        done.set()

    watcher = Watcher(folder, on_change)
    watcher.start()
    time.sleep(0.3)
    app = folder / "app.py"
    start = time.perf_counter()
    app.write_text(app.read_text() + "\n# saved\n")
    if not done.wait(60):
        sys.exit("the save was never graded")
    watcher.stop()
    return box["end"] - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slug", nargs="?", default="http-handler")
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    ex = exercises.load(args.slug)
    client = connect()
    image = images.ensure_runner(client, print)
    runner = DockerRunner(client, image)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "ws"
        shutil.copytree(ex.solution, folder)
        host = [
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
            str(folder),
            "--exercise-dir",
            str(ex.root),
        ]
        timed(host)  # warm caches once
        save_to_result(runner, ex, folder, warm=True)
        times: dict[str, list[float]] = {
            "watch, prepared": [],
            "watch, cold": [],
            "host pytest": [],
        }
        for _ in range(args.reps):  # interleaved, so drift hits every variant alike
            times["watch, prepared"].append(save_to_result(runner, ex, folder, warm=True))
            times["watch, cold"].append(save_to_result(runner, ex, folder, warm=False))
            times["host pytest"].append(timed(host))
    runner.close()
    med = {name: statistics.median(ts) for name, ts in times.items()}
    print(f"exercise {ex.slug}, {args.reps} interleaved runs each, image {image}")
    print(f"{'variant':<18}{'median s':>10}{'min s':>9}{'max s':>9}{'vs host':>9}")
    for name, ts in times.items():
        print(
            f"{name:<18}{med[name]:>10.3f}{min(ts):>9.3f}{max(ts):>9.3f}"
            f"{med[name] / med['host pytest']:>8.2f}x"
        )
    ratio = med["watch, prepared"] / med["host pytest"]
    print(
        f"target: save-to-result within 1.15x of host pytest -> {'met' if ratio <= 1.15 else 'NOT met'} ({ratio:.2f}x)"
    )


if __name__ == "__main__":
    main()
