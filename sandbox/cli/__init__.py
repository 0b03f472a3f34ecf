"""The command line: parse, call the library, render; exceptions become one message and an exit code.

    common.py    exit codes, consoles, the runner options, make_runner
    learner.py   list, start, check, hint, progress
    staff.py     verify, new, catalog
    grading.py   grade (a class or a whole course; on this machine or through a broker)
    machine.py   doctor, images, worker

Exit codes are in `common`: 0 full marks, 1 below, 2 usage, 3 ours (infrastructure), 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from sandbox import __version__
from sandbox.cli import common, grading, learner, machine, staff
from sandbox.cli.common import INFRA, INTERRUPTED, Command
from sandbox.errors import SandboxError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sandbox",
        description="Backend Sandbox: hands-on backend "
        "exercises, graded in hardened Docker containers.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Command, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    for module in (learner, staff, grading, machine):
        module.register(add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a terminal that cannot show ✓ gets '?', not a crash
        encoding = (getattr(stream, "encoding", "") or "").lower().replace("-", "")
        if not encoding.startswith("utf") and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv and _in_a_workspace():
        argv = ["watch"]  # `sandbox` alone, inside a workspace: watch it (as rustlings does)
    args = parser.parse_args(argv)
    err = common.err_console
    try:
        code: int = args.func(args)
    except SandboxError as exc:
        err().print(f"[bold red]error:[/] {common.escape(str(exc))}", markup=True, highlight=False)
        return exc.exit_code
    except Exception as exc:  # a bug of ours: one clear line, the traceback only on request
        if os.environ.get("SANDBOX_DEBUG"):
            raise
        err().print(
            f"[bold red]internal error:[/] {common.escape(f'{type(exc).__name__}: {exc}')}\n"
            "This is a bug in Backend Sandbox, not in your code. Rerun with SANDBOX_DEBUG=1 "
            "for the traceback and report it."
        )
        return INFRA
    except KeyboardInterrupt:
        err().print("[yellow]interrupted[/]")
        return INTERRUPTED
    return code


def _in_a_workspace() -> bool:
    from pathlib import Path

    from sandbox import workspace

    try:
        return workspace.find(Path.cwd()) is not None
    except SandboxError:
        return False


if __name__ == "__main__":
    sys.exit(main())
