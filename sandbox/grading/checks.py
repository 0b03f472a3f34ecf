"""Partial credit inside one test: a collector of cases, each carrying its share of the points.

    @pytest.mark.points(7)
    def test_every_bad_body_is_refused(app, checks):
        '''Each malformed body answers 400 with a JSON error'''
        for body in BAD_BODIES:
            with checks.case(f"POST /items with {body!r}"):
                expect.status(app.post("/items", json=body), 400)

A case that fails records its message and the test goes on; the test earns
points x (weight of the cases that held) / (weight of all cases). An error outside any case
fails the test as usual, with 0 points: put everything that can fail inside a case.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

SHOWN = 5  # failed cases spelled out in the test's message; the rest are counted


@dataclass
class Case:
    name: str
    weight: float
    message: str = ""  # empty: it held

    @property
    def held(self) -> bool:
        return not self.message


@dataclass
class Checks:
    cases: list[Case] = field(default_factory=list)
    message: str = ""  # set: the test's message instead of the list of failed cases

    @contextmanager
    def case(self, name: str, weight: float = 1.0) -> Iterator[None]:
        """One case: an AssertionError inside it (every expectation and AppNoAnswer is one)
        is recorded instead of ending the test."""
        if weight <= 0:
            raise ValueError("a case's weight must be positive")
        case = Case(name, weight)
        self.cases.append(case)
        try:
            yield
        except AssertionError as exc:
            case.message = str(exc).split("\nassert ")[0].strip() or "an assertion failed"

    @property
    def failed(self) -> list[Case]:
        return [c for c in self.cases if not c.held]

    def share(self) -> float:
        """The share of the points earned: weight held / weight of every case."""
        total = sum(c.weight for c in self.cases)
        return sum(c.weight for c in self.cases if c.held) / total if total else 0.0

    def summary(self) -> str:
        if self.message:
            return self.message
        failed = self.failed
        held = len(self.cases) - len(failed)
        lines = [f"{held} of {len(self.cases)} cases held; these did not:"]
        for case in failed[:SHOWN]:
            lines.append(f"- {case.name}: {case.message}")
        if len(failed) > SHOWN:
            lines.append(f"- … and {len(failed) - SHOWN} more")
        return "\n".join(lines)


CHECKS = pytest.StashKey[Checks]()
