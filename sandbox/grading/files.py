"""Reading what the learner's app left behind, as hostile input: no symlinks, size caps."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path


class UnsafeFile(AssertionError):
    """A file the grader was asked to read is a symlink, not a regular file, or too large."""


def _open_regular(path: Path, limit: int) -> int:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise UnsafeFile(
            f"{path.name} could not be opened safely ({exc.strerror}); "
            "it must be a regular file, not a symlink"
        ) from exc
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise UnsafeFile(f"{path.name} is not a regular file")
    if info.st_size > limit:
        os.close(fd)
        raise UnsafeFile(f"{path.name} is {info.st_size} bytes; the grader reads at most {limit}")
    return fd


def read_text_capped(path: Path, limit: int = 1_000_000) -> str:
    """Read a text file the app wrote, refusing symlinks and anything larger than `limit`."""
    fd = _open_regular(Path(path), limit)
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise UnsafeFile(f"{Path(path).name} grew past {limit} bytes while being read")
    return data.decode("utf-8", errors="replace")


def open_sqlite_readonly(path: Path) -> sqlite3.Connection:
    """Open a SQLite database the app left, read-only, refusing symlinks."""
    path = Path(path)
    fd = _open_regular(path, limit=1 << 34)
    os.close(fd)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    conn.row_factory = sqlite3.Row
    return conn
