"""Intake: each entry of a SUBMISSIONS folder (or a folder given to `sandbox check`) becomes a
staged, checked copy in a fresh folder. Everything a submission brings is hostile.

    discovery.py   which entries there are, and whose (student ids)
    roster.py      who should have submitted (CSV)
    rules.py       pass one: every member checked before anything is written -> a plan
    writer.py      pass two: the plan written by our code, modes fixed, bytes counted
    folders.py     a folder as the source
    archives.py    a zip or a tar as the source, read as capped streams

Any problem is a `SubmissionRejected` whose message says what is wrong and what to do; a rejected
submission leaves nothing behind.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from sandbox.errors import SubmissionRejected
from sandbox.submissions.archives import stage_tar, stage_zip
from sandbox.submissions.discovery import Entry, discover, naming_problem
from sandbox.submissions.folders import stage_folder
from sandbox.submissions.roster import read_roster
from sandbox.submissions.rules import IntakeLimits


def stage(entry: Entry, staging_root: Path, limits: IntakeLimits | None = None) -> Path:
    """Stage `entry` into a new folder under `staging_root`; return that folder.

    Raises SubmissionRejected with a short reason; a rejected entry leaves nothing behind.
    """
    problem = entry.problem or naming_problem(entry.student, entry.path.name, entry.kind)
    if problem:
        raise SubmissionRejected(problem)
    staging_root = Path(staging_root)
    staging_root.mkdir(parents=True, exist_ok=True)
    dest = Path(tempfile.mkdtemp(prefix=f"{entry.student}-", dir=staging_root))
    try:
        _STAGERS[entry.kind](Path(entry.path), dest, limits or IntakeLimits())
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return dest


def stage_folder_copy(folder: Path, staging_root: Path, limits: IntakeLimits | None = None) -> Path:
    """Stage any folder (a learner's workspace, a reference solution) through the same checks as
    a class's submissions, whatever its name; return the staged copy."""
    dest = Path(tempfile.mkdtemp(prefix="check-", dir=staging_root))
    try:
        stage_folder(Path(folder), dest, limits or IntakeLimits())
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return dest


_STAGERS: dict[str, Callable[[Path, Path, IntakeLimits], None]] = {
    "folder": stage_folder,
    "zip": stage_zip,
    "tar": stage_tar,
}


__all__ = ["Entry", "IntakeLimits", "discover", "read_roster", "stage", "stage_folder_copy"]
