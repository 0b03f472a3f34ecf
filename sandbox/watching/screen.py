"""The watch screen: one frame, redrawn in place, that fits the terminal (80 columns up).

Everything here is a pure function of the session's state, so the screen is tested by rendering
it into a StringIO console; the tmux tests check the real terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.markup import escape
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from sandbox.exercises import Exercise, LearningPath
from sandbox.reports.terminal import MARKS, plain_terminal, progress_bar, status_text
from sandbox.results import Result, Status, TestStatus
from sandbox.workspace import Progress

ASCII_MARKS = {
    TestStatus.PASSED: "[green]ok[/]",
    TestStatus.FAILED: "[red]x[/]",
    TestStatus.ERROR: "[red]![/]",
    TestStatus.NOT_RUN: "[yellow]-[/]",
}
KEYS = "h hint · n next · l list · r re-run · x reset · q quit"


@dataclass
class WatchState:
    exercise: Exercise
    folder: str
    learning: LearningPath
    exercises: list[Exercise]
    progress: Progress
    watching: str = ""  # "inotify" / "polling (why)"
    result: Result | None = None  # the learner view of the last finished check
    checked_at: str = ""
    checking: bool = False
    changed: list[str] = field(default_factory=list)
    hint: str = ""
    notice: str = ""
    prompt: str = ""  # a question waiting for y/n
    list_open: bool = False
    list_input: str = ""

    @property
    def passed(self) -> bool:
        r = self.result
        return r is not None and r.status is Status.PASS and r.score >= r.max_score


def render(state: WatchState, console: Console) -> RenderableType:
    """The whole frame for `console` (its width and height decide what fits)."""
    if state.list_open:
        return _list(state, console)
    ascii_only = plain_terminal(console)
    height = max(console.height, 16)
    top = _header(state, ascii_only)
    bottom = _footer(state)
    room = height - _lines(console, top) - _lines(console, bottom) - 1
    body = _body(state, console, ascii_only, room)
    while len(body) > 1 and _lines(console, body) > room:
        body = [*body[:-2], body[-1]]  # drop detail lines from the end, keep the "…" marker
    frame = Group(*top, *body, *bottom)
    return _Ascii(frame) if ascii_only else frame


_TO_ASCII = str.maketrans(
    {"—": "-", "–": "-", "·": "|", "…": "...", "●": "*", "←": "<", "→": ">", "′": "'", "’": "'"}
)


class _Ascii:
    """A renderable's text with typography a plain terminal cannot show spelled in ASCII (any
    other character that is not ASCII becomes '?': the frame never fails to print)."""

    def __init__(self, inner: RenderableType) -> None:
        self.inner = inner

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for segment in console.render(self.inner, options):
            text = segment.text.translate(_TO_ASCII).encode("ascii", "replace").decode("ascii")
            yield Segment(text, segment.style, segment.control)


def _lines(console: Console, parts: list[RenderableType]) -> int:
    """How many terminal lines `parts` take at the console's width."""
    options = console.options.update(height=None)
    return sum(len(console.render_lines(p, options, pad=False)) for p in parts)


def _header(state: WatchState, ascii_only: bool) -> list[RenderableType]:
    ex = state.exercise
    track = next((t for t in state.learning.tracks if t.id == ex.track), None)
    where = ""
    if track is not None:
        n = track.exercises.index(ex.slug) + 1
        where = f" · {escape(track.title)} {n}/{len(track.exercises)}"
    done = sum(1 for e in state.exercises if state.progress.done(e))
    bar = progress_bar(done, len(state.exercises), width=20, ascii_only=ascii_only)
    return [
        _one_line(f"[bold]{escape(ex.slug)}[/] — {escape(ex.title)}[dim]{where}[/]"),
        _one_line(f"Curriculum {bar}"),
        _one_line(f"[dim]({escape(state.watching)}) watching {escape(state.folder)}[/]"),
    ]


def _body(state: WatchState, console: Console, ascii_only: bool, room: int) -> list[RenderableType]:
    result = state.result
    if result is None:
        return [Text("")]
    marks = ASCII_MARKS if ascii_only else MARKS
    table = Table(
        box=box.ASCII if ascii_only else box.SIMPLE, show_header=False, pad_edge=False, expand=True
    )
    table.add_column("", width=2 if ascii_only else 1, no_wrap=True)
    table.add_column("test", ratio=1, overflow="ellipsis", no_wrap=True)
    table.add_column("points", justify="right", no_wrap=True)
    shown = result.tests
    max_rows = max(room // 2, 3)
    if len(shown) > max_rows:  # the failing ones matter most when there is no room for all
        failing = [t for t in shown if t.status is not TestStatus.PASSED]
        shown = (failing + [t for t in shown if t.status is TestStatus.PASSED])[:max_rows]
    for t in shown:
        table.add_row(
            marks[t.status], escape(t.description or t.name), f"{t.score:g}/{t.max_score:g}"
        )
    hidden_rows = len(result.tests) - len(shown)
    parts: list[RenderableType] = [table] if result.tests else []
    if hidden_rows:
        parts.append(Text(f"… {hidden_rows} more passing tests", style="dim"))
    parts.append(
        Text.from_markup(
            f"{status_text(result.status)}  score {result.score:g}/{result.max_score:g}"
            f"  [dim]checked {state.checked_at} in {result.duration_s:.1f} s[/]"
        )
    )
    used = len(shown) + 2 + len(parts)
    detail = _detail(state, result)
    if state.hint:  # asked for just now: shown before the failure's details, never cut away
        detail = [*[f"[yellow]{escape(line)}[/]" for line in state.hint.splitlines()], "", *detail]
    lines = max(room - used, 2)
    if len(detail) > lines and result.status is not Status.FAIL:
        # an app that did not start: its first line says what, its LAST lines say where
        keep = lines - 2
        detail = [detail[0], "[dim]…[/]", *detail[len(detail) - keep :]]
    elif len(detail) > lines:
        detail = [*detail[: lines - 1], "[dim]… (the rest: `sandbox check --json`)[/]"]
    parts += [Text.from_markup(line, overflow="ellipsis") for line in detail]
    return parts


def _detail(state: WatchState, result: Result) -> list[str]:
    first = result.first_failure()
    if result.status is Status.PASS:
        follow = "press n for the next exercise" if state.passed else ""
        return [f"[green]All tests pass.[/] {follow}".rstrip()]
    if result.status is Status.FAIL and first is not None:
        head = f"[bold]First failure:[/] {escape(first.description or first.name)}"
        lines = [head, *[escape(line) for line in first.message.splitlines()]]
        for exchange in reversed(first.transcript[-2:]):  # the failing request first
            lines.append("")
            lines += [
                f"[{'cyan' if line.startswith('>') else 'magenta'}]{escape(line)}[/]"
                for line in exchange.lines()
            ]
        return lines
    return [escape(line) for line in result.message.splitlines()] + [
        f"[dim]{escape(result.status.info.next_step)}[/]"
    ]


def _footer(state: WatchState) -> list[RenderableType]:
    if state.prompt:
        status = f"[bold yellow]{escape(state.prompt)}[/]"
    elif state.checking:
        saved = f" (saved {escape(', '.join(state.changed[:3]))})" if state.changed else ""
        status = f"[bold cyan]● checking…[/]{saved}"
    elif state.result is None:
        status = "[dim]waiting for the first check…[/]"
    else:
        status = "[dim]up to date: save a file to check again[/]"
    lines: list[RenderableType] = []
    if state.notice:
        lines.append(Text.from_markup(escape(state.notice), overflow="ellipsis"))
    lines += [_one_line(status), Text(KEYS, style="dim")]
    return lines


def _one_line(markup: str) -> Text:
    """A line that is cut with an ellipsis at the terminal's edge, never wrapped."""
    text = Text.from_markup(markup, overflow="ellipsis")
    text.no_wrap = True
    return text


def _list(state: WatchState, console: Console) -> RenderableType:
    ascii_only = plain_terminal(console)
    frame = _list_frame(state, console, ascii_only)
    return _Ascii(frame) if ascii_only else frame


def _list_frame(state: WatchState, console: Console, ascii_only: bool) -> RenderableType:
    marks = (
        {"done": "+", "started": "~", "new": " "}
        if ascii_only
        else {"done": "✓", "started": "…", "new": " "}
    )
    rows = [Text("Jump to an exercise: type its number, then Enter (Esc: back)", style="bold")]
    for n, ex in enumerate(state.exercises, start=1):
        here = " ←" if ex.slug == state.exercise.slug else ""
        rows.append(
            Text(
                f"{marks[state.progress.state(ex)]} {n:>2}. {ex.slug} — {ex.title}{here}",
                overflow="ellipsis",
            )
        )
    rows.append(Text(f"> {state.list_input}", style="bold cyan"))
    return Group(
        *rows[: max(console.height - 1, 5)] + ([rows[-1]] if len(rows) > console.height - 1 else [])
    )
