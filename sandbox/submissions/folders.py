"""Staging a folder: walked without following a link, each file re-checked as it is opened."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sandbox.errors import SubmissionRejected
from sandbox.submissions.rules import Inspector, IntakeLimits, mode_problem, show
from sandbox.submissions.writer import Writer


def stage_folder(source: Path, dest: Path, limits: IntakeLimits) -> None:
    try:
        if not stat.S_ISDIR(os.lstat(source).st_mode):
            raise SubmissionRejected(f"{source.name} is not a folder; resubmit it as one")
    except OSError as exc:
        raise SubmissionRejected(f"{source.name} cannot be read ({exc.strerror})") from None
    inspector = Inspector(limits, archive_bytes=None)
    found: list[tuple[Path, tuple[int, int]]] = []  # path and (device, inode) seen in pass one
    stack = [source]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                children = sorted(listing, key=lambda child: child.name)
            for child in children:
                info = child.stat(follow_symlinks=False)
                rel = Path(child.path).relative_to(source).as_posix()
                is_dir = stat.S_ISDIR(info.st_mode)
                found.append((Path(child.path), (info.st_dev, info.st_ino)))
                if (
                    inspector.add(
                        rel, is_dir, info.st_size, len(found) - 1, mode_problem(info.st_mode)
                    )
                    and is_dir
                ):
                    stack.append(Path(child.path))
        except OSError as exc:
            raise SubmissionRejected(
                f"{folder.relative_to(source).as_posix() or '.'} in "
                f"{source.name} cannot be read ({exc.strerror})"
            ) from None
    writer = Writer(dest, limits, archive_bytes=None)
    for member in inspector.plan():
        if member.is_dir:
            writer.mkdir(member.parts)
            continue
        path, identity = found[member.index]
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            raise SubmissionRejected(
                f"{show(member.name)} cannot be read ({exc.strerror}); "
                "it must be a regular file, not a symlink"
            ) from None
        with os.fdopen(fd, "rb") as file:
            info = os.fstat(fd)
            if (info.st_dev, info.st_ino) != identity or not stat.S_ISREG(info.st_mode):
                raise SubmissionRejected(
                    f"{show(member.name)} changed while it was being "
                    "copied; stage the submission again"
                )
            writer.copy(member, file)
