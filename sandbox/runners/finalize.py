"""The one last step of every runner: what a run's result says, however the run ended.

A runner reports what it saw from outside (the result document the grader published, if any;
whether the run hit its deadline or the memory limit); `finalize` turns that into the result
everyone reads: the outcome's status and wording, why tests did not run, who graded it, and every
learner-derived string made safe to print (`Result.cleaned`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sandbox.results import Result, Status, TestStatus
from sandbox.runners import Job

NOT_REACHED = "not run: grading was stopped before this test"
NOT_RUN = "not run"


@dataclass(frozen=True)
class RunEnd:
    """How the run ended, seen from outside the grader."""

    started: float  # time.monotonic() when the runner took the job
    timed_out: bool = False  # the whole run hit its deadline and was stopped
    oom_killed: bool = False  # the container's memory limit killed a process
    no_result: str = ""  # when the grader published nothing: what the runner knows of why


def timeout_message(limit_s: float) -> str:
    return (
        f"Grading was stopped after the {limit_s:g} s time limit. Your app probably hangs or loops "
        "forever — at import, at start-up, or in a handler. Tests finished before that are kept."
    )


def oom_message(memory_mb: int) -> str:
    return (
        f"Your app ran out of memory (the limit is {memory_mb} MB) and was killed. Look for data "
        "built up without bound, or a huge allocation."
    )


def finalize(
    job: Job, result: Result | None, end: RunEnd, *, runner: str, image: str = ""
) -> Result:
    """The result of `job`: the grader's document (or None) read in the light of how it ended."""
    ex = job.exercise
    if end.timed_out:
        outcome: tuple[Status, str] | None = (Status.TIMEOUT, timeout_message(ex.time_limit_s))
    elif end.oom_killed:
        outcome = (Status.OOM, oom_message(ex.limits.memory_mb))
    else:
        outcome = None
    if result is None:
        status, message = outcome or (
            Status.ERROR,
            "Could not grade: the grader produced no readable result. This is not your code's "
            "fault; try again, and report it if it persists."
            + (f"\n{end.no_result}" if end.no_result else ""),
        )
        result = Result.without_tests(
            ex.slug, job.submission_id, status, ex.points, message, infrastructure=outcome is None
        )
    elif outcome is not None:
        result.status, result.message = outcome
    for test in result.tests:
        if test.status is TestStatus.NOT_RUN and not test.message:
            test.message = NOT_RUN if result.complete else NOT_REACHED
    result.exercise, result.submission = ex.slug, job.submission_id
    result.image, result.runner = image, runner
    result.duration_s = round(time.monotonic() - end.started, 3)
    return result.cleaned()


def rejected(job: Job, message: str, end: RunEnd, *, runner: str, image: str = "") -> Result:
    """A submission the runner refused to hand to the grader: the learner's outcome, zero."""
    result = Result.without_tests(
        job.exercise.slug, job.submission_id, Status.REJECTED, job.exercise.points, message
    )
    return finalize(job, result, end, runner=runner, image=image)
