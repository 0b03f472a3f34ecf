"""`sandbox watch`: re-grade on every save, on one screen redrawn in place, with keys.

Three threads feed one queue that the main thread drains: the file watcher (a save), the grading
thread (a result) and, in watch mode with Docker, a preparer that starts the NEXT grading
container while the learner edits (used for one job only, then removed; an idle one expires by
itself). The main thread owns the state and the screen, and reads single keys in cbreak mode.

A save while a check runs cancels that check (its container is killed) and starts a new one;
the screen keeps the last result until the new one replaces it, so an error never vanishes
before its successor is there.
"""

from __future__ import annotations

import contextlib
import os
import queue
import select
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live

from sandbox import exercises as exercises_mod
from sandbox import workspace
from sandbox.exercises import Exercise
from sandbox.results import Result, Status
from sandbox.runners import Preparing, Runner
from sandbox.watching.changes import Watcher
from sandbox.watching.screen import WatchState, render

Grade = Callable[[Runner, Exercise, Path, object], Result]
Record = Callable[[Exercise, Path, Result], bool]
StartWorkspace = Callable[[Exercise], workspace.Workspace]


class WatchSession:
    def __init__(
        self,
        runner: Runner,
        ws: workspace.Workspace,
        console: Console,
        *,
        grade: Grade,
        record: Record,
        start_workspace: StartWorkspace,
        force_polling: bool = False,
        keys: bool = True,
    ) -> None:
        self.runner = runner
        self.console = console
        self.grade, self.record, self.start_workspace = grade, record, start_workspace
        self.force_polling = force_polling
        self.keys = keys and sys.stdin.isatty()
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.generation = 0
        self._warm: Any = None
        self._warm_lock = threading.Lock()
        self._quit = False
        self._running = False  # a check is in flight (state.checking also shows a fresh save)
        self._watcher: Watcher | None = None
        self.ws = ws
        self.state = self._state_for(exercises_mod.load(ws.exercise))

    # -- state --------------------------------------------------------------------------------

    def _state_for(self, exercise: Exercise) -> WatchState:
        return WatchState(
            exercise=exercise,
            folder=str(self.ws.path.resolve()),
            learning=exercises_mod.load_path(),
            exercises=exercises_mod.load_all(),
            progress=workspace.Progress.load(),
        )

    # -- the loop -----------------------------------------------------------------------------

    def run(self) -> int:
        self._watch(self.ws)
        self._check()
        try:
            if self.console.is_terminal:
                with (
                    Live(
                        render(self.state, self.console),
                        console=self.console,
                        auto_refresh=False,
                        transient=False,
                        vertical_overflow="crop",
                    ) as live,
                    _cbreak(self.keys),
                ):
                    self._loop(lambda: live.update(render(self.state, self.console), refresh=True))
            else:
                self._loop(self._print_results)
        except KeyboardInterrupt:
            pass
        finally:
            self._shutdown()
        return 0

    def _loop(self, redraw: Callable[[], None]) -> None:
        while not self._quit:
            dirty = False
            try:
                kind, payload = self.events.get(timeout=0.05)
                dirty = self._handle(kind, payload)
                while True:  # drain what else arrived: one redraw for all of it
                    kind, payload = self.events.get_nowait()
                    dirty = self._handle(kind, payload) or dirty
            except queue.Empty:
                pass
            if self.keys:
                for key in _read_keys():  # several may arrive in one read ("1", Enter)
                    dirty = self._key(key) or dirty
            if dirty and not self._quit:
                redraw()

    def _print_results(self) -> None:
        """Not a terminal: one plain line per finished check (no screen to redraw)."""
        r = self.state.result
        if r is not None and not self.state.checking:
            print(
                f"{self.state.checked_at} {self.state.exercise.slug}: {r.status.value} "
                f"{r.score:g}/{r.max_score:g}",
                flush=True,
            )

    def _handle(self, kind: str, payload: Any) -> bool:
        if kind == "first":  # a save: say so at once, the check follows when it settles
            self.state.checking = True
            return True
        if kind == "changed":
            if not payload:  # the events changed nothing after all
                self.state.checking = self._running
                return True
            self.state.changed = list(payload)
            self._check()
            return True
        if kind == "result":
            generation, result = payload
            if generation != self.generation:
                return False  # a cancelled check: its successor is on its way
            exercise = self.state.exercise
            self.record(exercise, self.ws.path, result)
            self.state.progress = workspace.Progress.load()
            self.state.result = result.learner_view()
            self.state.checked_at = datetime.now().strftime("%H:%M:%S")
            self._running = self.state.checking = False
            self.state.changed = []
            return True
        return False

    # -- checks -------------------------------------------------------------------------------

    def _check(self) -> None:
        if self._running:
            self.runner.cancel()  # the running check's files are stale: stop it now
        self.generation += 1
        generation = self.generation
        self._running = self.state.checking = True
        exercise = self.state.exercise
        folder = self.ws.path
        threading.Thread(
            target=self._grade, args=(generation, exercise, folder), daemon=True, name="check"
        ).start()

    def _grade(self, generation: int, exercise: Exercise, folder: Path) -> None:
        warm = self._take_warm(exercise)
        try:
            result = self.grade(self.runner, exercise, folder, warm)
        except Exception as exc:  # ours: shown as a result, the loop goes on
            result = Result.without_tests(
                exercise.slug,
                "",
                Status.ERROR,
                exercise.points,
                f"Could not grade: {exc}",
                infrastructure=True,
            )
        self.events.put(("result", (generation, result)))
        self._prepare(exercise)

    def _take_warm(self, exercise: Exercise) -> Any:
        with self._warm_lock:
            warm, self._warm = self._warm, None
        if warm is not None and getattr(warm, "exercise", None) != exercise:
            assert isinstance(self.runner, Preparing)
            self.runner.discard(warm)
            return None
        return warm

    def _prepare(self, exercise: Exercise) -> None:
        """Start the next check's container now, while the learner reads and edits."""
        if not isinstance(self.runner, Preparing) or self._quit:
            return
        try:
            warm = self.runner.prepare(exercise)
        except Exception:  # no warm container: the next check starts one cold, that is all
            return
        with self._warm_lock:
            old, self._warm = self._warm, warm
            quitting = self._quit
        for stale in (old, warm if quitting else None):
            if stale is not None:
                self.runner.discard(stale)

    # -- keys ---------------------------------------------------------------------------------

    def _key(self, key: str) -> bool:
        s = self.state
        if s.prompt:
            s.prompt = ""
            if key.lower() == "y":
                backup = workspace.reset(self.ws, s.exercise)
                s.notice = f"Reset to the starter; your files are in {backup}"
                self._check()
            else:
                s.notice = "Nothing changed."
            return True
        if s.list_open:
            return self._list_key(key)
        s.notice = ""
        if key == "q":
            self._quit = True
        elif key == "r":
            self._check()
        elif key == "h":
            hint = workspace.next_hint(self.ws, s.exercise)
            if hint is None:
                s.hint = "No more hints. All of them:\n" + "\n".join(
                    f"{i}. {text}" for i, text in enumerate(s.exercise.hints, 1)
                )
            else:
                s.hint = f"Hint {hint[0]}/{len(s.exercise.hints)}: {hint[1]}"
        elif key == "x":
            s.prompt = "Reset to the starter? Your files are backed up first. [y/N]"
        elif key == "l":
            s.list_open, s.list_input = True, ""
        elif key == "n":
            if not (s.passed or s.progress.done(s.exercise)):
                s.notice = "n moves on once this exercise passes (l jumps to any exercise)."
            else:
                following = workspace.next_exercise(s.exercises, after=s.exercise)
                if following is None:
                    s.notice = "Every exercise of the path is done. Well done!"
                else:
                    self._switch(following)
        else:
            return False
        return True

    def _list_key(self, key: str) -> bool:
        s = self.state
        if key in ("\x1b", "l", "q"):
            s.list_open = False
        elif key.isdigit():
            s.list_input += key
        elif key in ("\x7f", "\b"):
            s.list_input = s.list_input[:-1]
        elif key in ("\r", "\n"):
            s.list_open = False
            if s.list_input.isdigit() and 1 <= int(s.list_input) <= len(s.exercises):
                self._switch(s.exercises[int(s.list_input) - 1])
            else:
                s.notice = f"No exercise number {s.list_input!r}."
        return True

    def _switch(self, exercise: Exercise) -> None:
        """Watch another exercise's workspace (started now if it has none)."""
        if self._watcher is not None:
            self._watcher.stop()
        self.ws = self.start_workspace(exercise)
        self.state = self._state_for(exercise)
        self.state.notice = f"Now: {exercise.slug}, in {self.ws.path}"
        self._watch(self.ws)
        self._check()

    def _watch(self, ws: workspace.Workspace) -> None:
        watcher = Watcher(
            ws.path,
            on_change=lambda paths: self.events.put(("changed", paths)),
            on_first=lambda: self.events.put(("first", None)),
            force_polling=self.force_polling,
        )
        watcher.start()
        self._watcher = watcher
        self.state.watching = watcher.mode + (
            f": {watcher.why_polling}" if watcher.why_polling else ""
        )

    def _shutdown(self) -> None:
        """Nothing left running: the watcher, the check, the prepared container."""
        self._quit = True
        if self._watcher is not None:
            self._watcher.stop()
        with self._warm_lock:
            warm, self._warm = self._warm, None
        if isinstance(self.runner, Preparing):
            if warm is not None:
                self.runner.discard(warm)
            self.runner.close()
        else:
            self.runner.cancel()


def _read_keys() -> str:
    ready, _, _ = select.select([sys.stdin], [], [], 0)
    if not ready:
        return ""
    data = os.read(sys.stdin.fileno(), 64)
    if data.startswith(b"\x1b") and len(data) > 1:
        return ""  # an arrow or function key: not one of ours
    return data.decode("utf-8", errors="replace")


@contextlib.contextmanager
def _cbreak(enabled: bool) -> Iterator[None]:
    """Keys arrive one at a time, unechoed; the terminal is restored however we leave."""
    if not enabled:
        yield
        return
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        time.sleep(0)  # let the final frame flush before the prompt returns
