"""`sandbox grade`: a class (one exercise's folder of submissions) or a whole course, on this
machine's Docker or through `sandbox worker`s on a broker; progress as results arrive."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from sandbox import exercises
from sandbox.cli import common
from sandbox.cli.common import INFRA, INTERRUPTED, OK, AddCommand
from sandbox.errors import BrokerUnavailable, UsageError
from sandbox.results import Status

if TYPE_CHECKING:
    from rich.console import Console

    from sandbox.batch import Batch, Finished, Options, Summary
    from sandbox.course import CourseSummary
    from sandbox.runners import Runner

BROKER_IN_FLIGHT = 64  # jobs sent at once through a broker: enough to keep many workers busy


def register(add: AddCommand) -> None:
    p = add(
        "grade",
        cmd_grade,
        "Grade a folder of submissions (folders, .zip, .tar.gz) — or, with --course, a folder of "
        "exercise folders: gradebook, per-student results, Gradescope, JUnit and an HTML report "
        "in OUTDIR.",
    )
    p.add_argument("slug", nargs="?", help="exercise name (not with --course)")
    p.add_argument(
        "submissions", nargs="?", help="folder with one entry per student (not with --course)"
    )
    p.add_argument(
        "--course",
        metavar="ROOT",
        help="grade every exercise folder under ROOT (<slug>/<student>…) and add a course "
        "gradebook (course-gradebook.csv, course.html)",
    )
    p.add_argument("-o", "--outdir", required=True, help="where the outputs go (resumable)")
    p.add_argument(
        "-j",
        "--jobs",
        type=int,
        help="submissions graded in parallel (default: number of cores)",
    )
    p.add_argument(
        "--roster", help="CSV with a `student` column: adds `missing` rows, flags strangers"
    )
    p.add_argument(
        "--regrade", action="store_true", help="grade again even what an earlier run finished"
    )
    p.add_argument("--json", action="store_true", help="print a JSON summary (and no progress bar)")
    p.add_argument(
        "--broker",
        metavar="URL",
        help="grade on `sandbox worker`s through this Redis (redis://[:PASSWORD@]HOST:PORT/DB, "
        "or rediss:// for TLS); -j is then how many jobs are in flight (default 64)",
    )
    common.runner_options(p, local=False)


def cmd_grade(args: argparse.Namespace) -> int:
    from rich.console import Console

    from sandbox.batch import Options, check_outdir

    if args.course and (args.slug or args.submissions):
        raise UsageError("--course ROOT grades every exercise under ROOT: give no SLUG SUBMISSIONS")
    if not args.course and not (args.slug and args.submissions):
        raise UsageError("give SLUG SUBMISSIONS (one exercise) or --course ROOT (a whole course)")
    if args.broker:
        from sandbox.distributed.settings import check_url

        check_url(args.broker)
    subs, outdir = Path(args.course or args.submissions), Path(args.outdir)
    if not subs.is_dir():
        raise UsageError(f"{subs} is not a folder of submissions")
    if args.jobs is None:
        args.jobs = BROKER_IN_FLIGHT if args.broker else os.cpu_count() or 1
    if args.jobs < 1:
        raise UsageError("-j must be at least 1")
    check_outdir(outdir, subs)
    exercise = None if args.course else exercises.load(args.slug)
    err = Console(stderr=True, highlight=False)
    runner = _runner(args, err)
    options = Options(
        jobs=args.jobs, regrade=args.regrade, roster=Path(args.roster) if args.roster else None
    )
    started = time.monotonic()
    if exercise is None:  # each batch removes what it started (prepared containers included)
        return _grade_course(args, subs, outdir, runner, options, err, started)
    return _grade_class(args, exercise, subs, outdir, runner, options, err, started)


def _runner(args: argparse.Namespace, err: Console) -> Runner:
    from rich.markup import escape

    if not args.broker:
        return common.make_runner(args, lambda msg: err.print(f"[dim]{escape(msg)}[/]"))
    from sandbox.distributed.coordinator import BrokerRunner
    from sandbox.distributed.settings import BrokerOptions, check_url, redact

    runner = BrokerRunner(BrokerOptions(check_url(args.broker)))
    if not runner.alive():
        raise BrokerUnavailable(
            f"no Redis answers at {redact(args.broker)}: start it, or check the URL and its password"
        )
    return runner


def _interrupted(err: Console, results_dir: Path) -> int:
    from rich.markup import escape

    saved = len(list(results_dir.glob("*.json")))
    err.print(
        f"[yellow]interrupted:[/] {saved} results are saved in {escape(str(results_dir))}; "
        "run the same command again to grade the rest.",
        soft_wrap=True,
    )
    return INTERRUPTED


def _grade_class(
    args: argparse.Namespace,
    exercise: exercises.Exercise,
    subs: Path,
    outdir: Path,
    runner: Runner,
    options: Options,
    err: Console,
    started: float,
) -> int:
    from rich.console import Console

    from sandbox.batch import Batch

    batch = Batch(exercise, subs, outdir, runner, options)
    total = len(batch.plan().students)
    try:
        if err.is_terminal and not args.json:
            summary = _with_progress(batch, err, total)
        else:
            summary = batch.run(lambda ev: _plain_line(ev, sys.stderr))
    except KeyboardInterrupt:
        return _interrupted(err, batch.results_dir)
    elapsed = time.monotonic() - started
    if args.json:
        print(json.dumps(_summary_doc(summary, elapsed), indent=2))
    else:
        _render_summary(Console(highlight=False), summary, elapsed)
    return INFRA if summary.infrastructure_errors else OK


def _grade_course(
    args: argparse.Namespace,
    root: Path,
    outdir: Path,
    runner: Runner,
    options: Options,
    err: Console,
    started: float,
) -> int:
    from rich.console import Console
    from rich.markup import escape

    from sandbox.course import grade_course, plan_course

    plan = plan_course(root)
    for name in plan.unknown:
        err.print(f"[yellow]skipped:[/] {escape(name)} names no exercise of this course")
    if plan.missing:
        err.print(f"[dim]no folder for: {escape(', '.join(plan.missing))}[/]", soft_wrap=True)
    current: list[Batch] = []

    def on_start(batch: Batch) -> None:
        current[:] = [batch]
        if not args.json:
            err.print(
                f"[bold]{escape(batch.exercise.slug)}[/]: {len(batch.plan().students)} students"
            )

    try:
        summary = grade_course(
            plan,
            outdir,
            runner,
            options,
            on_event=lambda slug, ev: _plain_line(ev, sys.stderr, prefix=f"{slug} "),
            on_start=on_start,
        )
    except KeyboardInterrupt:
        return _interrupted(err, current[0].results_dir if current else outdir)
    elapsed = time.monotonic() - started
    if args.json:
        print(json.dumps(_course_doc(summary, elapsed), indent=2))
    else:
        console = Console(highlight=False)
        for batch in summary.classes:
            console.print(f"[bold]{escape(batch.outdir.name)}[/]", end="")
            _render_summary(console, batch, elapsed, footer=False)
        console.print(
            f"\nCourse: [bold]{summary.outdir / 'course.html'}[/]  "
            f"Gradebook: {summary.outdir / 'course-gradebook.csv'}"
        )
    return INFRA if summary.infrastructure_errors else OK


def _course_doc(summary: CourseSummary, elapsed: float) -> dict[str, object]:
    return {
        "outdir": str(summary.outdir),
        "elapsed_s": round(elapsed, 2),
        "exercises": {batch.outdir.name: _summary_doc(batch, elapsed) for batch in summary.classes},
        "unknown_folders": summary.plan.unknown,
        "missing_exercises": summary.plan.missing,
        "infrastructure_errors": summary.infrastructure_errors,
        "outputs": {
            name: str(summary.outdir / name) for name in ("course-gradebook.csv", "course.html")
        },
    }


def _with_progress(batch: Batch, err: Console, total: int) -> Summary:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    failures = 0
    with Progress(
        TextColumn("[bold]grading[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failures]} not passed"),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    ) as progress:
        task = progress.add_task("grade", total=total, failures=0)

        def on_event(ev: Finished) -> None:
            nonlocal failures
            if ev.result.status is not Status.PASS:
                failures += 1
            progress.console.print(_line(ev))
            progress.update(task, advance=1, failures=failures)

        return batch.run(on_event)


def _line(ev: Finished) -> str:
    from rich.markup import escape

    from sandbox.reports.terminal import status_text

    r = ev.result
    note = " [dim](saved earlier)[/]" if ev.reused else ""
    reason = (
        ""
        if r.status.is_verdict
        else f"  [dim]{escape(r.message.splitlines()[0][:90] if r.message else '')}[/]"
    )
    return f"{status_text(r.status):>8} {escape(ev.student):<24} {r.score:g}/{r.max_score:g}{note}{reason}"


def _plain_line(ev: Finished, stream: object, prefix: str = "") -> None:
    r = ev.result
    print(
        f"{prefix}{r.status.value:<8} {ev.student} {r.score:g}/{r.max_score:g}"
        + (" (saved earlier)" if ev.reused else ""),
        file=stream,
        flush=True,
    )  # type: ignore[call-overload]


def _summary_doc(summary: Summary, elapsed: float) -> dict[str, object]:
    return {
        "outdir": str(summary.outdir),
        "students": len(summary.rows),
        "graded_now": summary.graded_now,
        "reused": summary.reused,
        "elapsed_s": round(elapsed, 2),
        "statuses": {s.value: summary.count(s) for s in Status if summary.count(s)},
        "infrastructure_errors": summary.infrastructure_errors,
        "not_on_roster": summary.plan.not_on_roster,
        "ignored_duplicates": summary.plan.duplicates,
        "outputs": {
            name: str(summary.outdir / name)
            for name in ("gradebook.csv", "results", "gradescope", "junit.xml", "report.html")
        },
    }


def _render_summary(
    console: Console, summary: Summary, elapsed: float, footer: bool = True
) -> None:
    from rich.markup import escape

    from sandbox.reports.terminal import status_text

    counts = ", ".join(f"{status_text(s)} {summary.count(s)}" for s in Status if summary.count(s))
    console.print(
        f"\n{len(summary.rows)} students in {elapsed:.1f} s "
        f"({summary.graded_now} graded now, {summary.reused} saved earlier): {counts}"
    )
    if summary.plan.not_on_roster:
        console.print(
            f"[yellow]Not on the roster:[/] {escape(', '.join(summary.plan.not_on_roster))}"
        )
    if summary.plan.duplicates:
        console.print(
            "[yellow]Ignored, same student id as another entry:[/] "
            + escape(", ".join(summary.plan.duplicates))
        )
    if summary.infrastructure_errors:
        console.print(
            f"[red]{summary.infrastructure_errors} could not be graded on our side;[/] "
            "rerun the same command to retry them."
        )
    if not footer:
        return
    console.print(
        f"Report: [bold]{summary.outdir / 'report.html'}[/]  "
        f"Gradebook: {summary.outdir / 'gradebook.csv'}"
    )
