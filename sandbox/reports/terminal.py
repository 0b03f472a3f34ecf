"""Terminal output with rich. Every function takes the console: tests inject a StringIO one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sandbox.results import Result, Status, TestResult, TestStatus

if TYPE_CHECKING:
    from sandbox.exercises import Exercise, LearningPath
    from sandbox.images import ImageState
    from sandbox.verify import Verification
    from sandbox.workspace import Progress

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
            console.print(f"\n[bold]First failure:[/] {escape(first.description or first.name)}")
            console.print(escape(first.message))
            render_transcript(console, first)
    elif result.status is not Status.PASS:
        console.print("\n" + escape(result.message))
    console.print(f"\n[dim]{result.status.info.next_step}[/]")


def render_transcript(console: Console, test: TestResult) -> None:
    """The failing test's last requests, curl-like: `>` sent, `<` received."""
    if not test.transcript:
        return
    n = len(test.transcript)
    console.print(f"\n[bold]The last {n} request{'s' if n > 1 else ''} of this test:[/]")
    for exchange in test.transcript:
        for line in exchange.lines():
            style = "cyan" if line.startswith(">") else "magenta"
            console.print(f"[{style}]{escape(line)}[/]", soft_wrap=True)
        console.print()


STATE_MARK = {"done": "[green]✓[/]", "started": "[yellow]…[/]", "new": " "}
STATE_MARK_ASCII = {"done": "[green]+[/]", "started": "[yellow]~[/]", "new": " "}


def plain_terminal(console: Console) -> bool:
    """True when the terminal cannot show Unicode marks and box art."""
    return not (console.encoding or "").lower().replace("-", "").startswith("utf")


def progress_bar(done: int, total: int, width: int = 24, ascii_only: bool = False) -> str:
    filled = round(width * done / total) if total else 0
    full, empty = ("#", "-") if ascii_only else ("█", "░")
    return f"[green]{full * filled}[/][dim]{empty * (width - filled)}[/] {done}/{total} done"


def render_list(
    console: Console,
    exercises: list[Exercise],
    progress: Progress,
    learning: LearningPath | None = None,
) -> None:
    """The learning path, track by track, with done / started / new and an overall bar; one
    line per exercise at 80 columns (time and topics only where there is room for them)."""
    ascii_only = plain_terminal(console)
    marks = STATE_MARK_ASCII if ascii_only else STATE_MARK
    by_slug = {ex.slug: ex for ex in exercises}
    groups: list[tuple[str, list[Exercise]]] = []
    for track in learning.tracks if learning else ():
        groups.append((track.title, [by_slug[s] for s in track.exercises if s in by_slug]))
    placed = {ex.slug for _, members in groups for ex in members}
    rest = [ex for ex in exercises if ex.slug not in placed]
    if rest:
        groups.append(("Not in the learning path" if groups else "Exercises", rest))
    roomy, wide = console.width >= 100, console.width >= 130
    table = Table(box=box.ASCII if ascii_only else box.SIMPLE_HEAD, pad_edge=False, expand=True)
    table.add_column("", no_wrap=True, width=1)
    table.add_column("#", no_wrap=True)
    table.add_column("slug", no_wrap=True)
    table.add_column("title", ratio=2, overflow="ellipsis", no_wrap=True, min_width=12)
    table.add_column("level", no_wrap=True)
    if wide:
        table.add_column("topics", ratio=1, overflow="ellipsis", no_wrap=True, min_width=10)
    if roomy:
        table.add_column("time", justify="right", no_wrap=True)
    table.add_column("best/pts", justify="right", no_wrap=True)
    blank = [""] * (3 + wide + roomy)
    for number, (title, members) in enumerate(groups, start=1):
        table.add_row("", "", "", f"[bold]{number}. {escape(title)}[/]", *blank)
        for position, ex in enumerate(members, start=1):
            entry = progress.entry(ex)
            best = f"{entry.get('best_score', 0):g}" if entry else "–"
            cells = [marks[progress.state(ex)], f"{number}.{position}", ex.slug]
            cells += [escape(ex.title), ex.difficulty]
            cells += [escape(", ".join(ex.topics))] if wide else []
            cells += [f"{ex.estimated_minutes} min"] if roomy else []
            table.add_row(*cells, f"{best}/{ex.points:g}")
        if not members:
            table.add_row("", "", "", "[dim](coming soon)[/]", *blank)
    console.print(table)
    done = sum(1 for ex in exercises if progress.done(ex))
    console.print(f"Progress {progress_bar(done, len(exercises), ascii_only=ascii_only)}")
    following = next((ex for ex in exercises if not progress.done(ex)), None)
    if following is not None:
        console.print(
            f"[dim]Next: {escape(following.slug)} — `sandbox next` starts it; "
            "`sandbox list --json` has it all.[/]"
        )


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
