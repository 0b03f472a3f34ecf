"""A tests-kind exercise on real Docker: write-api-tests graded as a learner sees it, and its
mutants (faults in the correct API, graded with the reference suite)."""

from __future__ import annotations

import tomllib

import pytest

from sandbox import apis, exercises
from sandbox.results import Status
from sandbox.runners import Job
from sandbox.runners.docker import DockerRunner
from sandbox.verify import MutantOptions, verify

pytestmark = pytest.mark.docker


def test_the_starter_scores_its_share_and_the_view_names_no_variant(
    docker_runner: DockerRunner,
) -> None:
    ex = exercises.load("write-api-tests")
    result = docker_runner.run(Job(ex, ex.starter, "starter"))
    assert result.status is Status.FAIL
    passes, catches = result.tests
    assert passes.score == passes.max_score
    assert 0 < catches.score < catches.max_score
    view = result.learner_view().to_json()
    meta = tomllib.loads((ex.grader_dir / "apps" / apis.VARIANTS_FILE).read_text())
    for name, entry in meta.items():
        assert name not in view and entry["bug"] not in view
    assert "areas of the README's contract" in catches.message


def test_mutants_go_into_the_correct_api(docker_runner: DockerRunner) -> None:
    ex = exercises.load("write-api-tests")
    [check] = verify([ex], docker_runner, jobs=2, mutants=MutantOptions(seed=1, limit=2))
    assert check.solution.score == ex.points
    assert check.mutation is not None and check.mutation.tested == 2
    assert all(o.mutant.file == "apps/correct.py" for o in check.mutation.outcomes)
