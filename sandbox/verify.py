"""CI's question: does every reference solution score full marks, and every starter less?

And, for an author: does every golden example get the outcome it expects (`sandbox.examples`),
and, with `mutants`, how many of the reference's seeded faults does the grader catch
(`sandbox.mutants`)? All jobs of all exercises share one pool of `jobs` workers.
"""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sandbox import apis
from sandbox import examples as examples_mod
from sandbox import mutants as mutants_mod
from sandbox.examples import ExampleOutcome
from sandbox.exercises import Exercise
from sandbox.mutants import MutantOutcome, MutationReport
from sandbox.results import Result, Status
from sandbox.runners import Job, Runner


@dataclass(frozen=True)
class MutantOptions:
    """`verify --mutants`: a seed for the sample, and at most `limit` mutants per exercise."""

    seed: int = 0
    limit: int | None = None


@dataclass(frozen=True)
class Verification:
    exercise: Exercise
    solution: Result
    starter: Result
    examples: tuple[ExampleOutcome, ...] = ()
    mutation: MutationReport | None = None

    @property
    def solution_ok(self) -> bool:
        return self.solution.status is Status.PASS and self.solution.score == self.exercise.points

    @property
    def starter_ok(self) -> bool:
        return self.starter.status.is_verdict and self.starter.score < self.starter.max_score

    @property
    def ok(self) -> bool:
        return not self.problems()

    @property
    def infrastructure(self) -> bool:
        """Could we not grade something (ours, not the exercise's)?"""
        results = [self.solution, self.starter, *(o.result for o in self.examples)]
        if self.mutation:
            results += [o.result for o in self.mutation.outcomes]
        return any(r.infrastructure for r in results)

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
        for outcome in self.examples:
            out += outcome.problems()
        if self.mutation and self.solution_ok:  # mutants of a failing solution measure nothing
            out += self.mutation.problems()
        return out


def verify(
    exercises: list[Exercise],
    runner: Runner,
    jobs: int = 2,
    *,
    mutants: MutantOptions | None = None,
) -> list[Verification]:
    """Grade every solution, starter and golden example (and mutants, when asked) in one pool."""
    with tempfile.TemporaryDirectory(prefix="sandbox-mutants-") as tmp:
        work: list[Job] = []
        plans = []
        for ex in exercises:
            golden = examples_mod.load(ex)
            seeded: list[mutants_mod.Mutant] = []
            generated = 0
            work += [Job(ex, ex.solution, f"{ex.slug}/solution")]
            work += [Job(ex, ex.starter, f"{ex.slug}/starter")]
            work += [Job(ex, e.folder, f"{ex.slug}/examples/{e.name}") for e in golden]
            if mutants is not None:
                seeded, generated, mutant_jobs = _mutant_jobs(ex, mutants, Path(tmp) / ex.slug)
                work += mutant_jobs
            plans.append((ex, golden, seeded, generated))
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            results = iter(list(pool.map(runner.run, work)))
    checks = []
    for ex, golden, seeded, generated in plans:
        solution, starter = next(results), next(results)
        outcomes = tuple(ExampleOutcome(e, next(results)) for e in golden)
        report = None
        if mutants is not None:
            graded = tuple(MutantOutcome(m, next(results)) for m in seeded)
            report = MutationReport(mutants.seed, generated, graded)
        checks.append(Verification(ex, solution, starter, outcomes, report))
    return checks


def measure_mutants(
    exercises: list[Exercise], runner: Runner, jobs: int = 2, *, options: MutantOptions
) -> list[MutationReport]:
    """Only the mutants of each exercise, in one pool: `make test`'s sample. The solutions,
    starters and examples are not graded here (`verify` does that)."""
    with tempfile.TemporaryDirectory(prefix="sandbox-mutants-") as tmp:
        plans = []
        work: list[Job] = []
        for ex in exercises:
            seeded, generated, jobs_of = _mutant_jobs(ex, options, Path(tmp) / ex.slug)
            work += jobs_of
            plans.append((seeded, generated))
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            results = iter(list(pool.map(runner.run, work)))
    return [
        MutationReport(
            options.seed, generated, tuple(MutantOutcome(m, next(results)) for m in seeded)
        )
        for seeded, generated in plans
    ]


def _mutant_jobs(
    ex: Exercise, options: MutantOptions, tmp: Path
) -> tuple[list[mutants_mod.Mutant], int, list[Job]]:
    """The mutants' jobs. For a tests-kind exercise the faults go into the correct API the
    grader holds, and the reference suite is graded against each: a mutant is caught when the
    suite fails against it (how thorough the reference tests are, area by area)."""
    tests_kind = ex.kind == "tests"
    source = ex.grader_dir if tests_kind else ex.solution
    only = (f"{apis.APPS_DIR}/{apis.CORRECT}",) if tests_kind else ()
    seeded, generated = mutants_mod.generate(
        source, seed=options.seed, limit=options.limit, only=only
    )
    jobs = []
    for i, mutant in enumerate(seeded):
        folder = mutants_mod.materialize(source, mutant, tmp / f"mutant-{i:04d}")
        if tests_kind:
            jobs.append(
                Job(replace(ex, grader_dir=folder), ex.solution, f"{ex.slug}/mutant-{i:04d}")
            )
        else:
            jobs.append(Job(ex, folder, f"{ex.slug}/mutant-{i:04d}"))
    return seeded, generated, jobs


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
                "examples": [o.as_document() for o in c.examples],
                "mutation": c.mutation.as_document() if c.mutation else None,
            }
            for c in checks
        ],
    }
