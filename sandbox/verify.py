"""CI's question: does every reference solution score full marks, and every starter less?"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sandbox.exercises import Exercise
from sandbox.results import Result, Status
from sandbox.runners import Job, Runner


@dataclass(frozen=True)
class Verification:
    exercise: Exercise
    solution: Result
    starter: Result

    @property
    def solution_ok(self) -> bool:
        return self.solution.status is Status.PASS and self.solution.score == self.exercise.points

    @property
    def starter_ok(self) -> bool:
        return self.starter.status.is_verdict and self.starter.score < self.starter.max_score

    @property
    def ok(self) -> bool:
        return self.solution_ok and self.starter_ok

    def problems(self) -> list[str]:
        out = []
        if not self.solution_ok:
            out.append(
                f"solution scored {self.solution.score:g}/{self.exercise.points:g} "
                f"({self.solution.status}): {self.solution.message}"
            )
        if not self.starter_ok:
            out.append(
                f"starter should run and score below full marks; got {self.starter.status} "
                f"{self.starter.score:g}/{self.starter.max_score:g}: {self.starter.message}"
            )
        if self.solution.max_score != self.exercise.points:
            out.append(
                f"exercise.toml says points = {self.exercise.points:g} but the grader's tests "
                f"add up to {self.solution.max_score:g}"
            )
        return out


def verify(exercises: list[Exercise], runner: Runner, jobs: int = 2) -> list[Verification]:
    work = [
        Job(ex, folder, f"{ex.slug}/{folder.name}")
        for ex in exercises
        for folder in (ex.solution, ex.starter)
    ]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(runner.run, work))
    return [Verification(ex, results[2 * i], results[2 * i + 1]) for i, ex in enumerate(exercises)]


def as_document(checks: list[Verification]) -> dict[str, Any]:
    def brief(r: Result) -> dict[str, Any]:
        return {
            "status": str(r.status),
            "score": r.score,
            "max_score": r.max_score,
            "duration_s": r.duration_s,
            "message": r.message,
        }

    return {
        "ok": all(c.ok for c in checks),
        "exercises": [
            {
                "slug": c.exercise.slug,
                "ok": c.ok,
                "problems": c.problems(),
                "solution": brief(c.solution),
                "starter": brief(c.starter),
            }
            for c in checks
        ],
    }
