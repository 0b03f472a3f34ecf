"""Do the services cost anything to an exercise that does not use them?

Compares the runner image built before the services (no redis-server, PostgreSQL, libfaketime,
service clients) with the current one: their sizes, and the wall time of a bare `docker run` of
the same http-handler job (grader, plugin and app, with the runner's limits) on each, interleaved.
Then `sandbox check` of the same solution on the current tree, as the learner runs it.

The "before" image: --before TAG, or else the newest backend-sandbox-runner image that has no
/opt/sandbox-services (build one from a checkout before the services with `sandbox images build`).
Usage: python bench/services_overhead.py [SLUG] [--reps N] [--before TAG]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import bare_job_dir, docker_run_flags, timed

from sandbox import exercises, images
from sandbox.docker_client import connect


def _has_services(tag: str) -> bool:
    probe = [
        "docker",
        "run",
        "--rm",
        "--network",
        "none",
        tag,
        "test",
        "-d",
        "/opt/sandbox-services",
    ]
    return subprocess.run(probe, capture_output=True).returncode == 0


def _before_image(current: str) -> str:
    client = connect()
    candidates = sorted(
        (img for img in client.images.list(name=images.RUNNER_REPO) if img.tags),
        key=lambda img: str(img.attrs.get("Created", "")),
        reverse=True,
    )
    for img in candidates:
        tag = img.tags[0]
        if tag != current and not _has_services(tag):
            return tag
    sys.exit(
        "no runner image without services found: build one from a checkout before them "
        "(`sandbox images build`), or pass --before TAG"
    )


def _size_mb(tag: str) -> float:
    out = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Size}}", tag],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(out.strip()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slug", nargs="?", default="http-handler")
    parser.add_argument("--reps", type=int, default=9)
    parser.add_argument("--before", help="runner image tag built before the services")
    args = parser.parse_args()
    ex = exercises.load(args.slug)
    after = images.ensure_runner(connect(), print)
    before = args.before or _before_image(after)
    with tempfile.TemporaryDirectory() as tmp:
        job = bare_job_dir(ex, ex.solution, Path(tmp) / "job")
        flags = docker_run_flags(ex)
        runs = {
            "docker run, before": ["docker", "run", *flags, "-v", f"{job}:/job", before],
            "docker run, after": ["docker", "run", *flags, "-v", f"{job}:/job", after],
            "sandbox check, after": [
                sys.executable,
                "-m",
                "sandbox",
                "check",
                str(ex.solution),
                "--exercise",
                ex.slug,
                "--json",
            ],
        }
        for cmd in runs.values():  # warm caches once
            timed(cmd)
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(args.reps):  # interleaved, so drift hits every variant alike
            for name, cmd in runs.items():
                times[name].append(timed(cmd))
    med = {name: statistics.median(ts) for name, ts in times.items()}
    print(f"exercise {ex.slug}, {args.reps} interleaved runs each")
    print(f"image before: {before}  {_size_mb(before):7.1f} MB")
    print(f"image after:  {after}  {_size_mb(after):7.1f} MB")
    print(f"{'variant':<24}{'median s':>10}{'min s':>9}{'max s':>9}{'vs before':>11}")
    for name, ts in times.items():
        ratio = med[name] / med["docker run, before"]
        print(f"{name:<24}{med[name]:>10.3f}{min(ts):>9.3f}{max(ts):>9.3f}{ratio:>10.2f}x")
    slower = med["docker run, after"] / med["docker run, before"]
    print(
        f"target: the image with services runs {ex.slug} no slower (within 5%) -> "
        f"{'met' if slower <= 1.05 else 'NOT met'} ({slower:.2f}x)"
    )


if __name__ == "__main__":
    main()
