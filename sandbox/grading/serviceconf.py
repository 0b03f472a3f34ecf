"""Where the services of sandbox/grading/services/ live: shared by the runner image, the Docker
runner (which mounts PostgreSQL's tmpfs) and the fixtures. Standard library only: the host's CLI
imports this, and must not pay for pytest or the service clients."""

from __future__ import annotations

from pathlib import Path

REDIS_UID = 10002  # images/runner/Dockerfile creates these users: neither root nor the learner
POSTGRES_UID = 10003
APPS_UID = 10004  # the APIs a tests-kind exercise holds (sandbox/grading/suites.py)
POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
POSTGRES_TEMPLATE = Path("/opt/sandbox-services/postgres")  # prepared by images/runner/Dockerfile
POSTGRES_RUN_DIR = Path("/run/postgres")  # its own tmpfs in the container (runners/docker.py)
FAKETIME_LIB = Path("/usr/local/lib/libfaketime.so.1")
