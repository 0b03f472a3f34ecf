"""The learner's commands: list, start, check, hint, progress."""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path
from types import ModuleType

from sandbox import exercises as exercises_mod
from sandbox import submissions, workspace
from sandbox.cli import common
from sandbox.cli.common import OK, AddCommand, escape
from sandbox.errors import SubmissionRejected, UsageError
from sandbox.results import Result
from sandbox.runners import Job, Runner
from sandbox.runners.finalize import RunEnd, rejected


def _terminal() -> ModuleType:
    from sandbox.reports import terminal

    return terminal


def register(add: AddCommand) -> None:
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
    common.runner_options(p)

    p = add("hint", cmd_hint, "Show the next hint for a workspace's exercise.")
    p.add_argument("dir", nargs="?", help="workspace folder (default: .)")

    add("progress", cmd_progress, "Show your best score on every exercise.")


def cmd_list(args: argparse.Namespace) -> int:
    items = exercises_mod.load_all()
    learning = exercises_mod.load_path()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "slug": e.slug,
                        "id": e.id,
                        "track": e.track,
                        "title": e.title,
                        "summary": e.summary,
                        "topics": list(e.topics),
                        "difficulty": e.difficulty,
                        "estimated_minutes": e.estimated_minutes,
                        "prerequisites": list(e.prerequisites),
                        "points": e.points,
                    }
                    for e in items
                ],
                indent=2,
            )
        )
        return OK
    _terminal().render_list(common.console(), items, workspace.Progress.load().entries, learning)
    return OK


def cmd_start(args: argparse.Namespace) -> int:
    exercise = exercises_mod.load(args.slug)
    target = Path(args.dir or exercise.slug)
    workspace.start(exercise, target)
    console = common.console()
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


def grade_folder(runner: Runner, exercise: exercises_mod.Exercise, folder: Path) -> Result:
    """Grade a folder as the batch grades a submission: through intake first, so what it refuses
    is `rejected` with its reason, never our failure."""
    import time

    started = time.monotonic()
    name = folder.resolve().name
    with tempfile.TemporaryDirectory(prefix="sandbox-check-") as staging:
        job = Job(exercise, folder, name)
        try:
            staged = submissions.stage_folder_copy(folder, Path(staging))
        except SubmissionRejected as exc:
            return rejected(job, str(exc), RunEnd(started), runner=runner.name)
        try:
            return runner.run(Job(exercise, staged, name))
        finally:
            shutil.rmtree(staged, ignore_errors=True)


def cmd_check(args: argparse.Namespace) -> int:
    exercise, folder = _resolve_target(args)
    runner = common.make_runner(args)
    if args.json:
        result = grade_folder(runner, exercise, folder)
    else:
        with common.err_console().status(f"grading {folder} against {exercise.slug}…"):
            result = grade_folder(runner, exercise, folder)
    if not result.infrastructure:  # our failure is not the learner's attempt
        workspace.Progress.load().record(result)
    view = result.learner_view()
    if args.json:
        print(view.to_json())
    else:
        _terminal().render_result(common.console(), view)
    return common.result_code(result)


def cmd_hint(args: argparse.Namespace) -> int:
    folder = Path(args.dir or ".")
    ws = workspace.find(folder)
    if ws is None:
        raise UsageError(
            f"{folder} is not a sandbox workspace; start one with `sandbox start SLUG`"
        )
    exercise = exercises_mod.load(ws.exercise)
    hint = workspace.next_hint(ws, exercise)
    console = common.console()
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
    _terminal().render_list(
        common.console(),
        exercises_mod.load_all(),
        workspace.Progress.load().entries,
        exercises_mod.load_path(),
    )
    return OK
