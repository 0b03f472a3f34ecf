"""A tests-kind exercise: the learner's suite must not learn which API it runs against.

The probe exercise (probe/exercises/suite-probe) has a correct API and three variants that
differ in nothing HTTP shows. Its "solution" is a hostile suite (probe/exercises/suite-probe/
solution/test_probe.py) that fails wherever it finds a leak: a variant's source or environment
it can read, an API or grader process it can signal, a result it can write, anything an earlier
run left behind (files, a folder it locked, a SysV segment, a daemon). So: it must pass against
the correct API, and catch no variant.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from sandbox.exercises import Exercise
from sandbox.results import Result, Status, TestStatus
from sandbox.runners import Job
from sandbox.runners.docker import DockerRunner

pytestmark = [pytest.mark.docker, pytest.mark.adversarial]

VARIANTS = ("alpha", "beta", "gamma")


@pytest.fixture(scope="module")
def probe(probe_exercise: Callable[[str], Exercise]) -> Exercise:
    return probe_exercise("suite-probe")


@pytest.fixture(scope="module")
def probed(docker_runner: DockerRunner, probe: Exercise) -> Result:
    return docker_runner.run(Job(probe, probe.solution, "suite-probe"))


def test_the_probe_passes_against_the_correct_api(probed: Result) -> None:
    passes = probed.tests[0]
    assert passes.status is TestStatus.PASSED, passes.message


def test_the_probe_catches_no_variant(probed: Result) -> None:
    """Every variant answers like the correct API: catching one means a leak, or state carried
    from one run to the next."""
    catches = probed.tests[1]
    assert catches.score == 0, catches.message
    assert "nothing HTTP shows" in catches.message  # the area nudge, and nothing more


def test_the_learner_view_names_no_variant_and_no_count(probed: Result) -> None:
    view = probed.learner_view().to_json()
    for name in VARIANTS:
        assert name not in view
    document = json.loads(view)
    assert len(document["tests"]) == 2
    for test in document["tests"]:
        assert not test.get("output")
        assert "3" not in test["message"]


def test_a_suite_that_fails_everywhere_earns_nothing(
    docker_runner: DockerRunner, probe: Exercise
) -> None:
    result = docker_runner.run(Job(probe, probe.starter, "suite-probe-starter"))
    assert result.status is Status.FAIL
    assert result.score == 0
    passes, catches = result.tests
    assert "a suite that fails everywhere must earn nothing" in passes.message  # their output
    assert catches.message.startswith("Not credited")
