"""Real services on real Docker: one sample exercise per service, solution full marks, starter not.

The samples live in tests/integration/services/ (an exercise root of their own): redis, postgres,
a worker, upstreams and the clock, each graded by the fixtures of sandbox/grading/services.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import exercises
from sandbox.results import Status, TestStatus
from sandbox.runners import Job
from sandbox.runners.docker import DockerRunner

ROOT = Path(__file__).resolve().parent / "services"
SAMPLES = ["svc-redis", "svc-postgres", "svc-worker", "svc-upstream", "svc-clock"]

pytestmark = pytest.mark.docker


@pytest.mark.parametrize("slug", SAMPLES)
def test_the_solution_earns_full_marks_and_the_starter_does_not(
    docker_runner: DockerRunner, slug: str
) -> None:
    ex = exercises.load(slug, root=ROOT)
    solution = docker_runner.run(Job(ex, ex.solution, "solution"))
    assert solution.status is Status.PASS, (solution.message, [t.message for t in solution.tests])
    assert solution.score == solution.max_score == ex.points
    starter = docker_runner.run(Job(ex, ex.starter, "starter"))
    assert starter.status is Status.FAIL, starter.message
    assert 0 < starter.score < starter.max_score, [(t.name, t.status) for t in starter.tests]
    assert not any(t.status is TestStatus.ERROR for t in starter.tests), starter.message
    if ex.services.worker:  # the worker's output reaches the learner with the failed test
        failed = [t for t in starter.tests if t.status is TestStatus.FAILED]
        assert any("--- your worker (worker) ---" in t.output for t in failed), failed
        assert any("worker: started" in t.output for t in failed), failed


def test_the_app_cannot_reach_into_the_services(docker_runner: DockerRunner) -> None:
    """A hostile app probes redis-server, PostgreSQL and the clock from the learner's uid."""
    ex = exercises.load("svc-isolation", root=ROOT)
    result = docker_runner.run(Job(ex, ex.solution, "probe"))
    assert result.status is Status.PASS, [(t.name, t.message) for t in result.tests if t.message]


def test_a_prepared_container_grades_a_services_exercise(docker_runner: DockerRunner) -> None:
    """Watch mode's warm container is made with the exercise's hardening: PostgreSQL's tmpfs too."""
    ex = exercises.load("svc-postgres", root=ROOT)
    warm = docker_runner.prepare(ex)
    result = docker_runner.run(Job(ex, ex.solution, "solution"), warm=warm)
    assert result.status is Status.PASS, [(t.name, t.message) for t in result.tests if t.message]
