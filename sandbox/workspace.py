"""A learner's workspaces and progress.

A workspace is a copy of an exercise's starter that remembers its exercise (`.sandbox.json`) and
the hints shown. Progress is kept per exercise id (so a renamed slug keeps its history) in the
user's data folder, and only a learner's own workspaces count: grading some other folder
against an exercise (`check DIR --exercise SLUG`, `verify`) is never recorded.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sandbox.atomic import write_atomic
from sandbox.errors import UsageError
from sandbox.exercises import Exercise
from sandbox.results import Result, Status

MARKER = ".sandbox.json"
BACKUPS = ".sandbox-backups"
PROGRESS_VERSION = 2


@dataclass
class Workspace:
    path: Path
    exercise: str  # the slug
    hints_shown: int = 0
    id: str = ""  # the exercise's stable id ("" in workspaces made before ids existed)

    def save(self) -> None:
        doc: dict[str, object] = {
            "exercise": self.exercise,
            "id": self.id or self.exercise,
            "hints_shown": self.hints_shown,
        }
        write_atomic(self.path / MARKER, json.dumps(doc, indent=2))


def home() -> Path:
    """Where `sandbox start` puts workspaces when given no folder: $SANDBOX_WORKSPACES, else
    ~/backend-sandbox (one folder per exercise, side by side)."""
    env = os.environ.get("SANDBOX_WORKSPACES")
    return Path(env) if env else Path.home() / "backend-sandbox"


def start(exercise: Exercise, target: Path) -> Workspace:
    """Copy the starter and README into `target` (which must be new or empty)."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(
            f"{target} is not empty; choose a new folder: `sandbox start {exercise.slug} DIR`"
        )
    _copy_starter(exercise, target)
    ws = Workspace(target, exercise.slug, id=exercise.id)
    ws.save()
    return ws


def _copy_starter(exercise: Exercise, target: Path) -> None:
    shutil.copytree(
        exercise.starter, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copyfile(exercise.readme, target / "README.md")


def find(path: Path) -> Workspace | None:
    """The workspace at `path` or any parent of it, if there is one."""
    for folder in [path.resolve(), *path.resolve().parents]:
        marker = folder / MARKER
        if marker.is_file() and not marker.is_symlink():
            try:
                data = json.loads(marker.read_text(encoding="utf-8"))
                return Workspace(
                    folder,
                    str(data["exercise"]),
                    int(data.get("hints_shown", 0)),
                    str(data.get("id", "")),
                )
            except (ValueError, KeyError, TypeError):
                raise UsageError(
                    f"{marker} is damaged; delete it and pass --exercise SLUG"
                ) from None
    return None


def next_hint(ws: Workspace, exercise: Exercise) -> tuple[int, str] | None:
    """Reveal one more hint (1-based number and text), or None when all were shown."""
    if ws.hints_shown >= len(exercise.hints):
        return None
    ws.hints_shown += 1
    ws.save()
    return ws.hints_shown, exercise.hints[ws.hints_shown - 1]


def reset(ws: Workspace, exercise: Exercise) -> Path:
    """Put the starter back; the learner's files are first copied to a backup folder (returned)
    beside the workspace. The marker (and the hints shown) stay."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    backup = ws.path.parent / BACKUPS / f"{ws.path.name}-{stamp}"
    backup.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ws.path, backup, symlinks=True)
    for child in ws.path.iterdir():
        if child.name == MARKER:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    _copy_starter(exercise, ws.path)
    return backup


@dataclass
class Progress:
    """Per exercise id: done, best score, last attempt, workspace; kept across restarts."""

    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    @staticmethod
    def location() -> Path:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(base) / "backend-sandbox" / "progress.json"

    @classmethod
    def load(cls) -> Progress:
        try:
            data = json.loads(cls.location().read_text(encoding="utf-8"))
            raw = data.get("exercises", {})
            return cls(entries={k: v for k, v in raw.items() if isinstance(v, dict)})
        except (OSError, ValueError, AttributeError):
            return cls()

    def entry(self, exercise: Exercise) -> dict[str, Any] | None:
        return self.entries.get(exercise.id) or self.entries.get(exercise.slug)

    def done(self, exercise: Exercise) -> bool:
        entry = self.entry(exercise)
        return bool(entry and entry.get("done"))

    def state(self, exercise: Exercise) -> str:
        """'done', 'started' or 'new'."""
        entry = self.entry(exercise)
        if entry is None:
            return "new"
        return "done" if entry.get("done") else "started"

    def record(self, exercise: Exercise, result: Result, ws: Workspace) -> None:
        """One graded attempt in the learner's own workspace `ws`."""
        entry = self._entry_for(exercise)
        entry["attempts"] = int(entry.get("attempts", 0)) + 1
        entry["max_score"] = result.max_score
        entry["last_status"] = str(result.status)
        entry["last_score"] = result.score
        entry["last_attempt"] = datetime.now(UTC).isoformat(timespec="seconds")
        entry["best_score"] = max(float(entry.get("best_score", 0.0)), result.score)
        passed = result.status is Status.PASS and result.score >= result.max_score
        entry["done"] = bool(entry.get("done")) or passed
        entry["workspace"] = str(ws.path.resolve())
        self.save()

    def started(self, exercise: Exercise, ws: Workspace) -> None:
        entry = self._entry_for(exercise)
        entry["workspace"] = str(ws.path.resolve())
        self.save()

    def saw_solution(self, exercise: Exercise, forced: bool) -> None:
        entry = self._entry_for(exercise)
        entry["solution_seen"] = True
        entry["solution_forced"] = bool(entry.get("solution_forced")) or forced
        self.save()

    def workspace_of(self, exercise: Exercise) -> Path | None:
        entry = self.entry(exercise)
        path = Path(entry["workspace"]) if entry and entry.get("workspace") else None
        return path if path is not None and (path / MARKER).is_file() else None

    def _entry_for(self, exercise: Exercise) -> dict[str, Any]:
        if exercise.id not in self.entries and exercise.slug in self.entries:
            self.entries[exercise.id] = self.entries.pop(exercise.slug)  # before ids: keyed by slug
        entry = self.entries.setdefault(exercise.id, {"best_score": 0.0, "attempts": 0})
        entry["slug"] = exercise.slug
        return entry

    def save(self) -> None:
        doc = {"version": PROGRESS_VERSION, "exercises": self.entries}
        write_atomic(self.location(), json.dumps(doc, indent=2))


def next_exercise(path: list[Exercise], after: Exercise | None = None) -> Exercise | None:
    """The first exercise of `path` (in learning-path order) not done yet, after `after`."""
    progress = Progress.load()
    start = path.index(after) + 1 if after is not None and after in path else 0
    for exercise in path[start:] + path[:start]:
        if not progress.done(exercise):
            return exercise
    return None


def own_workspace(folder: Path, exercise: Exercise) -> Workspace | None:
    """The learner's workspace of `exercise` that `folder` is (or is in), else None."""
    ws = find(folder)
    if ws is None or (ws.exercise != exercise.slug and ws.id != exercise.id):
        return None
    return ws


__all__ = [
    "MARKER",
    "Progress",
    "Workspace",
    "find",
    "home",
    "next_exercise",
    "next_hint",
    "own_workspace",
    "reset",
    "start",
]
