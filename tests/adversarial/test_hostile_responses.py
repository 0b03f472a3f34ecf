"""What a response carries must never take the trusted grader down.

The grader reads each response as hostile input: a capped, decoded body read before a total
deadline, capped headers, JSON parsed within the recursion limit, and a result that publishes
whatever text the learner sent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.exercises import Exercise
from sandbox.results import Result, Status, TestStatus
from sandbox.runners import Job
from sandbox.runners.docker import DockerRunner

pytestmark = [pytest.mark.docker, pytest.mark.adversarial]

Grade = Callable[..., Result]


def _failed(result: Result) -> dict[str, str]:
    return {t.name: t.message for t in result.tests if t.status is not TestStatus.PASSED}


def test_a_decompression_bomb_fails_its_tests_not_the_grader(grade: Grade) -> None:
    result = grade("gzip-bomb")
    failed = _failed(result)
    print(f"gzip bomb: {result.status.value} {result.score}/{result.max_score}; {failed}")

    assert result.status is Status.FAIL, result.message  # before: oom, the grader killed
    assert result.complete and not result.infrastructure
    assert failed and len(failed) < len(result.tests), failed
    bombed = [m for m in failed.values() if "GET /items: the response body inflated" in m]
    assert bombed, failed
    assert "inflated (gzip) past 4 MB; the grader reads at most 4 MB of a body" in bombed[0]
    assert all("GET /items" in m for m in failed.values()), failed


@pytest.mark.parametrize("case", ["trickle-body", "trickle-headers"])
def test_a_trickled_answer_is_cut_at_the_request_deadline(grade: Grade, case: str) -> None:
    result = grade(case, request_timeout_s=3, test_timeout_s=30)
    failed = _failed(result)
    print(f"{case}: {result.status.value} {result.score}/{result.max_score}; {failed}")

    assert result.status is Status.FAIL, result.message
    assert result.complete and not result.infrastructure
    assert failed and len(failed) < len(result.tests) // 2, failed
    for name, message in failed.items():
        # before: every one ran to its 30 s per-test limit, each read getting a byte in time
        assert "took longer than its 30 s limit" not in message, (name, message)
        assert (
            "got no complete answer within 3 s" in message or "got no answer within 3 s" in message
        ), (name, message)


def test_a_lone_surrogate_in_a_message_is_published(
    docker_runner: DockerRunner,
    probe_exercise: Callable[[str], Exercise],
    stage_case: Callable[[str], Path],
) -> None:
    echo = probe_exercise("echo")
    result = docker_runner.run(Job(echo, stage_case("surrogate-in-json"), "surrogate"))
    print(f"surrogate: {result.status.value} {result.score}/{result.max_score}; {result.message}")

    # before: publishing raised, pytest stopped, and the other two tests were "not run"
    assert result.status is Status.FAIL, result.message
    assert result.complete and not result.infrastructure
    assert result.score == 2, [(t.name, t.status, t.message) for t in result.tests]
    assert _failed(result) == {
        "test_the_name_is_milk": "GET /name gave the name \ufffd; expected milk"
    }


def test_a_run_stopped_by_our_own_error_says_so(
    docker_runner: DockerRunner,
    probe_exercise: Callable[[str], Exercise],
) -> None:
    # The app is innocent (it answers every call); the grader's own hook raises after test 1.
    bug = probe_exercise("grader-bug")
    result = docker_runner.run(Job(bug, bug.solution, "innocent"))
    print(f"grader bug: {result.status.value} {result.score}/{result.max_score}; {result.message}")

    # before: "fail", 1/3, the last two "not run" like any partial run, the learner's fault
    assert result.status is Status.ERROR, result.message
    assert result.infrastructure and not result.complete
    assert result.message.startswith(
        "Could not grade: the grader stopped with an internal error (pytest exit code 3)"
    ), result.message
    assert "This is not your code's fault" in result.message
