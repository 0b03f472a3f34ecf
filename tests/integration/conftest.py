"""Real Docker: the engine, the runner image and a runner, shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from docker import DockerClient

from sandbox import images
from sandbox.docker_client import LABEL, connect
from sandbox.runners.docker import DockerRunner


@pytest.fixture(scope="session")
def docker_client() -> DockerClient:
    return connect()


@pytest.fixture(scope="session")
def runner_image(docker_client: DockerClient) -> str:
    return images.ensure_runner(docker_client, lambda _msg: None)


@pytest.fixture(scope="session")
def docker_runner(docker_client: DockerClient, runner_image: str) -> Iterator[DockerRunner]:
    yield DockerRunner(docker_client, runner_image)
    leftover = docker_client.containers.list(all=True, filters={"label": f"{LABEL}=job"})
    assert not leftover, f"job containers left behind: {[c.name for c in leftover]}"


@pytest.fixture
def no_leftovers(docker_client: DockerClient) -> Iterator[None]:
    yield
    leftover = docker_client.containers.list(all=True, filters={"label": f"{LABEL}=job"})
    assert not leftover, f"job containers left behind: {[c.name for c in leftover]}"
