"""A whole course with a fake runner: one batch per exercise folder, then the course gradebook."""

from __future__ import annotations

import copy
import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sandbox.batch import Options
from sandbox.course import grade_course, plan_course
from sandbox.errors import UsageError
from sandbox.results import Result, Status
from sandbox.runners import Job
from sandbox.runners.fake import FakeRunner


@pytest.fixture
def course_home(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    exercise_data: dict[str, Any],
    exercise_factory: Callable[..., Path],
) -> Path:
    home = tmp_path / "home"
    for slug, points in (("alpha", 3), ("beta", 5), ("gamma", 2)):
        data = copy.deepcopy(exercise_data)
        data.update(id=slug, points=points)
        exercise_factory(home, slug, data)
        grader = home / "graders" / slug / "test_x.py"
        grader.write_text(grader.read_text().replace("points(3)", f"points({points})"))
    monkeypatch.setenv("SANDBOX_HOME", str(home))
    return home


def _respond(job: Job) -> Result:
    """Full marks for 'ana'; 1 point otherwise; our own failure for 'zed' on beta."""
    full = job.submission_id == "ana"
    points = job.exercise.points
    if job.submission_id == "zed" and job.exercise.slug == "beta":
        return Result.without_tests(
            "beta", "zed", Status.ERROR, points, "engine gone", infrastructure=True
        )
    return Result(
        exercise=job.exercise.slug,
        status=Status.PASS if full else Status.FAIL,
        score=points if full else 1,
        max_score=points,
        message="",
        tests=[],
    )


def _submit(root: Path, slug: str, students: list[str]) -> None:
    for student in students:
        folder = root / slug / student
        folder.mkdir(parents=True)
        (folder / "app.py").write_text("app = None\n")


def test_a_course_grades_each_exercise_and_writes_a_course_gradebook(
    course_home: Path, tmp_path: Path
) -> None:
    root = tmp_path / "course"
    _submit(root, "beta", ["ana", "ben", "zed"])
    _submit(root, "alpha", ["ana", "ben"])
    (root / "delta").mkdir()  # no such exercise: reported, not fatal
    (root / "notes.txt").write_text("staff notes")
    out = tmp_path / "out"
    runner = FakeRunner(_respond)

    summary = grade_course(plan_course(root), out, runner, Options(jobs=2))

    assert summary.plan.unknown == ["delta", "notes.txt"]
    assert summary.plan.missing == ["gamma"]
    assert [b.outdir.name for b in summary.classes] == ["alpha", "beta"]
    assert (out / "alpha" / "gradebook.csv").is_file() and (out / "beta" / "report.html").is_file()
    rows = list(csv.DictReader((out / "course-gradebook.csv").open()))
    assert list(rows[0]) == ["student", "alpha", "beta", "total", "max_total", "percent"]
    table = {r["student"]: (r["alpha"], r["beta"], r["total"], r["max_total"]) for r in rows}
    assert table == {
        "ana": ("3", "5", "8", "8"),
        "ben": ("1", "1", "2", "8"),
        "zed": ("", "not graded", "0", "8"),  # nothing for alpha; ours on beta: never a zero
    }
    page = (out / "course.html").read_text()
    assert 'href="alpha/report.html"' in page and "delta" in page and "gamma" in page
    assert summary.infrastructure_errors == 1


def test_a_course_run_again_grades_only_what_is_new(course_home: Path, tmp_path: Path) -> None:
    root = tmp_path / "course"
    _submit(root, "alpha", ["ana"])
    out = tmp_path / "out"
    grade_course(plan_course(root), out, FakeRunner(_respond), Options())
    _submit(root, "gamma", ["ana"])
    runner = FakeRunner(_respond)
    grade_course(plan_course(root), out, runner, Options())
    assert [(j.exercise.slug, j.submission_id) for j in runner.jobs] == [("gamma", "ana")]
    rows = list(csv.DictReader((out / "course-gradebook.csv").open()))
    assert [(r["alpha"], r["gamma"], r["total"]) for r in rows] == [("3", "2", "5")]


def test_a_course_root_without_exercise_folders_is_a_usage_error(
    course_home: Path, tmp_path: Path
) -> None:
    root = tmp_path / "course"
    (root / "homework").mkdir(parents=True)
    with pytest.raises(UsageError, match="no exercise folder under"):
        grade_course(plan_course(root), tmp_path / "out", FakeRunner(_respond), Options())
    with pytest.raises(UsageError, match="not a folder"):
        plan_course(tmp_path / "nowhere")


def test_student_ids_cannot_inject_into_the_course_page_or_csv(
    course_home: Path, tmp_path: Path
) -> None:
    root = tmp_path / "course"
    _submit(root, "alpha", ["=cmd", "x<b>y"])
    out = tmp_path / "out"
    grade_course(plan_course(root), out, FakeRunner(_respond), Options())
    assert "'=cmd" in (out / "course-gradebook.csv").read_text()
    page = (out / "course.html").read_text()
    assert "x<b>y" not in page and "x&lt;b&gt;y" in page
