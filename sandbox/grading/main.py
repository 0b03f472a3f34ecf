"""Run a grader for one job: pytest over the grader folder with the plugin, config pinned."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from sandbox.results import Result, Status

PYTEST_INI = Path(__file__).resolve().parent / "pytest.ini"


def main(argv: list[str]) -> int:
    """Grade the job described by argv[0]; always leave a result document when possible."""
    job_file = Path(argv[0] if argv else "/job/job.json")
    job = json.loads(job_file.read_text(encoding="utf-8"))
    grader = Path(job["grader"])
    if job.get("learner_uid") is not None:
        _make_private(os.environ.get("HOME"), os.environ.get("TMPDIR"))
    args = [
        "-p",
        "sandbox.grading.plugin",
        "--job",
        str(job_file),
        "-c",
        str(PYTEST_INI),
        "--rootdir",
        str(grader),
        "-q",
        "--no-header",
        "-p",
        "no:cacheprovider",
        "--tb=short",
        str(grader),
    ]
    code = pytest.main(args)
    result_file = Path(job["result_file"])
    if not result_file.exists():
        # pytest stopped before the plugin could write anything: say so in the contract's shape.
        result_file.write_text(
            Result(
                exercise=job.get("exercise", ""),
                status=Status.ERROR,
                score=0,
                max_score=0,
                message=f"The grader could not run (pytest exit code {int(code)}).",
                infrastructure=True,
            ).to_json(),
            encoding="utf-8",
        )
    sys.stdout.flush()
    return 0


def _make_private(*folders: str | None) -> None:
    """Close the grader's own HOME/TMPDIR to the learner before any learner code runs.

    A tmpfs mount's `mode=0700` does not hold when the image already has that folder (the
    runner image's WORKDIR /run/grader, 0755): runc gives the mount the folder's mode.
    """
    for folder in folders:
        if not folder:
            continue
        try:
            info = os.stat(folder)
            if info.st_uid == os.getuid() and info.st_mode & 0o077:
                os.chmod(folder, 0o700)
        except OSError:
            pass
