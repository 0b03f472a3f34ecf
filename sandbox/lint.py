"""The exercise standard, checked statically: what `sandbox verify` lints before it grades.

Each problem names the file and the field (or README section), and says what is expected. The
standard is ../shared/CURRICULUM.md's; docs/authoring.md explains each rule.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sandbox.exercises import Exercise, LearningPath
from sandbox.graderinfo import UnreadableGrader, declared_tests

README_SECTIONS = (
    "Goal",
    "Background",
    "What the grader checks",
    "What to change",
    "Try it by hand",
    "Points",
    "What you may use",
)
MIN_HINTS, MAX_HINTS = 3, 4
MIN_TESTS = 6
# A tests-kind exercise grades one suite: "passes on the correct API" and "catches the variants"
# (partial credit, one case per variant) are the two tests it needs.
MIN_TESTS_OF_KIND = {"app": MIN_TESTS, "tests": 2}
MIN_CORRECT_EXAMPLES, MIN_BUG_EXAMPLES = 2, 3
EXAMPLES_FILE = "examples.toml"
_TODO = re.compile(r"\bTODO\(author\)")


@dataclass(frozen=True)
class LintProblem:
    file: Path
    field: str  # the TOML field, README section or test name; "" for the whole file
    problem: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else str(self.file)
        return f"{where}: {self.problem}"


def lint_all(exercises: list[Exercise], learning: LearningPath) -> list[LintProblem]:
    """Every exercise against the standard, and the course's cross-references."""
    problems: list[LintProblem] = []
    for exercise in exercises:
        problems += lint(exercise, learning)
    problems += _course(exercises, learning)
    return problems


def lint(exercise: Exercise, learning: LearningPath) -> list[LintProblem]:
    toml = exercise.root / "exercise.toml"
    problems: list[LintProblem] = []

    def add(file: Path, field: str, problem: str) -> None:
        problems.append(LintProblem(file, field, problem))

    if not MIN_HINTS <= len(exercise.hints) <= MAX_HINTS:
        add(
            toml, "hints", f"has {len(exercise.hints)}; write {MIN_HINTS}–{MAX_HINTS}, gentle first"
        )
    if learning.topics:
        for topic in exercise.topics:
            if topic not in learning.topics:
                add(
                    toml, "topics", f"{topic!r} is not in the course's vocabulary ({learning.file})"
                )
    if learning.tracks and not exercise.track:
        add(toml, "", f"the exercise is in no track of the learning path ({learning.file})")
    for text, where in (
        (toml.read_text(encoding="utf-8"), toml),
        (_readme(exercise), exercise.readme),
    ):
        if _TODO.search(text):
            add(where, "", "still has a TODO(author) to fill in")
    problems += _readme_problems(exercise)
    problems += _grader_problems(exercise)
    problems += _example_problems(exercise)
    return problems


def _readme(exercise: Exercise) -> str:
    return exercise.readme.read_text(encoding="utf-8")


def _sections(text: str) -> dict[str, str]:
    """'## Title' -> the text under it, up to the next '## '."""
    found: dict[str, str] = {}
    title = ""
    for line in text.splitlines():
        if line.startswith("## "):
            title = line[3:].strip().rstrip("#").strip().casefold()
            found[title] = ""
        elif title:
            found[title] += line + "\n"
    return found


def _readme_problems(exercise: Exercise) -> list[LintProblem]:
    sections = _sections(_readme(exercise))
    problems = [
        LintProblem(exercise.readme, f"## {name}", "missing section (the README is the contract)")
        for name in README_SECTIONS
        if name.casefold() not in sections
    ]
    points = sections.get("points", "")
    if points and not re.search(rf"(?<![\d.]){exercise.points:g}(?![\d.])", points):
        problems.append(
            LintProblem(
                exercise.readme,
                "## Points",
                f"does not state the total, {exercise.points:g} (the grader's markers add up to it)",
            )
        )
    return problems


def _grader_problems(exercise: Exercise) -> list[LintProblem]:
    try:
        tests = declared_tests(exercise.grader_dir)
    except (UnreadableGrader, SyntaxError) as exc:
        return [LintProblem(exercise.grader_dir, "", f"cannot be read statically: {exc}")]
    problems = []
    least = MIN_TESTS_OF_KIND[exercise.kind]
    if len(tests) < least:
        problems.append(
            LintProblem(exercise.grader_dir, "", f"has {len(tests)} tests; write at least {least}")
        )
    if exercise.kind == "tests":
        from sandbox import apis

        problems += [
            LintProblem(where, "", what) for where, what in apis.check(exercise.grader_dir)
        ]
    for test in tests:
        if not test.description:
            problems.append(
                LintProblem(
                    test.file,
                    test.name,
                    "has no description: its docstring's first line is what the learner reads",
                )
            )
    return problems


def _example_problems(exercise: Exercise) -> list[LintProblem]:
    manifest = exercise.grader_dir / "examples" / EXAMPLES_FILE
    if not manifest.is_file():
        return [
            LintProblem(
                manifest,
                "",
                f"missing: golden examples ({MIN_CORRECT_EXAMPLES}+ correct, "
                f"{MIN_BUG_EXAMPLES}+ one-bug) are part of the standard",
            )
        ]
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        return [LintProblem(manifest, "", f"not valid TOML ({exc})")]
    expected = [v.get("expected") if isinstance(v, dict) else None for v in data.values()]
    problems = []
    for kind, wanted in (("full", MIN_CORRECT_EXAMPLES), ("loses", MIN_BUG_EXAMPLES)):
        have = expected.count(kind)
        if have < wanted:
            problems.append(
                LintProblem(manifest, "", f"has {have} examples expected {kind!r}; write {wanted}+")
            )
    for name in data:
        if not (manifest.parent / name).is_dir():
            problems.append(LintProblem(manifest, name, f"no folder examples/{name}/"))
    return problems


def _course(exercises: list[Exercise], learning: LearningPath) -> list[LintProblem]:
    problems: list[LintProblem] = []
    seen: dict[str, str] = {}
    order = {slug: i for i, slug in enumerate(learning.order())}
    slugs = {e.slug for e in exercises}
    for exercise in exercises:
        toml = exercise.root / "exercise.toml"
        if exercise.id in seen:
            problems.append(
                LintProblem(toml, "id", f"{exercise.id!r} is also the id of {seen[exercise.id]}")
            )
        seen.setdefault(exercise.id, exercise.slug)
        for needed in exercise.prerequisites:
            if needed not in slugs:
                problems.append(LintProblem(toml, "prerequisites", f"{needed!r} is no exercise"))
            elif (
                needed in order and exercise.slug in order and order[needed] > order[exercise.slug]
            ):
                problems.append(
                    LintProblem(
                        toml, "prerequisites", f"{needed!r} comes after this one in the path"
                    )
                )
    return problems


def main(argv: list[str]) -> int:
    """`python -m sandbox.lint [SLUG...]`: print each problem; exit 1 when there is one."""
    from sandbox.exercises import load, load_all, load_path

    learning = load_path()
    chosen = [load(s, learning=learning) for s in argv] if argv else load_all()
    problems = (
        lint_all(chosen, learning) if not argv else [p for e in chosen for p in lint(e, learning)]
    )
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problems in {len(chosen)} exercises")
    return 1 if problems else 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
