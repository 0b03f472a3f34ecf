"""Terminal rendering into a StringIO console."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from sandbox import exercises
from sandbox.exercises import Exercise
from sandbox.reports import terminal
from sandbox.results import STATUS_INFO, STATUS_ORDER, Result, Status, TestResult, TestStatus
from sandbox.verify import Verification
from sandbox.workspace import Progress


def render(fn: Callable[..., None], *args: object) -> str:
    console = Console(file=io.StringIO(), width=120, color_system=None)
    fn(console, *args)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b[" not in out
    return out


@pytest.fixture
def demo(sandbox_home: Path) -> Exercise:
    return exercises.load("demo")


def failing() -> Result:
    return Result(
        "demo",
        Status.FAIL,
        2,
        4,
        "2 of 4 tests failed",
        duration_s=1.23,
        runner="fake",
        tests=[
            TestResult(
                "test_list", TestStatus.PASSED, 2, 2, description="GET /items lists the items"
            ),
            TestResult(
                "test_create",
                TestStatus.FAILED,
                0,
                1,
                "POST /items returned 500; expected 201 [bold]with[/] the item",
            ),
            TestResult("test_delete", TestStatus.FAILED, 0, 1, "DELETE /items/1 returned 405"),
        ],
    )


def test_fail_shows_marks_score_and_the_first_failure() -> None:
    out = render(terminal.render_result, failing())
    assert "✓" in out and "✗" in out
    assert "GET /items lists the items" in out  # the description stands in for the name
    assert "FAIL" in out
    assert "score 2/4" in out
    assert "1.2 s" in out and "fake" in out
    assert "First failure: test_create" in out
    # Markup in a message is printed literally, not interpreted.
    assert "POST /items returned 500; expected 201 [bold]with[/] the item" in out
    assert "DELETE /items/1 returned 405" not in out, "only the first failure is spelled out"
    assert "sandbox hint" in out


def test_pass_shows_only_ticks_and_no_failure() -> None:
    result = Result(
        "demo",
        Status.PASS,
        3,
        3,
        "all passed",
        runner="fake",
        tests=[
            TestResult("test_a", TestStatus.PASSED, 1, 1),
            TestResult("test_b", TestStatus.PASSED, 2, 2),
        ],
    )
    out = render(terminal.render_result, result)
    assert out.count("✓") == 2 and "✗" not in out
    assert "PASS" in out and "score 3/3" in out
    assert "First failure" not in out
    assert "Full marks" in out


@pytest.mark.parametrize(
    ("status", "word"),
    [
        (Status.ERROR, "ERROR"),
        (Status.TIMEOUT, "TIMEOUT"),
        (Status.OOM, "OOM"),
        (Status.REJECTED, "REJECTED"),
    ],
)
def test_run_level_outcomes_show_the_message(status: Status, word: str) -> None:
    message = f"the run ended with {status}: see [this]"
    result = Result(
        "demo",
        status,
        0,
        4,
        message,
        runner="fake",
        tests=[TestResult("test_a", TestStatus.NOT_RUN, 0, 4, "not run: the app did not start")],
    )
    out = render(terminal.render_result, result)
    assert word in out
    assert "score 0/4" in out
    assert message in out
    assert "–" in out  # the not-run mark
    assert "First failure" not in out
    assert " ".join(status.info.next_step.split()) in " ".join(out.split())


def test_error_without_tests_prints_no_table() -> None:
    out = render(
        terminal.render_result, Result("demo", Status.ERROR, 0, 3, "could not start: boom")
    )
    assert "could not start: boom" in out
    assert "points" not in out  # no table header


def test_every_status_has_one_entry_in_the_vocabulary() -> None:
    assert set(STATUS_INFO) == set(Status) == set(STATUS_ORDER)
    for status in Status:
        info = status.info
        assert info.label and info.style and info.meaning and info.why and info.next_step, status
    assert set(terminal.MARKS) == set(TestStatus)


def test_render_verify_shows_each_slug_and_the_problems(
    demo: Exercise, make_result: Callable[..., Result]
) -> None:
    good = Verification(demo, make_result(Status.PASS, 3, 3), make_result(Status.FAIL, 1, 3))
    other = dataclasses.replace(demo, slug="other-exercise")
    bad = Verification(
        other,
        make_result(Status.PASS, 3, 3, exercise="other-exercise"),
        make_result(Status.PASS, 3, 3, exercise="other-exercise"),
    )
    out = render(terminal.render_verify, [good, bad])
    assert "demo" in out and "other-exercise" in out
    assert "✓" in out and "✗" in out
    assert "1/3" in out
    assert "✗ other-exercise: starter should run and score below full marks" in out
    assert "✗ demo:" not in out


def test_render_verify_shows_examples_mutants_and_survivors(
    demo: Exercise, make_result: Callable[..., Result]
) -> None:
    from sandbox.examples import Example, ExampleOutcome, Expected
    from sandbox.mutants import Mutant, MutantOutcome, MutationReport

    good = Example("good", demo.root, Expected.FULL)
    caught = [
        MutantOutcome(Mutant("app.py", i, 0, f"fault {i}", ""), make_result(Status.FAIL, 1, 3))
        for i in range(9)
    ]
    survivor = MutantOutcome(Mutant("app.py", 42, 0, "`<` → `<=`", ""), make_result())
    check = Verification(
        demo,
        make_result(Status.PASS, 3, 3),
        make_result(Status.FAIL, 1, 3),
        (ExampleOutcome(good, make_result(Status.PASS, 3, 3)),),
        MutationReport(0, 12, (*caught, survivor)),
    )
    out = render(terminal.render_verify, [check])
    assert "1/1 as expected" in out
    assert "9/10 caught (90%)" in out
    assert "survivor demo: app.py:42: `<` → `<=`" in out


def test_render_list_shows_best_scores_and_states(demo: Exercise) -> None:
    started = Progress({"demo": {"best_score": 2.0}})
    out = render(terminal.render_list, [demo], started)
    assert "demo" in out and "2/3" in out and "…" in out and "0/1 done" in out
    done = Progress({"demo": {"best_score": 3.0, "done": True}})
    out = render(terminal.render_list, [demo], done)
    assert "✓" in out and "1/1 done" in out and "Next:" not in out
    out = render(terminal.render_list, [demo], Progress())
    assert "–/3" in out and "Next: demo" in out


def test_a_hidden_test_shows_that_it_failed_not_what_it_checks() -> None:
    secret = TestResult(
        "test_secret_edge_case",
        TestStatus.FAILED,
        0,
        2,
        "GET /items?limit=-1 returned 500",
        description="negative limits are refused",
        hidden=True,
    )
    result = Result(
        exercise="demo",
        status=Status.FAIL,
        score=1,
        max_score=3,
        message="1 of 2 failed",
        tests=[TestResult("test_ok", TestStatus.PASSED, 1, 1), secret],
    )
    buf = io.StringIO()
    terminal.render_result(Console(file=buf, width=120), result)
    text = buf.getvalue()
    assert "(hidden test)" in text and "a hidden test" in text
    assert "limit=-1" not in text and "negative limits" not in text and "test_secret" not in text
