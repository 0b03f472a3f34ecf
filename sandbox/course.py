"""Grade a whole course: every exercise folder under one root, then a course gradebook.

    SUBMISSIONS_ROOT/<slug>/<student entries…>   ->   OUTDIR/<slug>/…   (one class batch each)
                                                      OUTDIR/course-gradebook.csv
                                                      OUTDIR/course.html

Each exercise is an ordinary batch (resumable, same outputs, locally or through the broker); the
course outputs are rebuilt from their saved results. A folder that names no exercise and an
exercise nobody submitted are reported, never fatal.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sandbox import exercises
from sandbox.atomic import write_atomic
from sandbox.batch import Batch, Finished, Options, Summary
from sandbox.errors import UsageError
from sandbox.exercises import Exercise
from sandbox.reports.course import course_csv, render_course
from sandbox.runners import Runner


@dataclass(frozen=True)
class CoursePlan:
    exercises: list[tuple[Exercise, Path]]  # in the learning path's order
    unknown: list[str] = field(default_factory=list)  # entries under the root naming no exercise
    missing: list[str] = field(default_factory=list)  # the catalog's exercises with no folder


@dataclass
class CourseSummary:
    outdir: Path
    plan: CoursePlan
    classes: list[Summary]

    @property
    def infrastructure_errors(self) -> int:
        return sum(s.infrastructure_errors for s in self.classes)


def plan_course(root: Path) -> CoursePlan:
    if not root.is_dir():
        raise UsageError(f"{root} is not a folder of exercise folders (<slug>/<student>…)")
    catalog = {e.slug: e for e in exercises.load_all()}
    order = {slug: i for i, slug in enumerate(exercises.load_path().order())}
    found: list[tuple[Exercise, Path]] = []
    unknown: list[str] = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_symlink() or not entry.is_dir() or entry.name not in catalog:
            unknown.append(entry.name)
        else:
            found.append((catalog[entry.name], entry))
    found.sort(key=lambda pair: (order.get(pair[0].slug, len(order)), pair[0].slug))
    if not found:
        raise UsageError(
            f"no exercise folder under {root} (expected <slug>/<student>…; "
            f"found: {', '.join(unknown[:5]) or 'nothing'})"
        )
    present = {e.slug for e, _ in found}
    missing = [
        slug
        for slug in sorted(catalog, key=lambda s: order.get(s, len(order)))
        if slug not in present
    ]
    return CoursePlan(found, unknown, missing)


def grade_course(
    plan: CoursePlan,
    outdir: Path,
    runner: Runner,
    options: Options,
    on_event: Callable[[str, Finished], None] = lambda _slug, _event: None,
    on_start: Callable[[Batch], None] = lambda _batch: None,
) -> CourseSummary:
    outdir.mkdir(parents=True, exist_ok=True)
    classes: list[Summary] = []
    for exercise, folder in plan.exercises:
        batch = Batch(exercise, folder, outdir / exercise.slug, runner, options)
        on_start(batch)
        classes.append(batch.run(functools.partial(on_event, exercise.slug)))
    summary = CourseSummary(outdir, plan, classes)
    write_course_outputs(summary)
    return summary


def write_course_outputs(summary: CourseSummary) -> None:
    columns = [
        (exercise, batch.rows)
        for (exercise, _), batch in zip(summary.plan.exercises, summary.classes, strict=True)
    ]
    write_atomic(summary.outdir / "course-gradebook.csv", course_csv(columns))
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    write_atomic(
        summary.outdir / "course.html",
        render_course(columns, summary.plan.unknown, summary.plan.missing, generated),
    )
