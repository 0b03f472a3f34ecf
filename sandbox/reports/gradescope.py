"""Gradescope's autograder results.json, so a class can be graded here and uploaded there."""

from __future__ import annotations

from typing import Any

from sandbox.results import Result, Status, TestResult, TestStatus

_NOT_GRADED_WHY = {
    Status.ERROR: "the app or the grader crashed before a score could be given",
    Status.TIMEOUT: "the run went over its time limit",
    Status.OOM: "the run went over its memory limit",
    Status.REJECTED: "the submission was rejected before it was run",
    Status.MISSING: "nothing was submitted",
}


def to_gradescope(result: Result) -> dict[str, Any]:
    """One result -> a Gradescope results.json document (a dict ready for json.dump).

    A result that could not be graded keeps score 0, but its output says plainly that it was NOT
    graded and why, so it never reads as an earned zero.
    """
    graded = result.status.graded
    return {
        "score": result.score if graded else 0.0,
        "execution_time": round(result.duration_s),
        "output": result.message if graded else not_graded_output(result),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [_test(t) for t in result.tests],
    }


def not_graded_output(result: Result) -> str:
    """The top-level output of a result that could not be graded."""
    why = _NOT_GRADED_WHY.get(result.status, str(result.status))
    lines = [
        f"NOT GRADED ({result.status}): this submission could not be graded because {why}.",
        "The score of 0 is a placeholder, not an earned zero.",
    ]
    if result.infrastructure:
        lines.append(
            "The failure was on our side (the grading system), not in your code: "
            "course staff will re-run it."
        )
    if result.message.strip():
        lines += ["", result.message]
    return "\n".join(lines)


def _test(t: TestResult) -> dict[str, Any]:
    output = t.message
    if t.output:
        output = f"{output}\n\n--- captured output ---\n{t.output}" if output else t.output
    return {
        "name": t.name,
        "score": t.score,
        "max_score": t.max_score,
        "output": output,
        "visibility": "hidden" if t.hidden else "visible",
        "status": "passed" if t.status is TestStatus.PASSED else "failed",
    }
