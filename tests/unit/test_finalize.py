"""The finalize step every runner ends with: one wording for every way a run can end."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sandbox import exercises
from sandbox.results import Result, Status, TestResult, TestStatus
from sandbox.runners import Job
from sandbox.runners.finalize import NOT_REACHED, NOT_RUN, RunEnd, finalize, rejected


@pytest.fixture
def job(sandbox_home: Path) -> Job:
    return Job(exercises.load("demo", sandbox_home), sandbox_home, "alice")


def _partial(complete: bool) -> Result:
    return Result(
        "",
        Status.FAIL,
        1,
        3,
        "1 of 3 tests did not pass.",
        complete=complete,
        tests=[
            TestResult("test_a", TestStatus.PASSED, 1, 1),
            TestResult("test_b", TestStatus.NOT_RUN, 0, 1, ""),
            TestResult("test_c", TestStatus.NOT_RUN, 0, 1, "not run: the app did not start"),
        ],
    )


def test_identity_fields_come_from_the_job_and_the_runner(job: Job) -> None:
    started = time.monotonic() - 2
    result = finalize(job, _partial(True), RunEnd(started), runner="docker:runc", image="img:1")
    assert (result.exercise, result.submission) == ("demo", "alice")
    assert (result.runner, result.image) == ("docker:runc", "img:1")
    assert result.duration_s >= 2


@pytest.mark.parametrize(("complete", "said"), [(False, NOT_REACHED), (True, NOT_RUN)])
def test_tests_not_reached_say_why_and_the_grader_own_reasons_stay(
    job: Job, complete: bool, said: str
) -> None:
    result = finalize(job, _partial(complete), RunEnd(time.monotonic()), runner="x")
    assert [t.message for t in result.tests] == ["", said, "not run: the app did not start"]


def test_a_timeout_keeps_the_tests_finished_before_it(job: Job) -> None:
    end = RunEnd(time.monotonic(), timed_out=True)
    result = finalize(job, _partial(False), end, runner="docker:runc")
    assert result.status is Status.TIMEOUT and result.score == 1
    assert "60 s time limit" in result.message and not result.infrastructure


@pytest.mark.parametrize(
    ("end", "status", "says", "ours"),
    [
        (RunEnd(0, timed_out=True), Status.TIMEOUT, "time limit", False),
        (RunEnd(0, oom_killed=True), Status.OOM, "256 MB", False),
        (RunEnd(0, no_result="(exit code 139)"), Status.ERROR, "exit code 139", True),
    ],
)
def test_no_result_document_is_still_an_outcome(
    job: Job, end: RunEnd, status: Status, says: str, ours: bool
) -> None:
    result = finalize(job, None, end, runner="local")
    assert result.status is status and says in result.message
    assert result.infrastructure is ours and result.score == 0 and result.max_score == 3


def test_every_string_is_cleaned_before_anyone_renders_it(job: Job) -> None:
    dirty = _partial(True)
    dirty.message = "boom \x1b]0;owned\x07"
    dirty.tests[0].output = "\x1bc"
    result = finalize(job, dirty, RunEnd(time.monotonic()), runner="x")
    assert result.message == "boom \\x1b]0;owned\\x07" and result.tests[0].output == "\\x1bc"


def test_rejected_is_the_learner_outcome_not_ours(job: Job) -> None:
    result = rejected(job, "unsafe path", RunEnd(time.monotonic()), runner="docker:runc")
    assert result.status is Status.REJECTED and not result.infrastructure and result.scored
    assert result.message == "unsafe path" and result.submission == "alice"
