"""The file watcher: saves are noticed by inotify, or by polling where events do not arrive."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from sandbox.watching import changes
from sandbox.watching.changes import Watcher, changed_paths, snapshot


def _watch(root: Path, **kw: object) -> tuple[Watcher, list[list[str]], threading.Event]:
    seen: list[list[str]] = []
    got = threading.Event()

    def on_change(paths: list[str]) -> None:
        if paths:
            seen.append(paths)
            got.set()

    watcher = Watcher(root, on_change, **kw)  # type: ignore[arg-type]
    watcher.start()
    return watcher, seen, got


def test_snapshot_ignores_caches_and_the_marker(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "app.pyc").write_text("x")
    (tmp_path / ".sandbox.json").write_text("{}")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("y")
    assert sorted(snapshot(tmp_path)) == ["app.py", "pkg/m.py"]
    before = snapshot(tmp_path)
    (tmp_path / "pkg" / "m.py").write_text("longer")
    assert changed_paths(before, snapshot(tmp_path)) == ["pkg/m.py"]


@pytest.mark.parametrize("force_polling", [False, True])
def test_a_save_is_noticed_once_settled(tmp_path: Path, force_polling: bool) -> None:
    (tmp_path / "app.py").write_text("a = 1\n")
    watcher, seen, got = _watch(tmp_path, force_polling=force_polling)
    try:
        assert watcher.mode == ("polling" if force_polling else "inotify")
        time.sleep(0.3)
        for n in range(3):  # an editor's burst of writes is one change
            (tmp_path / "app.py").write_text(f"a = {n + 2}\n")
        assert got.wait(5), "the save was never noticed"
        time.sleep(0.5)
        assert seen == [["app.py"]]
    finally:
        watcher.stop()


def test_missed_events_switch_to_polling_and_say_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the kernel sends no event (a mounted folder), the slow scan notices the save."""
    monkeypatch.setattr(changes, "CHECK_S", 0.3)
    (tmp_path / "app.py").write_text("a = 1\n")
    watcher, _, got = _watch(tmp_path)
    try:
        assert watcher._inotify is not None
        monkeypatch.setattr(watcher._inotify, "read", lambda timeout: time.sleep(timeout) or [])
        time.sleep(0.5)  # the watcher's first snapshot is taken, its next read is the silent one
        (tmp_path / "app.py").write_text("a = 2\n")
        assert got.wait(5)
        assert watcher.mode == "polling" and "did not arrive" in watcher.why_polling
        got.clear()
        (tmp_path / "app.py").write_text("a = 333\n")
        assert got.wait(5), "polling goes on noticing saves"
    finally:
        watcher.stop()
