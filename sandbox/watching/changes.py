"""Noticing that the learner saved: inotify where the kernel sends events, polling where not.

File events do not arrive on every filesystem (WSL2's /mnt drives, network and FUSE mounts,
some Docker bind mounts), so the watcher always runs a slow poll beside inotify: when the poll
sees a change no event announced, it says so and switches to polling for good. Which one is in
use is always shown (`mode`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path

IGNORED_DIRS = {
    "__pycache__",
    ".git",
    ".venv",
    "venv",
    "node_modules",
    ".pytest_cache",
    ".mypy_cache",
}
IGNORED_SUFFIXES = (".pyc", ".swp", ".swx", ".tmp", "~")
POLL_S = 0.5  # polling mode: how often the tree is scanned
CHECK_S = 2.0  # inotify mode: how often a slow scan checks that events really arrive
MAX_FILES = 5000  # a workspace is small; past this, scanning stops growing

_IN_MODIFY, _IN_CLOSE_WRITE, _IN_MOVED_FROM, _IN_MOVED_TO = 0x2, 0x8, 0x40, 0x80
_IN_CREATE, _IN_DELETE, _IN_DELETE_SELF, _IN_ISDIR = 0x100, 0x200, 0x400, 0x40000000
_MASK = _IN_MODIFY | _IN_CLOSE_WRITE | _IN_MOVED_FROM | _IN_MOVED_TO | _IN_CREATE | _IN_DELETE
_EVENT = struct.Struct("iIII")

Snapshot = dict[str, tuple[int, int]]


IGNORED_FILES = {".sandbox.json"}  # the workspace's own marker: hints shown, not the learner's code


def _ignored(name: str) -> bool:
    return (
        name in IGNORED_DIRS
        or name in IGNORED_FILES
        or name.endswith(IGNORED_SUFFIXES)
        or name.startswith((".#", ".sandbox.json."))  # editors' locks, the marker's temp file
    )


def snapshot(root: Path) -> Snapshot:
    """(mtime_ns, size) of every file the learner may edit, by relative path; no links followed."""
    seen: Snapshot = {}
    stack = [root]
    while stack and len(seen) < MAX_FILES:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if _ignored(entry.name):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    info = entry.stat(follow_symlinks=False)
                    seen[os.path.relpath(entry.path, root)] = (info.st_mtime_ns, info.st_size)
            except OSError:
                continue
    return seen


def changed_paths(before: Snapshot, after: Snapshot) -> list[str]:
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


class _Inotify:
    """The few inotify calls we need, through libc (no dependency)."""

    def __init__(self) -> None:
        name = ctypes.util.find_library("c")
        self.libc = ctypes.CDLL(name, use_errno=True)
        self.fd = self.libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        self.dirs: dict[int, Path] = {}

    def watch_tree(self, root: Path) -> None:
        stack = [root]
        while stack and len(self.dirs) < 1000:
            folder = stack.pop()
            wd = self.libc.inotify_add_watch(self.fd, str(folder).encode(), _MASK | _IN_DELETE_SELF)
            if wd >= 0:
                self.dirs[wd] = folder
            try:
                stack += [
                    Path(e.path)
                    for e in os.scandir(folder)
                    if e.is_dir(follow_symlinks=False) and not _ignored(e.name)
                ]
            except OSError:
                continue

    def read(self, timeout: float) -> list[str]:
        """Names that changed (folders newly made are watched too), waiting up to `timeout`."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return []
        try:
            data = os.read(self.fd, 64 * 1024)
        except BlockingIOError:
            return []
        names, offset = [], 0
        while offset + _EVENT.size <= len(data):
            wd, mask, _cookie, length = _EVENT.unpack_from(data, offset)
            raw = data[offset + _EVENT.size : offset + _EVENT.size + length].rstrip(b"\0")
            offset += _EVENT.size + length
            name = raw.decode("utf-8", errors="replace")
            if not name or _ignored(name):
                continue
            folder = self.dirs.get(wd)
            if folder is not None and mask & _IN_ISDIR and mask & (_IN_CREATE | _IN_MOVED_TO):
                self.watch_tree(folder / name)
            names.append(name)
        return names

    def close(self) -> None:
        os.close(self.fd)


class Watcher:
    """Calls `on_change(paths)` (relative paths) from its own thread after each save, once the
    burst of events an editor makes has settled (`settle_s`); `on_first(...)` at once, so the
    screen can say a check is coming within milliseconds of the save. `on_change([])` follows an
    `on_first` whose events changed no file after all (a file touched and restored)."""

    def __init__(
        self,
        root: Path,
        on_change: Callable[[list[str]], None],
        on_first: Callable[[], None] = lambda: None,
        *,
        settle_s: float = 0.12,
        force_polling: bool = False,
    ) -> None:
        self.root = root
        self.on_change, self.on_first = on_change, on_first
        self.settle_s = settle_s
        self._stop = threading.Event()
        self._inotify: _Inotify | None = None
        self.mode = "polling"
        self.why_polling = "asked for" if force_polling else ""
        if not force_polling:
            try:
                self._inotify = _Inotify()
                self._inotify.watch_tree(root)
                self.mode = "inotify"
            except (OSError, AttributeError) as exc:  # not Linux, or out of watches
                self.why_polling = f"no file events here ({exc})"
        self._thread = threading.Thread(target=self._run, name="watch-files", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        if self._inotify is not None:
            self._inotify.close()
            self._inotify = None

    def _run(self) -> None:
        known = snapshot(self.root)
        last_scan = time.monotonic()
        while not self._stop.is_set():
            if self._inotify is not None and self.mode == "inotify":
                names = self._inotify.read(timeout=0.2)
                if names:
                    self.on_first()
                    self._settle_events()
                    now = snapshot(self.root)
                    paths = changed_paths(known, now)
                    known, last_scan = now, time.monotonic()
                    self.on_change(paths)  # [] when nothing really changed: the screen settles
                    continue
                if time.monotonic() - last_scan < CHECK_S:
                    continue
                now = snapshot(self.root)
                last_scan = time.monotonic()
                missed = changed_paths(known, now)
                known = now
                if missed:  # the file changed and no event said so: events do not arrive here
                    self.mode = "polling"
                    self.why_polling = "file events did not arrive for a save (a mounted folder?)"
                    self.on_change(missed)
            else:
                self._stop.wait(POLL_S)
                now = snapshot(self.root)
                paths = changed_paths(known, now)
                if paths:
                    self.on_first()
                    self._stop.wait(self.settle_s)
                    now = snapshot(self.root)
                    paths = changed_paths(known, now) or paths
                    self.on_change(paths)
                known = now

    def _settle_events(self) -> None:
        """Swallow the rest of the burst: wait until `settle_s` passes with no new event."""
        assert self._inotify is not None
        while not self._stop.is_set() and self._inotify.read(timeout=self.settle_s):
            pass
