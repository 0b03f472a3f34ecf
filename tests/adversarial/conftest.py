"""Hostile submissions on real Docker: the engine, the runner image, a runner, and staging.

The Docker fixtures (docker_client, runner_image, docker_runner) live in tests/conftest.py;
leftover checks only look at containers this process owns, so other sessions sharing the engine
cannot make them flaky.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sandbox import exercises
from sandbox.exercises import Exercise
from sandbox.results import Result
from sandbox.runners import Job
from sandbox.runners.docker import DockerRunner

# The probe's grader and the hostile apps are data for the containers, not tests of this suite.
collect_ignore = ["probe", "submissions"]

HERE = Path(__file__).resolve().parent
SUBMISSIONS = HERE / "submissions"
PROBE_ROOT = HERE / "probe"


@pytest.fixture(scope="session")
def http_handler() -> Exercise:
    return exercises.load("http-handler")


@pytest.fixture(scope="session")
def stage_case(
    tmp_path_factory: pytest.TempPathFactory, http_handler: Exercise
) -> Callable[[str], Path]:
    """stage_case(case): a fresh copy of submissions/<case>/, with the http-handler exercise's starter
    and solution beside it as starter.py and solution.py (hostile apps build on them)."""

    def build(case: str) -> Path:
        folder = tmp_path_factory.mktemp("staged") / case
        shutil.copytree(SUBMISSIONS / case, folder)
        shutil.copy(http_handler.starter / "app.py", folder / "starter.py")
        shutil.copy(http_handler.solution / "app.py", folder / "solution.py")
        return folder

    return build


def shorten(
    exercise: Exercise,
    *,
    time_limit_s: float | None = None,
    startup_timeout_s: float | None = None,
    **limits: Any,
) -> Exercise:
    """The exercise with some limits changed (dataclasses.replace), to keep the suite fast."""
    if startup_timeout_s is not None:
        app = dataclasses.replace(exercise.app, startup_timeout_s=startup_timeout_s)
        exercise = dataclasses.replace(exercise, app=app)
    if time_limit_s is not None:
        exercise = dataclasses.replace(exercise, time_limit_s=time_limit_s)
    if limits:
        exercise = dataclasses.replace(
            exercise, limits=dataclasses.replace(exercise.limits, **limits)
        )
    return exercise


@pytest.fixture(scope="session")
def grade(
    docker_runner: DockerRunner, http_handler: Exercise, stage_case: Callable[[str], Path]
) -> Callable[..., Result]:
    """grade(case, exercise=http-handler, **changes): stage the case and grade it for real."""

    def run(case: str, exercise: Exercise | None = None, **changes: Any) -> Result:
        ex = shorten(exercise or http_handler, **changes)
        return docker_runner.run(Job(ex, stage_case(case), case))

    return run


@pytest.fixture(scope="session")
def starter_result(docker_runner: DockerRunner, http_handler: Exercise) -> Result:
    """What the plain http-handler starter earns: the yardstick for every forgery."""
    return docker_runner.run(Job(http_handler, http_handler.starter, "starter"))


@pytest.fixture(scope="session")
def probe_exercise() -> Callable[[str], Exercise]:
    return lambda slug: exercises.load(slug, root=PROBE_ROOT)
