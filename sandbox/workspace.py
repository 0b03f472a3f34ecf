"""A learner's workspace: a copy of an exercise's starter that remembers its exercise and hints."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.atomic import write_atomic
from sandbox.errors import UsageError
from sandbox.exercises import Exercise
from sandbox.results import Result

MARKER = ".sandbox.json"


@dataclass
class Workspace:
    path: Path
    exercise: str
    hints_shown: int = 0

    def save(self) -> None:
        write_atomic(
            self.path / MARKER,
            json.dumps({"exercise": self.exercise, "hints_shown": self.hints_shown}, indent=2),
        )


def start(exercise: Exercise, target: Path) -> Workspace:
    """Copy the starter and README into `target` (which must be new or empty)."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(
            f"{target} is not empty; choose a new folder: `sandbox start {exercise.slug} DIR`"
        )
    shutil.copytree(
        exercise.starter, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copyfile(exercise.readme, target / "README.md")
    ws = Workspace(target, exercise.slug)
    ws.save()
    return ws


def find(path: Path) -> Workspace | None:
    """The workspace at `path` or any parent of it, if there is one."""
    for folder in [path, *path.resolve().parents]:
        marker = folder / MARKER
        if marker.is_file() and not marker.is_symlink():
            try:
                data = json.loads(marker.read_text(encoding="utf-8"))
                return Workspace(folder, str(data["exercise"]), int(data.get("hints_shown", 0)))
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


@dataclass
class Progress:
    """Best result per exercise, kept in the user's data folder across workspaces."""

    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    @staticmethod
    def location() -> Path:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        return Path(base) / "backend-sandbox" / "progress.json"

    @classmethod
    def load(cls) -> Progress:
        try:
            data = json.loads(cls.location().read_text(encoding="utf-8"))
            return cls(
                entries={k: v for k, v in data.get("exercises", {}).items() if isinstance(v, dict)}
            )
        except (OSError, ValueError, AttributeError):
            return cls()

    def record(self, result: Result) -> None:
        entry = self.entries.setdefault(result.exercise, {"best_score": 0.0, "attempts": 0})
        entry["attempts"] = int(entry.get("attempts", 0)) + 1
        entry["max_score"] = result.max_score
        entry["last_status"] = str(result.status)
        entry["best_score"] = max(float(entry.get("best_score", 0.0)), result.score)
        path = self.location()
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps({"exercises": self.entries}, indent=2))


__all__ = ["MARKER", "Progress", "Workspace", "find", "next_hint", "start"]
