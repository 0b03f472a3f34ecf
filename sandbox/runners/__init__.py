"""Places to run a grading job, behind one small interface (like httpx's transports).

- `DockerRunner`: a fresh hardened container per job (the default; gVisor as an option);
- `LocalRunner`: the same grader on the host, for trusted code and quick loops — no isolation;
- `FakeRunner`: canned results for fast unit tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from sandbox.exercises import Exercise
from sandbox.results import Result


@dataclass(frozen=True)
class Job:
    """One submission of one exercise, staged into a folder the runner may read."""

    exercise: Exercise
    submission: Path
    submission_id: str = ""


class Runner(Protocol):
    """What the CLI and the batch use of a runner, and nothing else."""

    name: str

    def run(self, job: Job) -> Result:
        """Grade the job; learner outcomes are results, only the tool's own failures raise."""
        ...

    def alive(self) -> bool:
        """After a failure: does the engine still answer (ours, or the whole engine gone)?"""
        ...

    def cancel(self) -> None:
        """Stop every job running now, at once (a batch being interrupted)."""
        ...


@runtime_checkable
class Preparing(Protocol):
    """A runner that can start the next job's container ahead of time (watch mode)."""

    def prepare(self, exercise: Exercise) -> Any:
        """A started container waiting for one job of `exercise`."""
        ...

    def discard(self, warm: Any) -> None: ...

    def run(self, job: Job, warm: Any = None) -> Result: ...

    def close(self) -> None:
        """Nothing left behind: running jobs killed, prepared containers removed."""
        ...
