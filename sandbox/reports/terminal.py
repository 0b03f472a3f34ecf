"""Terminal output with rich. Every function takes the console: tests inject a StringIO one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
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


def status_text(status: Status) -> str:
    return f"[{status.info.style}]{status.value.upper()}[/]"


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
    console.print(f"\n[dim]{result.status.info.next_step}[/]")


def render_list(
    console: Console, exercises: list[Exercise], progress: dict[str, dict[str, object]]
) -> None:
    """One line per exercise at 80 columns: topics only where there is room for them."""
    wide = console.width >= 110
    table = Table(title="Exercises", box=box.SIMPLE_HEAD, pad_edge=False, expand=True)
    table.add_column("slug", no_wrap=True)
    table.add_column("title", ratio=2, overflow="ellipsis", no_wrap=True, min_width=12)
    table.add_column("level", no_wrap=True)
    if wide:
        table.add_column("topics", ratio=1, overflow="ellipsis", no_wrap=True, min_width=10)
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("best", justify="right", no_wrap=True)
    for ex in exercises:
        entry = progress.get(ex.slug)
        best = f"{entry.get('best_score', 0):g}/{ex.points:g}" if entry else "–"
        cells = [ex.slug, escape(ex.title), ex.difficulty]
        if wide:
            cells.append(escape(", ".join(ex.topics)))
        table.add_row(*cells, f"{ex.points:g}", best)
    console.print(table)
    console.print("[dim]Start one with `sandbox start SLUG`.[/]")


def render_verify(console: Console, checks: list[Verification]) -> None:
    table = Table(title="Verification: solutions must score full marks, starters less")
    for col in ("exercise", "solution", "starter", "ok"):
        table.add_column(col)
    for c in checks:
        table.add_row(
            c.exercise.slug,
            f"{status_text(c.solution.status)} {c.solution.score:g}/{c.solution.max_score:g}",
            f"{status_text(c.starter.status)} {c.starter.score:g}/{c.starter.max_score:g}",
            "[green]✓[/]" if c.ok else "[red]✗[/]",
        )
    console.print(table)
    for c in checks:
        for problem in c.problems():
            console.print(f"[red]✗ {c.exercise.slug}:[/] {escape(problem)}")


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
