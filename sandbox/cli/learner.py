"""The learner's commands: list, start, next, check, hint, reset, solution, progress."""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

from sandbox import exercises as exercises_mod
from sandbox import submissions, workspace
from sandbox.cli import common
from sandbox.cli.common import BELOW, OK, AddCommand, escape
from sandbox.errors import SubmissionRejected, UsageError
from sandbox.exercises import Exercise
from sandbox.results import Result
from sandbox.runners import Job, Preparing, Runner
from sandbox.runners.finalize import RunEnd, rejected


def _terminal() -> ModuleType:
    from sandbox.reports import terminal

    return terminal


def register(add: AddCommand) -> None:
    p = add("list", cmd_list, "The learning path, track by track, with your progress.")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = add(
        "start", cmd_start, "Start an exercise: copy its starter app and README into a workspace."
    )
    p.add_argument("slug", help="exercise name (see `sandbox list`)")
    p.add_argument(
        "dir",
        nargs="?",
        help="workspace folder (default: SLUG in ~/backend-sandbox, or $SANDBOX_WORKSPACES)",
    )

    add("next", cmd_next, "Start (or show) the next exercise of the learning path not done yet.")

    p = add("check", cmd_check, "Grade a workspace, or any folder with --exercise.")
    p.add_argument("dir", nargs="?", help="folder to grade (default: .)")
    p.add_argument("--exercise", help="exercise to grade against (default: the workspace's)")
    p.add_argument("--json", action="store_true", help="print the result document as JSON")
    common.runner_options(p)

    p = add(
        "watch",
        cmd_watch,
        "Re-grade a workspace on every save, on one screen (keys: h n l r x q); "
        "`sandbox` alone in a workspace does the same.",
    )
    p.add_argument("dir", nargs="?", help="workspace folder (default: .)")
    p.add_argument("--polling", action="store_true", help="scan for saves instead of file events")
    common.runner_options(p)

    p = add(
        "run",
        cmd_run,
        "Serve a workspace's app on 127.0.0.1 (for curl or a browser) in the grading image, "
        "until Ctrl-C.",
    )
    p.add_argument("dir", nargs="?", help="workspace folder (default: .)")
    p.add_argument("--exercise", help="exercise to serve it as (default: the workspace's)")
    p.add_argument("--port", type=int, default=5000, help="port on 127.0.0.1 (default: 5000)")
    common.runner_options(p, local=False)

    p = add("hint", cmd_hint, "Show the next hint for a workspace's exercise.")
    p.add_argument("dir", nargs="?", help="workspace folder (default: .)")

    p = add("reset", cmd_reset, "Put a workspace back to the starter (your files are backed up).")
    p.add_argument("dir", nargs="?", help="workspace folder (default: .)")
    p.add_argument("--yes", action="store_true", help="do not ask")

    p = add("solution", cmd_solution, "Show the reference solution, once you have passed.")
    p.add_argument("dir", nargs="?", help="workspace folder (default: .)")
    p.add_argument(
        "--force", action="store_true", help="show it before passing (noted in your progress)"
    )

    add("progress", cmd_progress, "Your progress on the learning path.")


def cmd_list(args: argparse.Namespace) -> int:
    items = exercises_mod.load_all()
    learning = exercises_mod.load_path()
    progress = workspace.Progress.load()
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
                        "progress": progress.state(e),
                    }
                    for e in items
                ],
                indent=2,
            )
        )
        return OK
    _terminal().render_list(common.console(), items, progress, learning)
    return OK


def _start(exercise: Exercise, target: Path | None) -> tuple[workspace.Workspace, bool]:
    """The learner's workspace of `exercise` (made now, or found), and whether it is new."""
    progress = workspace.Progress.load()
    if target is None:
        known = progress.workspace_of(exercise)
        if known is not None:
            ws = workspace.find(known)
            if ws is not None:
                return ws, False
        target = workspace.home() / exercise.slug
        existing = workspace.find(target) if target.is_dir() else None
        if existing is not None and existing.path == target and existing.exercise == exercise.slug:
            progress.started(exercise, existing)
            return existing, False
    ws = workspace.start(exercise, target)
    progress.started(exercise, ws)
    return ws, True


def _say_started(exercise: Exercise, ws: workspace.Workspace, new: bool) -> None:
    console = common.console()
    where = escape(str(ws.path))
    if new:
        console.print(f"[green]✓[/] {escape(exercise.title)}: your workspace is [bold]{where}[/]")
    else:
        console.print(f"{escape(exercise.title)}: your workspace is already [bold]{where}[/]")
    console.print(
        escape(
            f"Read {ws.path / 'README.md'}, edit the TODOs, then `sandbox watch {ws.path}` "
            f"(or `sandbox check {ws.path}`)."
        )
    )


def cmd_start(args: argparse.Namespace) -> int:
    exercise = exercises_mod.load(args.slug)
    ws, new = _start(exercise, Path(args.dir) if args.dir else None)
    _say_started(exercise, ws, new)
    return OK


def cmd_next(args: argparse.Namespace) -> int:
    exercise = workspace.next_exercise(exercises_mod.load_all())
    if exercise is None:
        common.console().print("[green]✓[/] Every exercise of the path is done. Well done!")
        return OK
    ws, new = _start(exercise, None)
    _say_started(exercise, ws, new)
    return OK


def _resolve_target(args: argparse.Namespace) -> tuple[Exercise, Path]:
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


def grade_folder(runner: Runner, exercise: Exercise, folder: Path, warm: object = None) -> Result:
    """Grade a folder as the batch grades a submission: through intake first, so what it refuses
    is `rejected` with its reason, never our failure. `warm`: a container the runner prepared."""
    started = time.monotonic()
    name = folder.resolve().name
    with tempfile.TemporaryDirectory(prefix="sandbox-check-") as staging:
        job = Job(exercise, folder, name)
        try:
            staged = submissions.stage_folder_copy(folder, Path(staging))
        except SubmissionRejected as exc:
            warm = _ready(warm)
            if warm is not None and isinstance(runner, Preparing):
                runner.discard(warm)
            return rejected(job, str(exc), RunEnd(started), runner=runner.name)
        warm = _ready(warm)
        try:
            if warm is not None and isinstance(runner, Preparing):
                return runner.run(Job(exercise, staged, name), warm=warm)
            return runner.run(Job(exercise, staged, name))
        finally:
            shutil.rmtree(staged, ignore_errors=True)


def _ready(warm: object) -> object:
    """A prepared container, waiting for it if it is still being started (a Future)."""
    from concurrent.futures import Future

    if not isinstance(warm, Future):
        return warm
    try:
        return warm.result()
    except Exception:  # no head start: the ordinary path reports any failure of the engine
        return None


def record(exercise: Exercise, folder: Path, result: Result) -> bool:
    """Count the attempt when `folder` is the learner's own workspace of `exercise`."""
    ws = workspace.own_workspace(folder, exercise)
    if ws is None or result.infrastructure:  # our failure is not the learner's attempt
        return False
    workspace.Progress.load().record(exercise, result, ws)
    return True


def _check_once(runner: Runner, exercise: Exercise, folder: Path) -> Result:
    """One check, its container started while the folder goes through intake (the container's
    start-up is the main cost: overlap it with ours)."""
    if not isinstance(runner, Preparing):
        return grade_folder(runner, exercise, folder)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return grade_folder(runner, exercise, folder, pool.submit(runner.prepare, exercise))


def cmd_check(args: argparse.Namespace) -> int:
    exercise, folder = _resolve_target(args)
    runner = common.make_runner(args)
    if args.json:
        result = _check_once(runner, exercise, folder)
    else:
        with common.err_console().status(f"grading {folder} against {exercise.slug}…"):
            result = _check_once(runner, exercise, folder)
    recorded = record(exercise, folder, result)
    view = result.learner_view()
    if args.json:
        print(view.to_json())
    else:
        _terminal().render_result(common.console(), view)
        if not recorded and not result.infrastructure:
            common.console().print(
                "[dim]Not counted in your progress: only your own workspaces are "
                "(`sandbox start` makes one).[/]"
            )
    return common.result_code(result)


def cmd_run(args: argparse.Namespace) -> int:
    from sandbox.runners.docker import DockerRunner

    exercise, folder = _resolve_target(args)
    if not 1 <= args.port <= 65535:
        raise UsageError("--port must be between 1 and 65535")
    runner = common.make_runner(args)
    if not isinstance(runner, DockerRunner):
        raise UsageError("`sandbox run` serves the app in the grading image: it needs Docker")
    with tempfile.TemporaryDirectory(prefix="sandbox-run-") as staging:
        try:
            staged = submissions.stage_folder_copy(folder, Path(staging))
        except SubmissionRejected as exc:
            raise UsageError(f"{folder} cannot be served: {exc}") from None
        console = common.err_console()
        console.print(
            f"Serving [bold]{escape(exercise.slug)}[/] from {escape(str(folder))} at "
            f"[bold]http://127.0.0.1:{args.port}/[/] (this machine only). Ctrl-C stops it."
        )
        signal.signal(signal.SIGTERM, _interrupted)  # stopped like Ctrl-C: the container goes too
        try:
            code = runner.serve(
                Job(exercise, staged, folder.resolve().name),
                args.port,
                lambda text: print(text, end="", flush=True),
            )
        except KeyboardInterrupt:
            console.print("stopped")
            return OK
    console.print(f"the app exited (code {code})")
    return OK if code == 0 else BELOW


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def cmd_watch(args: argparse.Namespace) -> int:
    from sandbox.watching.session import WatchSession

    ws, _ = _workspace(args)
    runner = common.make_runner(args)

    def start_workspace(exercise: Exercise) -> workspace.Workspace:
        return _start(exercise, None)[0]

    session = WatchSession(
        runner,
        ws,
        common.console(),
        grade=grade_folder,
        record=record,
        start_workspace=start_workspace,
        force_polling=args.polling,
    )
    return session.run()


def _workspace(args: argparse.Namespace) -> tuple[workspace.Workspace, Exercise]:
    folder = Path(args.dir or ".")
    ws = workspace.find(folder)
    if ws is None:
        raise UsageError(
            f"{folder} is not a sandbox workspace; start one with `sandbox start SLUG`"
        )
    return ws, exercises_mod.load(ws.exercise)


def cmd_hint(args: argparse.Namespace) -> int:
    ws, exercise = _workspace(args)
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


def cmd_reset(args: argparse.Namespace) -> int:
    ws, exercise = _workspace(args)
    console = common.console()
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(
                "reset discards your changes (after a backup); pass --yes to do it without asking"
            )
        answer = console.input(
            f"Put [bold]{escape(str(ws.path))}[/] back to the starter? Your files are backed up "
            "first. [y/N] "
        )
        if answer.strip().lower() not in ("y", "yes"):
            console.print("Nothing changed.")
            return OK
    backup = workspace.reset(ws, exercise)
    console.print(f"[green]✓[/] {escape(str(ws.path))} is the starter again.")
    console.print(f"Your files were copied to [bold]{escape(str(backup))}[/]")
    return OK


def cmd_solution(args: argparse.Namespace) -> int:
    _, exercise = _workspace(args)
    progress = workspace.Progress.load()
    console = common.console()
    if not progress.done(exercise) and not args.force:
        console.print(
            "The reference solution opens once you have passed this exercise: keep going, "
            "`sandbox hint` helps. (`sandbox solution --force` shows it now, and your progress "
            "notes that you looked.)"
        )
        return BELOW
    progress.saw_solution(exercise, forced=not progress.done(exercise))
    files = sorted(
        p for p in exercise.solution.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    )
    for path in files:
        rel = path.relative_to(exercise.solution)
        console.rule(f"[bold]{escape(str(rel))}[/]")
        console.print(escape(path.read_text(encoding="utf-8", errors="replace")), soft_wrap=True)
    console.print(f"[dim]{len(files)} file(s) of the reference solution of {exercise.slug}.[/]")
    return OK


def cmd_progress(args: argparse.Namespace) -> int:
    _terminal().render_list(
        common.console(),
        exercises_mod.load_all(),
        workspace.Progress.load(),
        exercises_mod.load_path(),
    )
    return OK
