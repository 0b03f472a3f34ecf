"""The command line: parse, call the library, render; exceptions become one message and an exit code.

Exit codes: 0 full marks / all verified; 1 graded below full marks or verification failed;
2 usage or exercise-definition error; 3 infrastructure failure (no Docker, image build failed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from sandbox import exercises as exercises_mod
from sandbox import workspace
from sandbox.errors import SandboxError, UsageError
from sandbox.results import Result, Status
from sandbox.runners import Job, Runner

if TYPE_CHECKING:
    from rich.console import Console

# rich, jinja2 and the Docker SDK are imported where they are used: a `check --json` must start fast.

OK, BELOW, USAGE, INFRA = 0, 1, 2, 3


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def _err() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def _terminal() -> ModuleType:
    from sandbox.reports import terminal

    return terminal


def escape(text: str) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def _plain_log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _docker_runner(isolation: str, log: Callable[[str], None]) -> Runner:
    from sandbox import images
    from sandbox.docker_client import connect
    from sandbox.runners.docker import DockerRunner, reap_orphans

    client = connect()
    reap_orphans(client)
    image = images.ensure_runner(client, lambda msg: log(f"images: {msg}"))
    return DockerRunner(client, image, isolation=isolation)


def make_runner(args: argparse.Namespace, log: Callable[[str], None] = _plain_log) -> Runner:
    if args.runner == "local":
        from sandbox.runners.local import WARNING, LocalRunner

        log(f"WARNING: {WARNING}")
        return LocalRunner()
    return _docker_runner(args.isolation, log)


# -- commands ----------------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    items = exercises_mod.load_all()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "slug": e.slug,
                        "title": e.title,
                        "summary": e.summary,
                        "topics": list(e.topics),
                        "difficulty": e.difficulty,
                        "points": e.points,
                    }
                    for e in items
                ],
                indent=2,
            )
        )
        return OK
    _terminal().render_list(_console(), items, workspace.Progress.load().entries)
    return OK


def cmd_start(args: argparse.Namespace) -> int:
    exercise = exercises_mod.load(args.slug)
    target = Path(args.dir or exercise.slug)
    workspace.start(exercise, target)
    console = _console()
    console.print(
        f"[green]✓[/] {escape(exercise.title)}: your workspace is [bold]{escape(str(target))}[/]"
    )
    console.print(
        escape(f"Read {target / 'README.md'}, edit the TODOs, then run `sandbox check {target}`.")
    )
    return OK


def _resolve_target(args: argparse.Namespace) -> tuple[exercises_mod.Exercise, Path]:
    """What to grade: DIR against --exercise, or else the workspace DIR is in (its root)."""
    folder = Path(args.dir or ".")
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder")
    if args.exercise:
        return exercises_mod.load(args.exercise), folder
    ws = workspace.find(folder)
    if ws is None:
        raise UsageError(
            f"{folder} is not a sandbox workspace; name the exercise with --exercise SLUG "
            "or start one with `sandbox start SLUG`"
        )
    return exercises_mod.load(ws.exercise), ws.path


def cmd_check(args: argparse.Namespace) -> int:
    exercise, folder = _resolve_target(args)
    runner = make_runner(args)
    if args.json:
        result = runner.run(Job(exercise, folder, folder.resolve().name))
    else:
        with _err().status(f"grading {folder} against {exercise.slug}…"):
            result = runner.run(Job(exercise, folder, folder.resolve().name))
    if not result.infrastructure:  # our failure is not the learner's attempt
        workspace.Progress.load().record(result)
    if args.json:
        print(result.to_json())
    else:
        _terminal().render_result(_console(), result)
    return _result_code(result)


def _result_code(result: Result) -> int:
    if result.infrastructure:
        return INFRA
    return OK if result.status is Status.PASS and result.score >= result.max_score else BELOW


def cmd_hint(args: argparse.Namespace) -> int:
    folder = Path(args.dir or ".")
    ws = workspace.find(folder)
    if ws is None:
        raise UsageError(
            f"{folder} is not a sandbox workspace; start one with `sandbox start SLUG`"
        )
    exercise = exercises_mod.load(ws.exercise)
    hint = workspace.next_hint(ws, exercise)
    console = _console()
    if hint is None:
        console.print(
            f"No more hints: all {len(exercise.hints)} are shown above. Re-read README.md."
        )
        for i, text in enumerate(exercise.hints, 1):
            console.print(f"  {i}. {escape(text)}")
    else:
        n, text = hint
        console.print(f"[bold]Hint {n}/{len(exercise.hints)}:[/] {escape(text)}")
    return OK


def cmd_progress(args: argparse.Namespace) -> int:
    _terminal().render_list(_console(), exercises_mod.load_all(), workspace.Progress.load().entries)
    return OK


def cmd_verify(args: argparse.Namespace) -> int:
    from sandbox.verify import MutantOptions, as_document, verify

    chosen = [exercises_mod.load(s) for s in args.slugs] if args.slugs else exercises_mod.load_all()
    runner = make_runner(args)
    jobs = args.jobs or os.cpu_count() or 1
    mutants = MutantOptions(args.seed, args.max_mutants) if args.mutants else None
    if args.json:
        checks = verify(chosen, runner, jobs=jobs, mutants=mutants)
    else:
        with _err().status(f"verifying {len(chosen)} exercises…"):
            checks = verify(chosen, runner, jobs=jobs, mutants=mutants)
    if args.junit:
        from sandbox.reports.junit import to_junit

        suites = [
            (f"{c.exercise.slug}/{kind}", r)
            for c in checks
            for kind, r in (("solution", c.solution), ("starter", c.starter))
        ]
        Path(args.junit).write_text(to_junit(suites), encoding="utf-8")
    if args.json:
        print(json.dumps(as_document(checks), indent=2))
    else:
        _terminal().render_verify(_console(), checks)
    if any(c.infrastructure for c in checks):
        return INFRA
    return OK if all(c.ok for c in checks) else BELOW


def cmd_doctor(args: argparse.Namespace) -> int:
    from sandbox import images
    from sandbox.docker_client import connect

    console = _console()
    try:
        client = connect(timeout=10)
    except SandboxError as exc:
        console.print(f"[red]✗[/] Docker: {exc}")
        return INFRA
    version = client.version().get("Version", "?")
    runtimes = ", ".join(sorted(client.info().get("Runtimes", {})))
    console.print(f"[green]✓[/] Docker engine {version} (runtimes: {runtimes})")
    states = images.status(client)
    _terminal().render_images(console, states)
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

    client = connect()
    console = _console()
    if args.action == "build":
        tag = images.ensure_runner(client, lambda msg: console.print(f"[dim]images: {msg}[/]"))
        console.print(f"[green]✓[/] runner image {tag} is current")
    elif args.action == "prune":
        removed = images.prune(client)
        console.print(f"[green]✓[/] removed {len(removed)} stale image tag(s)")
    _terminal().render_images(console, images.status(client))
    return OK


# -- parser ------------------------------------------------------------------------------------


def _runner_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--runner",
        choices=["docker", "local"],
        default="docker",
        help="where to grade: a hardened container (default) or on this host (no isolation)",
    )
    p.add_argument(
        "--isolation",
        choices=["runc", "gvisor"],
        default=os.environ.get("SANDBOX_ISOLATION", "runc"),
        help="container runtime: runc (default) or gvisor (runsc, stronger, slower)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sandbox",
        description="Backend Sandbox: hands-on backend "
        "exercises, graded in hardened Docker containers.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands: dict[str, Callable[[argparse.Namespace], int]] = {}

    def add(
        name: str, func: Callable[[argparse.Namespace], int], help_text: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        commands[name] = func
        return p

    p = add("list", cmd_list, "List the exercises, with your best score on each.")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = add(
        "start", cmd_start, "Start an exercise: copy its starter app and README into a workspace."
    )
    p.add_argument("slug", help="exercise name (see `sandbox list`)")
    p.add_argument("dir", nargs="?", help="workspace folder (default: ./SLUG)")

    p = add("check", cmd_check, "Grade a workspace, or any folder with --exercise.")
    p.add_argument("dir", nargs="?", help="folder to grade (default: .)")
    p.add_argument("--exercise", help="exercise to grade against (default: the workspace's)")
    p.add_argument("--json", action="store_true", help="print the result document as JSON")
    _runner_options(p)

    p = add("hint", cmd_hint, "Show the next hint for a workspace's exercise.")
    p.add_argument("dir", nargs="?", help="workspace folder (default: .)")

    add("progress", cmd_progress, "Show your best score on every exercise.")

    p = add(
        "verify",
        cmd_verify,
        "Check every reference solution scores full marks and every starter less.",
    )
    p.add_argument("slugs", nargs="*", help="exercises (default: all)")
    p.add_argument("--json", action="store_true", help="print a JSON report")
    p.add_argument("--junit", metavar="FILE", help="also write JUnit XML to FILE")
    p.add_argument("-j", "--jobs", type=int, help="parallel jobs (default: number of cores)")
    p.add_argument("--mutants", action="store_true", help="also measure the grader with mutants")
    p.add_argument("--seed", type=int, default=0, help="which mutants --max-mutants samples")
    p.add_argument("--max-mutants", type=int, metavar="N", help="at most N mutants per exercise")
    _runner_options(p)

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

    _register_extra(add)
    return parser


def _register_extra(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Commands living in their own modules (batch grading) register here."""
    from sandbox.batch_cli import register

    register(add)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except SandboxError as exc:
        _err().print(f"[bold red]error:[/] {escape(str(exc))}", markup=True, highlight=False)
        return exc.exit_code
    except Exception as exc:  # a bug of ours: one clear line, the traceback only on request
        if os.environ.get("SANDBOX_DEBUG"):
            raise
        _err().print(
            f"[bold red]internal error:[/] {escape(f'{type(exc).__name__}: {exc}')}\n"
            "This is a bug in Backend Sandbox, not in your code. Rerun with SANDBOX_DEBUG=1 "
            "for the traceback and report it."
        )
        return INFRA
    except KeyboardInterrupt:
        _err().print("[yellow]interrupted[/]")
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
