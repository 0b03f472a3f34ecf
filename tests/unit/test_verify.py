"""verify(): every solution must score full marks and every starter less, with a FakeRunner."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox import exercises
from sandbox.exercises import Exercise
from sandbox.results import Result, Status
from sandbox.runners import Job
from sandbox.runners.fake import FakeRunner
from sandbox.verify import Verification, as_document, verify


@pytest.fixture
def demo(sandbox_home: Path) -> Exercise:
    ex = exercises.load("demo")
    assert ex.points == 3
    return ex


def runner_for(solution: Result, starter: Result) -> FakeRunner:
    def respond(job: Job) -> Result:
        assert job.submission in (job.exercise.solution, job.exercise.starter)
        return solution if job.submission == job.exercise.solution else starter

    return FakeRunner(respond)


def test_full_solution_and_lower_starter_is_ok(
    demo: Exercise, make_result: Callable[..., Result]
) -> None:
    runner = runner_for(make_result(Status.PASS, 3, 3), make_result(Status.FAIL, 1, 3))

    [check] = verify([demo], runner, jobs=2)

    assert check.ok and check.solution_ok and check.starter_ok
    assert check.problems() == []
    assert sorted(j.submission.name for j in runner.jobs) == ["solution", "starter"]
    assert {j.submission_id for j in runner.jobs} == {"demo/solution", "demo/starter"}


def test_starter_at_full_marks_is_not_ok(
    demo: Exercise, make_result: Callable[..., Result]
) -> None:
    [check] = verify(
        [demo], runner_for(make_result(Status.PASS, 3, 3), make_result(Status.PASS, 3, 3))
    )
    assert not check.ok
    assert check.solution_ok and not check.starter_ok
    [problem] = check.problems()
    assert "starter should run and score below full marks" in problem
    assert "3/3" in problem


def test_starter_that_does_not_run_is_not_ok(
    demo: Exercise, make_result: Callable[..., Result]
) -> None:
    crashed = make_result(Status.ERROR, 0, 3, message="the app did not start: SyntaxError")
    [check] = verify([demo], runner_for(make_result(Status.PASS, 3, 3), crashed))
    assert not check.ok
    assert not check.starter_ok
    assert "SyntaxError" in check.problems()[0]


def test_solution_error_is_not_ok(demo: Exercise, make_result: Callable[..., Result]) -> None:
    broken = make_result(Status.ERROR, 0, 3, message="ImportError: no module named flaskk")
    [check] = verify([demo], runner_for(broken, make_result(Status.FAIL, 0, 3)))
    assert not check.ok and not check.solution_ok and check.starter_ok
    [problem] = check.problems()
    assert problem.startswith("solution scored 0/3 (error)")
    assert "ImportError" in problem


def test_solution_below_full_marks_is_not_ok(
    demo: Exercise, make_result: Callable[..., Result]
) -> None:
    [check] = verify(
        [demo], runner_for(make_result(Status.FAIL, 2, 3), make_result(Status.FAIL, 0, 3))
    )
    assert not check.ok
    assert "solution scored 2/3 (fail)" in check.problems()[0]


def test_points_mismatch_is_reported(demo: Exercise, make_result: Callable[..., Result]) -> None:
    # The grader's tests add up to 4 while exercise.toml promises 3.
    [check] = verify(
        [demo], runner_for(make_result(Status.PASS, 4, 4), make_result(Status.FAIL, 1, 4))
    )
    assert not check.ok
    problems = check.problems()
    assert any("points = 3 but the grader's tests add up to 4" in p for p in problems), problems


def test_each_exercise_gets_its_own_results(
    demo: Exercise, make_result: Callable[..., Result]
) -> None:
    exes = [dataclasses.replace(demo, slug=f"ex{i}") for i in range(5)]

    def respond(job: Job) -> Result:
        kind = job.submission.name
        score = 3 if kind == "solution" else 1
        return make_result(
            Status.PASS if score == 3 else Status.FAIL,
            score,
            3,
            exercise=job.exercise.slug,
            submission=job.submission_id,
        )

    checks = verify(exes, FakeRunner(respond), jobs=4)

    assert [c.exercise.slug for c in checks] == [e.slug for e in exes]
    for c in checks:
        assert c.solution.exercise == c.starter.exercise == c.exercise.slug
        assert c.solution.submission == f"{c.exercise.slug}/solution"
        assert c.starter.submission == f"{c.exercise.slug}/starter"
        assert c.ok


def test_as_document_has_the_contract_keys(
    demo: Exercise, make_result: Callable[..., Result]
) -> None:
    good = Verification(demo, make_result(Status.PASS, 3, 3), make_result(Status.FAIL, 1, 3))
    bad = Verification(
        dataclasses.replace(demo, slug="other"),
        make_result(Status.PASS, 3, 3),
        make_result(Status.PASS, 3, 3),
    )

    doc = as_document([good, bad])

    assert doc["ok"] is False
    assert [e["slug"] for e in doc["exercises"]] == ["demo", "other"]
    first, second = doc["exercises"]
    assert first["ok"] is True and second["ok"] is False
    assert first["problems"] == [] and second["problems"]
    for entry in doc["exercises"]:
        assert {"slug", "ok", "solution", "starter"} <= set(entry)
        for kind in ("solution", "starter"):
            assert {"status", "score", "max_score"} <= set(entry[kind])
            assert isinstance(entry[kind]["status"], str)
    assert first["solution"] == {
        "status": "pass",
        "score": 3,
        "max_score": 3,
        "duration_s": 0.0,
        "message": "",
    }
    assert first["starter"]["status"] == "fail" and first["starter"]["score"] == 1


def test_as_document_all_ok(demo: Exercise, make_result: Callable[..., Result]) -> None:
    doc = as_document(
        [Verification(demo, make_result(Status.PASS, 3, 3), make_result(Status.FAIL, 0, 3))]
    )
    assert doc["ok"] is True
