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
        self.engine_up = True  # tests set False to play an engine that went away

    def run(self, job: Job) -> Result:
        self.jobs.append(job)
        return self.respond(job)

    def alive(self) -> bool:
        return self.engine_up

    def cancel(self) -> None:
        self.cancelled = True
