"""Commands about this machine: is Docker there, are the images built."""

from __future__ import annotations

import argparse

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
