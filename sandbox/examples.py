"""Golden examples: submissions with a known outcome, kept beside the grader on the trusted side.

    graders/<slug>/examples/
        examples.toml           one table per example: expected = "full" | "loses"
        <name>/app.py ...       the submission's files

```toml
[dict-dispatch]                 # a correct solution written differently from the reference
expected = "full"

[no-location]                   # one bug: breaks one requirement the README states
expected = "loses"
breaks = "POST /items answers 201 without a Location header"
fails = ["test_create_sets_location_to_the_new_item"]   # optional: these tests must fail
```

A correct example that loses points means the grader is unfair or the README unclear; a one-bug
example at full marks means the grader misses that bug. The examples folder never reaches the
learner (it is not under exercises/) nor the grading container (`runners/jobfiles.py` skips it).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sandbox.errors import ExerciseError
from sandbox.exercises import Exercise
from sandbox.results import Result, Status, TestStatus

FOLDER = "examples"
MANIFEST = "examples.toml"
_FIELDS = {"expected", "breaks", "fails"}


class Expected(StrEnum):
    FULL = "full"  # a correct solution: full marks
    LOSES = "loses"  # one bug: below full marks


@dataclass(frozen=True)
class Example:
    name: str
    folder: Path
    expected: Expected
    breaks: str = ""  # for a one-bug example: the README requirement it breaks
    fails: tuple[str, ...] = ()  # grader tests that must fail on it


def folder_of(exercise: Exercise) -> Path:
    return exercise.grader_dir / FOLDER


def load(exercise: Exercise) -> list[Example]:
    """The exercise's examples, in manifest order; none when it has no examples folder."""
    base = folder_of(exercise)
    manifest = base / MANIFEST
    if not base.is_dir():
        return []
    if not manifest.is_file():
        raise ExerciseError(manifest, "missing: an examples folder needs its manifest")
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ExerciseError(manifest, f"not valid TOML ({exc})") from None
    examples = [_example(manifest, base, name, entry) for name, entry in data.items()]
    listed = set(data)
    for entry in sorted(base.iterdir()):
        if entry.is_dir() and entry.name not in listed and entry.name != "__pycache__":
            raise ExerciseError(
                manifest,
                f"examples/{entry.name}/ has no table here: add [{entry.name}] with "
                f'expected = "full" or "loses", or remove the folder',
            )
    return examples


def _example(manifest: Path, base: Path, name: str, entry: object) -> Example:
    if not isinstance(entry, dict):
        raise ExerciseError(manifest, 'must be a table with expected = "full" or "loses"', name)
    extra = sorted(set(entry) - _FIELDS)
    if extra:
        raise ExerciseError(
            manifest, f"unknown field (known: {', '.join(sorted(_FIELDS))})", f"{name}.{extra[0]}"
        )
    try:
        expected = Expected(str(entry.get("expected")))
    except ValueError:
        raise ExerciseError(
            manifest,
            f'must be "full" or "loses", got {entry.get("expected")!r}',
            f"{name}.expected",
        ) from None
    breaks = entry.get("breaks", "")
    if not isinstance(breaks, str):
        raise ExerciseError(manifest, "must be a string", f"{name}.breaks")
    fails = entry.get("fails", [])
    if not isinstance(fails, list) or not all(isinstance(f, str) and f for f in fails):
        raise ExerciseError(manifest, "must be a list of test names", f"{name}.fails")
    if expected is Expected.FULL and fails:
        raise ExerciseError(
            manifest, 'a "full" example fails no test: remove fails', f"{name}.fails"
        )
    folder = base / name
    if not folder.is_dir() or not any(folder.rglob("*.py")):
        raise ExerciseError(folder, f"missing: the files of example {name!r} (at least one .py)")
    return Example(name, folder, expected, breaks, tuple(fails))


@dataclass(frozen=True)
class ExampleOutcome:
    example: Example
    result: Result

    @property
    def full_marks(self) -> bool:
        return self.result.status is Status.PASS and self.result.score >= self.result.max_score

    def problems(self) -> list[str]:
        ex, r = self.example, self.result
        got = f"{r.score:g}/{r.max_score:g} ({r.status})"
        if r.infrastructure:
            return [f"example {ex.name} could not be graded (ours): {r.message}"]
        if ex.expected is Expected.FULL:
            if self.full_marks:
                return []
            lost = [t for t in r.tests if t.status is not TestStatus.PASSED]
            detail = "; ".join(f"{t.name}: {t.message}" for t in lost[:3]) or r.message
            return [
                f"correct example {ex.name} scored {got}: the grader is unfair or the README "
                f"unclear. {detail}"
            ]
        if self.full_marks:
            what = f" ({ex.breaks})" if ex.breaks else ""
            return [f"one-bug example {ex.name} scored full marks: the grader misses it{what}"]
        out = []
        by_name = {t.name: t for t in r.tests}
        for name in ex.fails:
            test = by_name.get(name)
            if test is None and r.status.is_verdict:
                out.append(
                    f"example {ex.name} names {name} in fails, but the grader has no such test"
                )
            elif test is not None and test.status is TestStatus.PASSED:
                out.append(f"one-bug example {ex.name}: {name} passed; expected it to fail")
        return out

    def as_document(self) -> dict[str, object]:
        return {
            "name": self.example.name,
            "expected": str(self.example.expected),
            "status": str(self.result.status),
            "score": self.result.score,
            "max_score": self.result.max_score,
            "failed": [t.name for t in self.result.tests if t.status is not TestStatus.PASSED],
            "ok": not self.problems(),
        }
