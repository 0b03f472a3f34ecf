"""Staff's commands about exercises: `verify` them, scaffold a `new` one, write the `catalog`."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from sandbox import exercises
from sandbox.cli import common
from sandbox.cli.common import BELOW, INFRA, OK, AddCommand

if TYPE_CHECKING:
    pass

# Only `register` runs on every command: what a command needs loads when it runs.


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
