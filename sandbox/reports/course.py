"""The course gradebook: a row per student, a column per exercise, totals — CSV and one page.

A cell is the student's score, empty when they submitted nothing for that exercise, and
`not graded` when the result is a failure of ours (graded again by the next run), so a zero in
the course gradebook is always one the student earned.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sandbox.exercises import Exercise
from sandbox.reports.gradebook import safe_cell
from sandbox.reports.html import CSP_NO_SCRIPT, environment
from sandbox.results import Result

Column = tuple[Exercise, list[tuple[str, Result]]]
NOT_GRADED = "not graded"


@dataclass(frozen=True)
class Cell:
    text: str  # "17", "", "not graded"
    status: str  # a Status value, "none" when nothing was submitted
    title: str  # the cell's tooltip: status and score out of the maximum


@dataclass(frozen=True)
class StudentRow:
    student: str
    cells: list[Cell]
    total: float
    max_total: float

    @property
    def percent(self) -> float:
        return 100.0 * self.total / self.max_total if self.max_total else 0.0


def course_rows(columns: list[Column]) -> list[StudentRow]:
    by_exercise = [dict(rows) for _, rows in columns]
    students = sorted({s for rows in by_exercise for s in rows})
    max_total = sum(ex.points for ex, _ in columns)
    table = []
    for student in students:
        cells, total = [], 0.0
        for (exercise, _), results in zip(columns, by_exercise, strict=True):
            result = results.get(student)
            if result is None:
                cells.append(Cell("", "none", f"{exercise.slug}: nothing submitted"))
            elif result.infrastructure:
                cells.append(Cell(NOT_GRADED, "error", f"{exercise.slug}: {NOT_GRADED} (ours)"))
            else:
                total += result.score
                cells.append(
                    Cell(
                        f"{result.score:g}",
                        str(result.status),
                        f"{exercise.slug}: {result.status} {result.score:g}/{result.max_score:g}",
                    )
                )
        table.append(StudentRow(student, cells, total, max_total))
    return table


def course_csv(columns: list[Column]) -> str:
    """student, one column per exercise (path order), total, max_total, percent."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student", *(ex.slug for ex, _ in columns), "total", "max_total", "percent"])
    for row in course_rows(columns):
        writer.writerow(
            [
                safe_cell(row.student),
                *(cell.text for cell in row.cells),
                f"{row.total:g}",
                f"{row.max_total:g}",
                f"{row.percent:.1f}",
            ]
        )
    return buffer.getvalue()


def render_course(
    columns: list[Column], unknown: list[str], missing: list[str], generated_at: str
) -> str:
    """The course page: the gradebook as a table, each exercise linking to its class report."""
    return (
        environment()
        .get_template("course.html.j2")
        .render(
            exercises=[ex for ex, _ in columns],
            rows=course_rows(columns),
            unknown=unknown,
            missing=missing,
            generated_at=generated_at,
            csp=CSP_NO_SCRIPT,
        )
    )
