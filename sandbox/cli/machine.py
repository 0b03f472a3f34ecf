"""Commands about this machine: is Docker there, are the images built."""

from __future__ import annotations

import argparse
import os

from sandbox.cli import common
from sandbox.cli.common import INFRA, OK, AddCommand
from sandbox.errors import SandboxError


def register(add: AddCommand) -> None:
    add(
        "doctor",
        cmd_doctor,
        "Check that Docker answers and the images are built; say what to do if not.",
    )
    p = add(
        "images",
        cmd_images,
        "Build the runner image, show what exists, what is stale and sizes, or prune stale tags.",
    )
    p.add_argument(
        "action",
        choices=["build", "status", "prune"],
        help="build: build what is missing; status: show; prune: remove stale tags",
    )
    p = add(
        "worker",
        cmd_worker,
        "Grade jobs from a broker (Redis) on this machine's Docker: run one per Docker host.",
    )
    p.add_argument(
        "--broker",
        required=True,
        metavar="URL",
        help="redis://[:PASSWORD@]HOST:PORT/DB or rediss://",
    )
    p.add_argument(
        "-c",
        "--concurrency",
        type=int,
        default=os.cpu_count() or 1,
        help="jobs graded at once (default: number of cores)",
    )
    p.add_argument("--name", help="this worker's name in `celery inspect` (default: host and pid)")
    p.add_argument(
        "--visibility-timeout",
        type=int,
        default=None,
        metavar="S",
        help="seconds before a job of a worker that died goes to another "
        "(default 1200; must exceed the longest exercise's time limit)",
    )
    common.runner_options(p, local=False)


def cmd_doctor(args: argparse.Namespace) -> int:
    from sandbox import images
    from sandbox.docker_client import connect
    from sandbox.reports.terminal import render_images

    console = common.console()
    try:
        client = connect(timeout=10)
    except SandboxError as exc:
        console.print(f"[red]✗[/] Docker: {common.escape(str(exc))}")
        return INFRA
    version = client.version().get("Version", "?")
    runtimes = ", ".join(sorted(client.info().get("Runtimes", {})))
    console.print(f"[green]✓[/] Docker engine {version} (runtimes: {runtimes})")
    states = images.status(client)
    render_images(console, states)
    if not all(s.exists for s in states):
        console.print(
            "[red]✗[/] The runner image is not built: run `sandbox images build` (or `make images`)."
        )
        return INFRA
    console.print("[green]✓[/] Ready: `sandbox list` shows the exercises.")
    return OK


def cmd_images(args: argparse.Namespace) -> int:
    from sandbox import images
    from sandbox.docker_client import connect
    from sandbox.reports.terminal import render_images

    client = connect()
    console = common.console()
    if args.action == "build":
        tag = images.ensure_runner(client, lambda msg: console.print(f"[dim]images: {msg}[/]"))
        console.print(f"[green]✓[/] runner image {tag} is current")
    elif args.action == "prune":
        removed = images.prune(client)
        console.print(f"[green]✓[/] removed {len(removed)} stale image tag(s)")
    render_images(console, images.status(client))
    return OK


def cmd_worker(args: argparse.Namespace) -> int:
    from sandbox.distributed import worker
    from sandbox.distributed.settings import BrokerOptions, check_url
    from sandbox.errors import UsageError

    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    options = BrokerOptions(check_url(args.broker))
    if args.visibility_timeout is not None:
        options = BrokerOptions(options.url, visibility_timeout_s=args.visibility_timeout)
    return worker.start(options, args.concurrency, args.isolation, common.plain_log, args.name)
