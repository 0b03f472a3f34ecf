"""Discovery: which entries of a SUBMISSIONS folder there are, and whose each one is.

An entry is a folder, a `.zip`, or a tar (`.tar.gz`, `.tgz`, `.tar`); its name, less the suffix,
is the student id. Entries that cannot be staged are still listed, with the reason.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, replace
from pathlib import Path

from sandbox.errors import UsageError


@dataclass(frozen=True)
class Entry:
    """One entry of the SUBMISSIONS folder; `problem` is set when discovery already rejects it."""

    student: str
    path: Path
    kind: str  # "folder" | "zip" | "tar" | "unknown"
    problem: str = ""


STUDENT_ID = re.compile(r"[A-Za-z0-9_@+-][A-Za-z0-9._@+-]{0,99}")


KINDS = ("folder", "zip", "tar")  # what intake can stage
_ARCHIVE_SUFFIXES = ((".tar.gz", "tar"), (".tgz", "tar"), (".tar", "tar"), (".zip", "zip"))


def discover(submissions: Path) -> list[Entry]:
    """Every entry of a SUBMISSIONS folder, sorted by student id; dotfiles are ignored.

    Entries that cannot be staged (unknown kind, bad name, a second entry for the same student)
    are still returned, with `problem` set, so the batch can report them as rejected.
    """
    submissions = Path(submissions)
    try:
        names = os.listdir(submissions)
    except FileNotFoundError:
        raise UsageError(
            f"the submissions folder {submissions} does not exist; pass the folder "
            "that holds one folder or archive per student"
        ) from None
    except NotADirectoryError:
        raise UsageError(
            f"{submissions} is not a folder; pass the folder that holds one folder "
            "or archive per student"
        ) from None
    except OSError as exc:
        raise UsageError(
            f"the submissions folder {submissions} cannot be read "
            f"({exc.strerror}); check its permissions"
        ) from None

    found = [
        _classify(submissions / name)
        for name in names
        if not name.startswith(".") and name != "__MACOSX"
    ]
    # Within one student id, an entry we can stage comes first: it is the one that gets graded.
    found.sort(key=lambda e: (e.student.casefold(), e.kind == "unknown", e.path.name))
    first: dict[str, Entry] = {}
    entries = []
    for entry in found:
        other = first.setdefault(entry.student.casefold(), entry)
        if other is not entry:
            entry = replace(
                entry,
                problem=(
                    f"duplicate student id {entry.student!r}: {other.path.name} already uses it; "
                    "keep one folder or archive per student"
                ),
            )
        entries.append(entry)
    return entries


def _classify(path: Path) -> Entry:
    name = path.name
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        return Entry(name, path, "unknown", f"{name} cannot be read ({exc.strerror})")
    if stat.S_ISDIR(mode):
        return Entry(name, path, "folder", naming_problem(name, name, "folder"))
    student, kind = Path(name).stem or name, "unknown"
    for suffix, archive_kind in _ARCHIVE_SUFFIXES:
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            student, kind = name[: -len(suffix)], archive_kind
            break
    if stat.S_ISLNK(mode):
        return Entry(
            student,
            path,
            "unknown",
            f"{name} is a symlink; put the real folder or archive in the submissions folder",
        )
    if not stat.S_ISREG(mode):
        kind = "unknown"
    return Entry(student, path, kind, naming_problem(student, name, kind))


def naming_problem(student: str, name: str, kind: str) -> str:
    if kind not in KINDS:
        return (
            f"{name} is not a folder, .zip or .tar.gz; resubmit the project folder as a "
            ".zip or .tar.gz"
        )
    if not STUDENT_ID.fullmatch(student):
        return (
            f"{name!r} does not make a valid student id (1-100 letters, digits and . _ @ + -,"
            " not starting with '.'); rename the entry"
        )
    return ""
