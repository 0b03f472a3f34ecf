"""Shared by the benchmarks: a job folder a bare `docker run` can mount, and its flags."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sandbox.exercises import Exercise
from sandbox.runners import Job
from sandbox.runners.jobfiles import job_document, submission_files


def bare_job_dir(ex: Exercise, submission: Path, target: Path) -> Path:
    """/job as the runner lays it out, as a host folder for `docker run -v DIR:/job`."""
    (target / "out").mkdir(parents=True)
    for rel, path in submission_files(submission):
        (target / "submission" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / "submission" / rel)
    shutil.copytree(ex.grader_dir, target / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    doc = job_document(
        Job(ex, submission),
        submission="/job/submission",
        grader="/job/grader",
        workdir="/work/app",
        result_file="/job/out/result.json",
        learner_uid=10001,
    )
    (target / "job.json").write_text(json.dumps(doc))
    return target


def docker_run_flags(ex: Exercise) -> list[str]:
    """The same limits the runner sets, as `docker run` flags."""
    lim = ex.limits
    return [
        "--rm",
        "--network",
        "none",
        f"--memory={lim.memory_mb}m",
        f"--memory-swap={lim.memory_mb}m",
        f"--cpus={lim.cpus}",
        f"--pids-limit={lim.pids}",
        "--read-only",
        "--tmpfs",
        "/tmp:size=16m,mode=1777",
        "--tmpfs",
        f"/work:size={lim.tmpfs_mb}m,uid=10001,gid=10001,mode=0755",
        "--tmpfs",
        "/run/grader:size=8m,mode=0700",
        "--cap-drop",
        "ALL",
        "--cap-add",
        "SETUID",
        "--cap-add",
        "SETGID",
        "--cap-add",
        "KILL",
        "--security-opt",
        "no-new-privileges",
    ]
