"""Staff's commands: `grade` a folder of submissions, `verify` the exercises themselves."""

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
from sandbox.cli.common import BELOW, INFRA, INTERRUPTED, OK, AddCommand
from sandbox.errors import UsageError
from sandbox.results import Status

if TYPE_CHECKING:
    from rich.console import Console

    from sandbox.batch import Batch, Finished, Summary

# Only `register` runs on every command: rich and the batch engine load when `grade` runs.


def register(add: AddCommand) -> None:
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
    common.runner_options(p)

    p = add(
        "new",
        cmd_new,
        "Scaffold a new exercise, its grader and its examples, wired into the learning path.",
    )
    p.add_argument("slug", help="the new exercise's name (lowercase letters, digits, -)")
    p.add_argument("--track", required=True, help="the learning path's track it joins")

    p = add(
        "catalog",
        cmd_catalog,
        "Print the course's catalog (Markdown), or --write docs/catalog.md and the README's.",
    )
    p.add_argument("--write", action="store_true", help="regenerate the files instead of printing")

    p = add(
        "grade",
        cmd_grade,
        "Grade a folder of submissions (folders, .zip, .tar.gz): gradebook, "
        "per-student results, Gradescope, JUnit and an HTML report in OUTDIR.",
    )
    p.add_argument("slug", help="exercise name")
    p.add_argument("submissions", help="folder with one entry per student")
    p.add_argument("-o", "--outdir", required=True, help="where the outputs go (resumable)")
    p.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="submissions graded in parallel (default: number of cores)",
    )
    p.add_argument(
        "--roster", help="CSV with a `student` column: adds `missing` rows, flags strangers"
    )
    p.add_argument(
        "--regrade", action="store_true", help="grade again even what an earlier run finished"
    )
    p.add_argument("--json", action="store_true", help="print a JSON summary (and no progress bar)")
    common.runner_options(p, local=False)


def cmd_catalog(args: argparse.Namespace) -> int:
    from sandbox import catalog

    items, learning = exercises.load_all(), exercises.load_path()
    if not args.write:
        print(catalog.table(items, learning), end="")
        return OK
    changed = catalog.write(exercises.project_root(), items, learning)
    for path in changed:
        common.console().print(f"[green]✓[/] rewrote {common.escape(str(path))}")
    if not changed:
        common.console().print("[green]✓[/] the catalog is current")
    return OK


def cmd_new(args: argparse.Namespace) -> int:
    from sandbox.scaffold import TODO, new_exercise

    root = exercises.project_root()
    written = new_exercise(root, args.slug, args.track)
    console = common.console()
    console.print(f"[green]✓[/] {args.slug}: {len(written)} files written or updated:")
    for path in written:
        console.print(f"  {common.escape(str(path))}")
    console.print(
        common.escape(
            f"Fill in every {TODO} (docs/authoring.md explains each part), then run "
            f"`sandbox verify {args.slug}` until it is clean."
        )
    )
    return OK


def cmd_verify(args: argparse.Namespace) -> int:
    from sandbox.lint import lint, lint_all
    from sandbox.verify import MutantOptions, as_document, verify

    learning = exercises.load_path()
    if args.slugs:
        chosen = [exercises.load(s, learning=learning) for s in args.slugs]
        problems = [p for e in chosen for p in lint(e, learning)]
    else:
        chosen = exercises.load_all()
        problems = lint_all(chosen, learning)
    runner = common.make_runner(args)
    jobs = args.jobs or os.cpu_count() or 1
    mutants = MutantOptions(args.seed, args.max_mutants) if args.mutants else None
    if args.json:
        checks = verify(chosen, runner, jobs=jobs, mutants=mutants)
    else:
        with common.err_console().status(f"verifying {len(chosen)} exercises…"):
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
        doc = as_document(checks)
        doc["lint"] = [str(p) for p in problems]
        doc["ok"] = doc["ok"] and not problems
        print(json.dumps(doc, indent=2))
    else:
        from sandbox.reports.terminal import render_verify

        render_verify(common.console(), checks)
        console = common.console()
        for problem in problems:
            console.print(f"[red]✗ lint:[/] {common.escape(str(problem))}", soft_wrap=True)
        if not problems:
            console.print(f"[green]✓[/] lint: {len(chosen)} exercises meet the standard's shape")
    if any(c.infrastructure for c in checks):
        return INFRA
    return OK if all(c.ok for c in checks) and not problems else BELOW


def cmd_grade(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape

    from sandbox.batch import Batch, Options, check_outdir

    exercise = exercises.load(args.slug)
    subs, outdir = Path(args.submissions), Path(args.outdir)
    if not subs.is_dir():
        raise UsageError(f"{subs} is not a folder of submissions")
    if args.jobs < 1:
        raise UsageError("-j must be at least 1")
    check_outdir(outdir, subs)
    err = Console(stderr=True, highlight=False)
    runner = common.make_runner(args, lambda msg: err.print(f"[dim]{escape(msg)}[/]"))
    batch = Batch(
        exercise,
        subs,
        outdir,
        runner,
        Options(
            jobs=args.jobs, regrade=args.regrade, roster=Path(args.roster) if args.roster else None
        ),
    )
    total = len(batch.plan().students)
    interactive = err.is_terminal and not args.json
    started = time.monotonic()
    try:
        if interactive:
            summary = _with_progress(batch, err, total)
        else:
            summary = batch.run(lambda ev: _plain_line(ev, sys.stderr))
    except KeyboardInterrupt:
        saved = len(list(batch.results_dir.glob("*.json")))
        err.print(
            f"[yellow]interrupted:[/] {saved} results are saved in {escape(str(batch.results_dir))}; "
            "run the same command again to grade the rest.",
            soft_wrap=True,
        )
        return INTERRUPTED
    elapsed = time.monotonic() - started
    if args.json:
        print(json.dumps(_summary_doc(summary, elapsed), indent=2))
    else:
        _render_summary(Console(highlight=False), summary, elapsed)
    return INFRA if summary.infrastructure_errors else OK


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


def _plain_line(ev: Finished, stream: object) -> None:
    r = ev.result
    print(
        f"{r.status.value:<8} {ev.student} {r.score:g}/{r.max_score:g}"
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


def _render_summary(console: Console, summary: Summary, elapsed: float) -> None:
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
    console.print(
        f"Report: [bold]{summary.outdir / 'report.html'}[/]  "
        f"Gradebook: {summary.outdir / 'gradebook.csv'}"
    )
