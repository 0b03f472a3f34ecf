"""verify on real Docker: golden examples expose an unfair grader and a missed bug; mutants run."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import exercises
from sandbox.results import Status
from sandbox.runners.docker import DockerRunner
from sandbox.verify import MutantOptions, verify

HOME = Path(__file__).resolve().parent.parent / "fixtures" / "verify-home"

pytestmark = pytest.mark.docker


def test_examples_report_an_unfair_grader_and_a_missed_bug(docker_runner: DockerRunner) -> None:
    tally = exercises.load("tally", HOME)

    [check] = verify([tally], docker_runner, jobs=2, mutants=MutantOptions(seed=0, limit=4))

    # The reference passes (so examples/ did not reach the container: its grader checks that).
    assert check.solution.status is Status.PASS, check.solution.message
    assert check.starter.score < check.starter.max_score
    outcomes = {o.example.name: o for o in check.examples}
    assert set(outcomes) == {
        "correct-other-message",
        "correct-int-parse",
        "bug-negatives-refused",
        "bug-triples",
    }
    assert outcomes["correct-int-parse"].problems() == []
    assert outcomes["bug-triples"].problems() == []
    [unfair] = outcomes["correct-other-message"].problems()
    assert unfair.startswith("correct example correct-other-message scored 2/3 (fail)")
    assert "the grader is unfair or the README unclear" in unfair
    assert "test_bad_n_is_400" in unfair
    [missed] = outcomes["bug-negatives-refused"].problems()
    assert missed == (
        "one-bug example bug-negatives-refused scored full marks: the grader misses it "
        "(a negative n gets 400 instead of being doubled)"
    )
    assert not check.ok
    assert unfair in check.problems() and missed in check.problems()

    report = check.mutation
    assert report is not None and report.tested == 4 and not report.infrastructure_errors
    assert report.generated > 4
    for mutant in report.survivors:
        assert str(mutant).startswith(f"app.py:{mutant.line}: ")
    assert report.caught + len(report.survivors) == 4
