"""One way to reach the Docker engine, with an error that says what to do when it is not there."""

from __future__ import annotations

import docker
import docker.errors
from docker import DockerClient

from sandbox.errors import DockerUnavailable

LABEL = "backend-sandbox"


def connect(timeout: int = 120) -> DockerClient:
    """A client for the engine from the environment (DOCKER_HOST or the default socket)."""
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except (docker.errors.DockerException, OSError) as exc:
        raise DockerUnavailable(
            "Docker is not reachable "
            f"({str(exc).splitlines()[0][:160]}). Start it with `make docker` (Debian, as root: "
            "installs and starts dockerd), `sudo systemctl start docker`, or set DOCKER_HOST; "
            "`sandbox doctor` checks again."
        ) from None
    return client
