"""Do the services cost anything to an exercise that does not use them?

Compares the runner image built before the services (no redis-server, PostgreSQL, libfaketime,
service clients) with the current one: their sizes, and the wall time of a bare `docker run` of
the same http-handler job (grader, plugin and app, with the runner's limits) on each, interleaved.
Then `sandbox check` of the same solution on the current tree, as the learner runs it.

The "before" side: --before-tree DIR, a checkout before the services (`git archive main | tar
-x -C DIR`): its runner image is built if missing and its `sandbox check` is timed too. Or
--before TAG (an image only), or else the newest runner image without /opt/sandbox-services.
Usage: python bench/services_overhead.py [SLUG] [--reps N] [--before TAG | --before-tree DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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


def _runner_of(tree: Path) -> str:
    """The runner image of another checkout (built there if missing), by its own code."""
    code = "from sandbox import images; from sandbox.docker_client import connect; "
    code += "print(images.ensure_runner(connect(), lambda _: None))"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(tree)},
        cwd=tree,
    )
    if proc.returncode != 0:
        sys.exit(f"could not build the runner image of {tree}:\n{proc.stderr[-2000:]}")
    return proc.stdout.strip().splitlines()[-1]


def _as_before(job: Path, target: Path) -> Path:
    """The same job for the image before the services: its JobSpec had no services fields."""
    shutil.copytree(job, target)
    spec = json.loads((target / "job.json").read_text())
    spec.pop("services", None)
    spec["limits"].pop("services_tmpfs_mb", None)
    (target / "job.json").write_text(json.dumps(spec))
    return target


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
    parser.add_argument("--before-tree", type=Path, help="a checkout from before the services")
    args = parser.parse_args()
    ex = exercises.load(args.slug)
    after = images.ensure_runner(connect(), print)
    tree = args.before_tree.resolve() if args.before_tree else None
    before = _runner_of(tree) if tree else args.before or _before_image(after)
    with tempfile.TemporaryDirectory() as tmp:
        job = bare_job_dir(ex, ex.solution, Path(tmp) / "job")
        old_job = _as_before(job, Path(tmp) / "job-before")
        flags = docker_run_flags(ex)
        runs = {
            "docker run, before": ["docker", "run", *flags, "-v", f"{old_job}:/job", before],
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
        if tree:
            check = runs["sandbox check, after"]
            runs["sandbox check, before"] = ["env", f"PYTHONPATH={tree}", *check]
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
        base = "sandbox check, before" if name.startswith("sandbox check") and tree else None
        ratio = med[name] / med[base or "docker run, before"]
        print(f"{name:<24}{med[name]:>10.3f}{min(ts):>9.3f}{max(ts):>9.3f}{ratio:>10.2f}x")
    slower = med["docker run, after"] / med["docker run, before"]
    print(
        f"target: the image with services runs {ex.slug} no slower (within 5%) -> "
        f"{'met' if slower <= 1.05 else 'NOT met'} ({slower:.2f}x)"
    )


if __name__ == "__main__":
    main()
