"""What every command shares: exit codes, consoles, the runner options and making a runner.

Exit codes: 0 full marks / all verified; 1 graded below full marks or verification failed;
2 usage or exercise-definition error; 3 infrastructure failure (no Docker, image build failed);
130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from sandbox.results import Result, Status
from sandbox.runners import Runner

if TYPE_CHECKING:
    from rich.console import Console

# rich, jinja2 and the Docker SDK are imported where they are used: a `check --json` must start fast.

OK, BELOW, USAGE, INFRA, INTERRUPTED = 0, 1, 2, 3, 130

Command = Callable[[argparse.Namespace], int]
AddCommand = Callable[[str, Command, str], argparse.ArgumentParser]


def console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def escape(text: str) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def plain_log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def runner_options(p: argparse.ArgumentParser, *, local: bool = True) -> None:
    """--runner and --isolation, the same for every command that grades."""
    p.add_argument(
        "--runner",
        choices=["docker", "local"],
        default="docker",
        help="where to grade: a hardened container (default) or on this host (no isolation)"
        if local
        else argparse.SUPPRESS,
    )
    p.add_argument(
        "--isolation",
        choices=["runc", "gvisor"],
        default=os.environ.get("SANDBOX_ISOLATION", "runc"),
        help="container runtime: runc (default) or gvisor (runsc, stronger, slower)",
    )


def make_runner(args: argparse.Namespace, log: Callable[[str], None] = plain_log) -> Runner:
    """The runner the options ask for; the Docker one reaps orphans and builds what is missing."""
    if args.runner == "local":
        from sandbox.runners.local import WARNING, LocalRunner

        log(f"WARNING: {WARNING}")
        return LocalRunner()
    from sandbox import images
    from sandbox.docker_client import connect
    from sandbox.runners.docker import DockerRunner, reap_orphans

    client = connect()
    reap_orphans(client)
    image = images.ensure_runner(client, lambda msg: log(f"images: {msg}"))
    return DockerRunner(client, image, isolation=args.isolation)


def result_code(result: Result) -> int:
    if result.infrastructure:
        return INFRA
    return OK if result.status is Status.PASS and result.score >= result.max_score else BELOW
