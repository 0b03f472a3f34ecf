"""Pass one of intake: what a submission may bring, checked before anything is written.

Every member's name, type and declared size is checked (no traversal, no links or devices, no
case-insensitive duplicates, count/size/depth/ratio limits); the result is the plan of what to
write, unwrapped when a single top folder holds everything.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass, replace
from typing import Protocol

from sandbox.errors import SubmissionRejected
from sandbox.runners.jobfiles import MAX_SUBMISSION_BYTES, MAX_SUBMISSION_FILES, SKIP_DIRS


@dataclass(frozen=True)
class IntakeLimits:
    """What one submission may bring; `max_files` counts every entry (files and folders)."""

    max_files: int = MAX_SUBMISSION_FILES
    max_total_bytes: int = MAX_SUBMISSION_BYTES  # after decompression
    max_file_bytes: int = 10 * 1024 * 1024
    max_ratio: float = 100.0  # unpacked / archive size, per archive ("bomb")
    max_depth: int = 20
    max_archive_bytes: int = 50 * 1024 * 1024  # the archive file itself
    ratio_floor_bytes: int = 1024 * 1024  # the ratio rule applies once this much is unpacked


JUNK_DIRS = SKIP_DIRS | {"__MACOSX"}  # skipped silently, like the packer does later


_DRIVE = re.compile(r"[A-Za-z]:")


_MAX_NAME_BYTES = 1024


_MAX_PART_BYTES = 255


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


@dataclass(frozen=True)
class Member:
    name: str  # as the submission spells it, for messages
    parts: tuple[str, ...]  # where it lands, relative to the staged root
    is_dir: bool
    index: int  # position in the source's own listing


class Inspector:
    """Pass one: every member checked, before anything is written; the result is the plan."""

    def __init__(self, limits: IntakeLimits, archive_bytes: int | None) -> None:
        self.limits = limits
        self.archive_bytes = archive_bytes
        self.count = 0
        self.declared = 0
        self.members: list[Member] = []
        self._seen: dict[str, tuple[str, bool]] = {}  # casefolded path -> (spelling, is folder)

    def add(self, name: str, is_dir: bool, size: int, index: int, problem: str = "") -> bool:
        """Check one member; False when it is skipped (cache and macOS files, the root itself)."""
        self.count += 1
        if self.count > self.limits.max_files:
            raise too_many(self.limits)
        parts = safe_parts(name)
        if not parts and is_dir:
            return False  # "./", the archive's own root
        if not parts:
            raise SubmissionRejected(
                f"unsafe path {show(name)}: a file with an empty name; "
                "re-create the archive from inside your project folder"
            )
        if _is_junk(parts, is_dir):
            return False
        if problem:
            raise SubmissionRejected(f"{show(name)} {problem}")
        if len(parts) > self.limits.max_depth:
            raise SubmissionRejected(
                f"{show(name)} is nested too deep (more than {self.limits.max_depth} folders); "
                "flatten the project and resubmit"
            )
        self._claim(parts, is_dir)
        if not is_dir:
            self.declared += size
            check_sizes(self.limits, self.archive_bytes, name, size, self.declared)
        self.members.append(Member(name, parts, is_dir, index))
        return True

    def _claim(self, parts: tuple[str, ...], is_dir: bool) -> None:
        """Reject two members landing on one path, even when only their letter case differs."""
        for depth in range(1, len(parts) + 1):
            path = "/".join(parts[:depth])
            as_dir = is_dir or depth < len(parts)
            previous = self._seen.get(path.casefold())
            if previous is None:
                self._seen[path.casefold()] = (path, as_dir)
            elif previous != (path, True) or not as_dir:  # the same folder again is fine
                what = (
                    f"{show(path)} twice"
                    if previous[0] == path
                    else f"both {show(previous[0])} and {show(path)}, which differ only in "
                    "letter case and clash on Windows and macOS"
                )
                raise SubmissionRejected(
                    f"duplicate path: the submission holds {what}; keep one and resubmit"
                )

    def plan(self) -> list[Member]:
        """The checked members, unwrapped from a single top folder; rejects an empty submission."""
        if not any(not m.is_dir for m in self.members):
            raise SubmissionRejected(
                "the submission is empty: it holds no files (only folders "
                "or cache files); submit your project's source files"
            )
        return _unwrap(self.members)


def _unwrap(members: list[Member]) -> list[Member]:
    """Strip one folder that wraps everything (`alice/app.py`), unless it is a Python package."""
    tops = {m.parts[0] for m in members}
    if len(tops) != 1:
        return members
    top = tops.pop()
    if any(m.parts == (top,) and not m.is_dir for m in members):
        return members  # a single file at the root
    if any(m.parts == (top, "__init__.py") for m in members):
        return members  # `app/__init__.py`: the package is the app, keep it whole
    return [replace(m, parts=m.parts[1:]) for m in members if len(m.parts) > 1]


def safe_parts(name: str) -> tuple[str, ...]:
    """The path components of a member name, or a rejection when the name is unsafe."""
    why = ""
    if not name:
        why = "an empty name"
    elif "\x00" in name:
        why = "a NUL byte in the name"
    elif any(ord(c) < 32 or ord(c) == 127 for c in name):
        why = "a control character in the name"
    elif "\\" in name:
        why = "a backslash (Windows separator) in the name"
    elif name.startswith("/"):
        why = "an absolute path"
    elif _DRIVE.match(name):
        why = "a drive letter"
    if not why:
        try:
            encoded = name.encode("utf-8")
        except UnicodeEncodeError:
            encoded, why = b"", "a name that is not valid UTF-8"
        parts = tuple(p for p in name.split("/") if p not in ("", "."))
        if ".." in parts:
            why = "a '..' component that climbs out of the submission"
        elif len(encoded) > _MAX_NAME_BYTES or any(
            len(p.encode("utf-8", "surrogateescape")) > _MAX_PART_BYTES for p in parts
        ):
            why = "a name that is too long"
        if not why:
            return parts
    raise SubmissionRejected(
        f"unsafe path {show(name)}: {why}; re-create the archive from "
        "inside your project folder with your system's zip tool"
    )


def _is_junk(parts: tuple[str, ...], is_dir: bool) -> bool:
    folders = parts if is_dir else parts[:-1]
    if any(p in JUNK_DIRS for p in folders):
        return True
    return not is_dir and (parts[-1] == ".DS_Store" or parts[-1].startswith("._"))


def check_sizes(
    limits: IntakeLimits, archive_bytes: int | None, name: str, file_bytes: int, total: int
) -> None:
    """The size rules, applied to declared sizes first and then to the bytes actually read."""
    if (
        archive_bytes is not None
        and total > limits.ratio_floor_bytes
        and total > limits.max_ratio * archive_bytes
    ):
        raise SubmissionRejected(
            f"looks like a decompression bomb: the archive ({mb(archive_bytes)}) unpacks to more "
            f"than {limits.max_ratio:g} times its size; submit only your project's source files"
        )
    if file_bytes > limits.max_file_bytes:
        raise SubmissionRejected(
            f"{show(name)} is too big: more than {mb(limits.max_file_bytes)} for one file; "
            "leave out data files and build output"
        )
    if total > limits.max_total_bytes:
        raise too_big(limits)


def too_big(limits: IntakeLimits) -> SubmissionRejected:
    return SubmissionRejected(
        f"too big: the submission unpacks to more than {mb(limits.max_total_bytes)}; "
        "leave out data files, virtualenvs and build output"
    )


def too_many(limits: IntakeLimits) -> SubmissionRejected:
    return SubmissionRejected(
        f"too many files: more than {limits.max_files} files and folders; leave out "
        "virtualenvs, node_modules, data and build output, then resubmit"
    )


ONLY_FILES = "submissions may hold only regular files and folders"


LINK = f"is a symlink; {ONLY_FILES}: replace the link with a copy of what it points to"


DEVICE = f"is a device file; {ONLY_FILES}"


FIFO = f"is a FIFO (named pipe); {ONLY_FILES}"


SPECIAL = f"is not a regular file or folder; {ONLY_FILES}"


_MODE_PROBLEMS = {
    0: "",
    stat.S_IFREG: "",
    stat.S_IFDIR: "",
    stat.S_IFLNK: LINK,
    stat.S_IFCHR: DEVICE,
    stat.S_IFBLK: DEVICE,
    stat.S_IFIFO: FIFO,
}


def mode_problem(mode: int) -> str:
    """What is wrong with a file of this st_mode (0, as zips from Windows have, is a file)."""
    return _MODE_PROBLEMS.get(stat.S_IFMT(mode), SPECIAL)


def show(name: str) -> str:
    return repr(name if len(name) <= 80 else name[:77] + "...")


def mb(size: float) -> str:
    if size < 2**20:
        return f"{size / 1024:.0f} KB" if size >= 1024 else f"{size:.0f} bytes"
    mb = size / 2**20
    return f"{mb:.0f} MB" if mb >= 10 or mb == int(mb) else f"{mb:.1f} MB"
