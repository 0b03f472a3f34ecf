"""The class gradebook: one CSV row per student, for spreadsheets and LMS imports."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sandbox.results import Result

COLUMNS = [
    "student",
    "score",
    "max_score",
    "percent",
    "status",
    "tests_passed",
    "tests_total",
    "duration_s",
    "reason",
    "infrastructure",
    "on_roster",
]
REASON_CAP = 200

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
# (tab and carriage return too, per OWASP's CSV-injection advice).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def reason(result: Result, cap: int = REASON_CAP) -> str:
    """One short line saying why a result is not a plain pass/fail; empty for pass/fail.

    The first non-blank line of the run message, whitespace collapsed, at most `cap` characters.
    """
    if result.status.is_verdict:
        return ""
    line = next((ln for ln in result.message.splitlines() if ln.strip()), "")
    text = " ".join(line.split()) or result.status.info.why
    return text if len(text) <= cap else text[: cap - 1].rstrip() + "…"


def safe_cell(text: str) -> str:
    """Neutralise CSV/formula injection: a cell that a spreadsheet would evaluate gets a leading '."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def gradebook_rows(
    rows: list[tuple[str, Result]], roster: set[str] | None = None
) -> list[list[str]]:
    """The gradebook as text cells, header first, in the order of `rows`.

    `on_roster` is yes/no when a roster was given, empty otherwise.
    """
    table = [list(COLUMNS)]
    for student, result in rows:
        table.append(
            [
                safe_cell(student),
                f"{result.score:g}",
                f"{result.max_score:g}",
                f"{result.percent:.1f}",
                str(result.status),
                str(result.tests_passed),
                str(len(result.tests)),
                f"{result.duration_s:.2f}",
                safe_cell(reason(result)),
                "yes" if result.infrastructure else "no",
                "" if roster is None else ("yes" if student in roster else "no"),
            ]
        )
    return table


def gradebook_csv(rows: list[tuple[str, Result]], roster: set[str] | None = None) -> str:
    """The gradebook as CSV text (RFC 4180: comma-separated, CRLF line ends, quoted as needed)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(gradebook_rows(rows, roster))
    return buffer.getvalue()


def write_gradebook_csv(
    rows: list[tuple[str, Result]], path: Path, roster: set[str] | None = None
) -> None:
    """Write the gradebook of `rows` [(student id, result)] to `path` as UTF-8 CSV."""
    path.write_text(gradebook_csv(rows, roster), encoding="utf-8", newline="")
