"""The roster: who should have submitted, from a CSV file staff export from their LMS."""

from __future__ import annotations

import csv
from pathlib import Path

from sandbox.errors import UsageError
from sandbox.submissions.discovery import STUDENT_ID

_ROSTER_COLUMNS = ("student", "id", "email")


def read_roster(path: Path) -> list[str]:
    """Student ids from a CSV roster: the `student` column (or `id`, or `email`), in file order."""
    path = Path(path)
    ids: list[str] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            rows = csv.reader(file, strict=True)
            header = next((row for row in rows if any(cell.strip() for cell in row)), None)
            if header is None:
                raise UsageError(
                    f"the roster {path} is empty; it needs a header line with a "
                    "'student' column and one student per line"
                )
            names = [cell.strip().lower() for cell in header]
            column = next((names.index(c) for c in _ROSTER_COLUMNS if c in names), None)
            if column is None:
                raise UsageError(
                    f"the roster {path} has no 'student' column (nor 'id' or "
                    f"'email'); its header is {', '.join(header)!r}: add one"
                )
            first_line: dict[str, int] = {}
            for row in rows:
                if not any(cell.strip() for cell in row):
                    continue
                where = f"{path}, line {rows.line_num}"
                student = row[column].strip() if column < len(row) else ""
                if not STUDENT_ID.fullmatch(student):
                    raise UsageError(
                        f"{where}: {student!r} is not a valid student id (1-100 "
                        "letters, digits and . _ @ + -, not starting with '.')"
                    )
                line = first_line.setdefault(student.casefold(), rows.line_num)
                if line != rows.line_num:
                    raise UsageError(
                        f"{where}: {student!r} is listed twice (first on line "
                        f"{line}); keep one line per student"
                    )
                ids.append(student)
    except FileNotFoundError:
        raise UsageError(
            f"the roster {path} does not exist; pass a CSV file with a 'student' column"
        ) from None
    except UnicodeDecodeError:
        raise UsageError(f"the roster {path} is not UTF-8 text; export it as 'CSV UTF-8'") from None
    except csv.Error as exc:
        raise UsageError(f"the roster {path} is not valid CSV ({exc}); export it again") from None
    except OSError as exc:
        raise UsageError(f"the roster {path} cannot be read ({exc.strerror})") from None
    if not ids:
        raise UsageError(f"the roster {path} lists no students; add one per line under the header")
    return ids
