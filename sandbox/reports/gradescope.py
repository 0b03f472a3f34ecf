"""Gradescope's autograder results.json, so a class can be graded here and uploaded there."""

from __future__ import annotations

from typing import Any

from sandbox.results import Result, Status, TestResult, TestStatus


def to_gradescope(result: Result) -> dict[str, Any]:
    """One result -> a Gradescope results.json document (a dict ready for json.dump).

    The learner's outcomes keep the score they earned (a crash or a timeout can be 0 or partial),
    labelled with what happened; a failure of ours is 0 marked NOT GRADED, never an earned zero.
    Students read this document: it is built from the learner view (hidden tests redacted).
    """
    result = result.learner_view()
    return {
        "score": result.score if result.scored else 0.0,
        "execution_time": round(result.duration_s),
        "output": _output(result),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [_test(t) for t in result.tests],
    }


def _output(result: Result) -> str:
    if result.status.is_verdict and not result.infrastructure:
        return result.message
    if result.scored:
        return (
            f"{result.status.value.upper()}: {result.status.info.why}.\n\n{result.message}".rstrip()
        )
    return not_graded_output(result)


def not_graded_output(result: Result) -> str:
    """The top-level output of a result that could not be graded (ours, or nothing submitted)."""
    why = "the grading system failed" if result.infrastructure else Status.MISSING.info.why
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
    if t.transcript:
        shown = "\n\n".join("\n".join(e.lines()) for e in t.transcript)
        output = f"{output}\n\n--- last requests ---\n{shown}"
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
