"""The learner's clock, moved by the grader: libfaketime and an offset file."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from sandbox.grading.serviceconf import FAKETIME_LIB
from sandbox.grading.services._process import ServiceError


class Clock:
    """The learner's clock, moved forward by the grader without sleeping (libfaketime).

    The app and its worker read an offset from `path` on every time call (FAKETIME_NO_CACHE),
    so `advance(3600)` is seen by the very next request; Redis's TTLs are aged by as much. Real
    time keeps running underneath. `now()` is the app's idea of the time, for tokens and dates.
    """

    def __init__(self, folder: Path) -> None:
        folder.mkdir(mode=0o755, parents=True, exist_ok=True)
        self.path = folder / "faketime"
        self.offset_s = 0.0
        self.followers: list[Callable[[float], object]] = []  # told of every advance
        self._write()

    def env(self) -> dict[str, str]:
        if not FAKETIME_LIB.exists():
            raise ServiceError(
                f"libfaketime is not installed at {FAKETIME_LIB} (the runner image has it)"
            )
        return {
            "LD_PRELOAD": str(FAKETIME_LIB),
            "FAKETIME_TIMESTAMP_FILE": str(self.path),
            "FAKETIME_NO_CACHE": "1",
        }

    def advance(self, seconds: float) -> None:
        """Move the learner's clock forward (never back: a clock that goes back teaches nothing)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.offset_s += seconds
        self._write()
        for follow in self.followers:
            follow(seconds)

    def now(self) -> float:
        """The learner's current time, as a Unix timestamp."""
        return time.time() + self.offset_s

    def reset(self) -> None:
        self.offset_s = 0.0
        self._write()

    def _write(self) -> None:
        # Atomic: libfaketime re-reads the file at any moment and must never see half of it.
        tmp = self.path.with_name(".faketime.tmp")
        tmp.write_text(f"+{self.offset_s:.3f}\n", encoding="ascii")
        tmp.chmod(0o644)
        os.replace(tmp, self.path)
