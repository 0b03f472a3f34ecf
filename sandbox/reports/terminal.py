"""Terminal output with rich. Every function takes the console: tests inject a StringIO one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sandbox.results import Result, Status, TestStatus

if TYPE_CHECKING:
    from sandbox.exercises import Exercise
    from sandbox.images import ImageState
    from sandbox.verify import Verification

MARKS = {
    TestStatus.PASSED: "[green]✓[/]",
    TestStatus.FAILED: "[red]✗[/]",
    TestStatus.ERROR: "[red]![/]",
    TestStatus.NOT_RUN: "[yellow]–[/]",
}
STATUS_STYLE = {
    Status.PASS: "bold green",
    Status.FAIL: "bold red",
    Status.ERROR: "bold magenta",
    Status.TIMEOUT: "bold yellow",
    Status.OOM: "bold yellow",
    Status.REJECTED: "bold magenta",
    Status.MISSING: "dim",
}
NEXT_STEP = {
    Status.PASS: "Full marks. `sandbox list` shows what to try next.",
    Status.FAIL: "Fix the first failing test, then run `sandbox check` again; `sandbox hint` helps.",
    Status.ERROR: "Run your app by hand (`flask --app app run`) and fix what stops it, then check again.",
    Status.TIMEOUT: "Look for a loop that never ends or a call that blocks forever, then check again.",
    Status.OOM: "Look for data that grows without bound or a huge allocation, then check again.",
    Status.REJECTED: "Fix the submission as the message says, then submit again.",
    Status.MISSING: "Nothing was submitted.",
}


def status_text(status: Status) -> str:
    return f"[{STATUS_STYLE[status]}]{status.value.upper()}[/]"


def render_result(console: Console, result: Result) -> None:
    table = Table(title=f"{result.exercise}", show_lines=False, expand=False)
    table.add_column("", width=1)
    table.add_column("test")
    table.add_column("points", justify="right")
    for t in result.tests:
        label = "(hidden test)" if t.hidden else escape(t.description or t.name)
        table.add_row(MARKS[t.status], label, f"{t.score:g}/{t.max_score:g}")
    if result.tests:
        console.print(table)
    console.print(
        f"{status_text(result.status)}  score {result.score:g}/{result.max_score:g}"
        f"  ({result.duration_s:.1f} s, {escape(result.runner or '?')})"
    )
    first = result.first_failure()
    if result.status in (Status.FAIL,) and first is not None:
        if first.hidden:
            console.print("\n[bold]First failure:[/] a hidden test. Re-read the README's contract.")
        else:
            console.print(f"\n[bold]First failure:[/] {escape(first.name)}")
            console.print(escape(first.message))
    elif result.status is not Status.PASS:
        console.print("\n" + escape(result.message))
    console.print(f"\n[dim]{NEXT_STEP[result.status]}[/]")


def render_list(
    console: Console, exercises: list[Exercise], progress: dict[str, dict[str, object]]
) -> None:
    table = Table(title="Exercises")
    for col in ("slug", "title", "difficulty", "topics", "points", "best"):
        table.add_column(col)
    for ex in exercises:
        entry = progress.get(ex.slug)
        best = f"{entry.get('best_score', 0):g}/{ex.points:g}" if entry else "–"
        table.add_row(
            ex.slug, escape(ex.title), ex.difficulty, ", ".join(ex.topics), f"{ex.points:g}", best
        )
    console.print(table)
    console.print("[dim]Start one with `sandbox start SLUG`.[/]")


def render_verify(console: Console, checks: list[Verification]) -> None:
    table = Table(title="Verification: solutions must score full marks, starters less")
    measured = any(c.mutation for c in checks)
    for col in ("exercise", "solution", "starter", "examples", *(["mutants"] if measured else [])):
        table.add_column(col)
    table.add_column("ok")
    for c in checks:
        good = sum(1 for o in c.examples if not o.problems())
        row = [
            c.exercise.slug,
            f"{status_text(c.solution.status)} {c.solution.score:g}/{c.solution.max_score:g}",
            f"{status_text(c.starter.status)} {c.starter.score:g}/{c.starter.max_score:g}",
            f"{good}/{len(c.examples)} as expected" if c.examples else "[dim]none[/]",
        ]
        if measured:
            m = c.mutation
            row.append(f"{m.caught}/{m.tested} caught ({m.score:.0%})" if m else "–")
        table.add_row(*row, "[green]✓[/]" if c.ok else "[red]✗[/]")
    console.print(table)
    for c in checks:
        for problem in c.problems():
            console.print(f"[red]✗ {c.exercise.slug}:[/] {escape(problem)}")
        if c.mutation and c.mutation.survivors and c.mutation.ok:
            for mutant in c.mutation.survivors:
                console.print(f"[yellow]survivor {c.exercise.slug}:[/] {escape(str(mutant))}")


def render_images(console: Console, states: list[ImageState]) -> None:
    table = Table(title="Images")
    table.add_column("role")
    table.add_column("tag", no_wrap=True)
    for col in ("built", "size", "stale tags"):
        table.add_column(col)
    for s in states:
        table.add_row(
            s.role,
            s.tag,
            "[green]yes[/]" if s.exists else "[red]no[/]",
            f"{s.size_mb:g} MB" if s.size_mb else "–",
            str(len(s.stale)) if s.stale else "–",
        )
    console.print(table)
    stale = [tag for s in states for tag in s.stale]
    if stale:
        console.print(f"[dim]Stale (safe to remove with `docker rmi`): {' '.join(stale)}[/]")
