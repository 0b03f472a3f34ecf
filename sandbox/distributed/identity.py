"""What a worker and the coordinator must agree on before a result is worth anything.

Both are digests of files, computed the same way on each machine without Docker: the exercise
(its folder and its grader, golden examples aside) and the runner image's recipe (everything the
image is built from). A worker whose digests differ refuses the job instead of grading it against
another version.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from sandbox import images
from sandbox.exercises import Exercise

SKIPPED = {"__pycache__", "examples", ".pytest_cache"}


def _tree(h: hashlib._Hash, root: Path, label: str) -> None:
    h.update(f"tree {label}\0".encode())
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED)
        base = Path(folder)
        for name in sorted(files):
            path = base / name
            if path.is_symlink() or not path.is_file() or name.endswith(".pyc"):
                continue
            data = path.read_bytes()
            h.update(f"{path.relative_to(root).as_posix()}\0{len(data)}\0".encode())
            h.update(data)


def exercise_digest(exercise: Exercise) -> str:
    """The exercise as graded: exercise.toml, README, starter, solution and the grader's files."""
    h = hashlib.sha256()
    h.update(f"exercise {exercise.slug}\0".encode())
    _tree(h, exercise.root, "exercise")
    _tree(h, exercise.grader_dir, "grader")
    return h.hexdigest()[:16]


def image_digest() -> str:
    """The runner image's recipe (bootstrap script and runner inputs), not a machine's image id:
    two machines that build from the same files grade the same way."""
    return images.recipe_digest()
