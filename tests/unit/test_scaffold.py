"""`sandbox new`: a scaffold wired into the path that passes the lint once its TODOs are filled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sandbox import cli, exercises
from sandbox.errors import UsageError
from sandbox.lint import lint_all
from sandbox.scaffold import TODO, new_exercise

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A course with the real learning path and no exercises yet."""
    (tmp_path / "exercises").mkdir()
    (tmp_path / "graders").mkdir()
    text = (REPO / "exercises" / "path.toml").read_text(encoding="utf-8")
    text = re.sub(r"^exercises = \[.*?\]", "exercises = []", text, flags=re.M | re.S)
    (tmp_path / "exercises" / "path.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("SANDBOX_HOME", str(tmp_path))
    return tmp_path


def _fill(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file() and path.suffix in {".toml", ".md", ".py"}:
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace(f"{TODO}: ", "").replace(TODO, "done"), encoding="utf-8")


def test_new_scaffolds_an_exercise_that_lints_clean_once_filled(course: Path) -> None:
    assert cli.main(["new", "rest-crud", "--track", "http"]) == 0
    ex = exercises.load("rest-crud")
    assert ex.track == "http" and ex.id == "rest-crud" and ex.points == 6
    assert exercises.load_path().track_of("rest-crud") is not None
    learning = exercises.load_path()
    before = [str(p) for p in lint_all(exercises.load_all(), learning)]
    assert any(TODO in p for p in before), before

    _fill(course)
    after = lint_all(exercises.load_all(), exercises.load_path())
    assert after == [], [str(p) for p in after]


def test_new_appends_to_a_track_that_already_has_exercises(course: Path) -> None:
    new_exercise(course, "first", "databases")
    new_exercise(course, "second", "databases")
    [track] = [t for t in exercises.load_path().tracks if t.id == "databases"]
    assert track.exercises == ("first", "second")


def test_new_refuses_to_overwrite_or_guess(course: Path) -> None:
    new_exercise(course, "once", "http")
    with pytest.raises(UsageError, match="already exists"):
        new_exercise(course, "once", "http")
    with pytest.raises(UsageError, match="unknown track 'nope'; the learning path has: http"):
        new_exercise(course, "other", "nope")
    with pytest.raises(UsageError, match="not a valid slug"):
        new_exercise(course, "Bad Slug", "http")


def test_new_keeps_a_multi_line_track_list_intact(course: Path) -> None:
    path = course / "exercises" / "path.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("exercises = []", 'exercises = [\n    "alpha",\n    "beta",\n]', 1),
        encoding="utf-8",
    )
    new_exercise(course, "gamma", "http")
    [http] = [t for t in exercises.load_path(course).tracks if t.id == "http"]
    assert http.exercises == ("alpha", "beta", "gamma")
