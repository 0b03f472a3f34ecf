"""A runner for unit tests: results come from a function, no process or container is started."""

from __future__ import annotations

from collections.abc import Callable

from sandbox.results import Result
from sandbox.runners import Job


class FakeRunner:
    name = "fake"

    def __init__(self, respond: Callable[[Job], Result]) -> None:
        self.respond = respond
        self.jobs: list[Job] = []
        self.cancelled = False

    def run(self, job: Job) -> Result:
        self.jobs.append(job)
        return self.respond(job)

    def cancel(self) -> None:
        self.cancelled = True
