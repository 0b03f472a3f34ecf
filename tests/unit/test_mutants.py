"""The mutation engine: which faults it seeds, where, deterministically, and what it leaves alone."""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox import mutants
from sandbox.mutants import Mutant, MutantOutcome, MutationReport
from sandbox.results import Result, Status

SOURCE = '''\
"""Module docstring: "quoted" and 42 and True."""

import logging

log = logging.getLogger(__name__)
LIMIT = 10  # a comment that must survive every mutant


def check(value, items):
    """Function docstring with == and < in it."""
    log.info("checking %s", value)
    print("debug", value)
    if value < LIMIT and value != 0:
        total = value + 1
        return f"ok {total}"
    if items:
        return None
    return not value


if __name__ == "__main__":
    print(check(3, []))
'''


def descriptions(source: str) -> list[str]:
    return [m.description for m in mutants.mutants_of_source(source)]


def only_changed_lines(original: str, mutated: str) -> list[str]:
    diff = difflib.unified_diff(original.splitlines(), mutated.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def test_each_operator_is_seeded() -> None:
    found = descriptions(SOURCE)

    expected = [
        "`<` → `<=` in `value < LIMIT`",
        "`!=` → `==` in `value != 0`",
        "`and` → `or` in `value < LIMIT and value != 0`",
        "`+` → `-` in `value + 1`",
        "`10` → `11`",  # not compared where it stands: only n + 1
        "`0` → `1`",  # compared: a boundary gets n + 1 and n - 1
        "`0` → `-1`",
        "`1` → `2`",
        "'ok ' dropped from `f'ok {total}'`",
        "`items` negated",
        "`not` removed in `not value`",
        "`return not value` → `return None`",
        "removed `total = value + 1`",
        "removed `log = logging.getLogger(__name__)`",
    ]
    for description in expected:
        assert description in found, f"{description!r} not among {found}"


def test_constants_of_every_kind_change() -> None:
    source = 'A = True\nB = "text"\nC = ""\nD = None\nE = 2.5\nF = b"x"\n'
    found = descriptions(source)
    for description in (
        "`True` → `False`",
        "`'text'` → `''`",
        "`''` → `'XX'`",
        "`None` → `''`",
        "`2.5` → `3.5`",
        "`b'x'` → `b''`",
    ):
        assert description in found, f"{description!r} not among {found}"


def test_every_mutant_changes_one_spot_and_keeps_comments() -> None:
    for mutant in mutants.mutants_of_source(SOURCE):
        changed = only_changed_lines(SOURCE, mutant.source)
        assert len(changed) == 2, (mutant, changed)  # one line out, one line in
        assert changed[0] == "-" + SOURCE.splitlines()[mutant.line - 1]
        assert "# a comment that must survive every mutant" in mutant.source
        ast.parse(mutant.source)


def test_docstrings_logging_and_main_guard_are_never_mutated() -> None:
    lines = SOURCE.splitlines()
    untouchable = {
        i + 1
        for i, line in enumerate(lines)
        if '"""' in line or "log.info" in line or "print(" in line or "__main__" in line
    }
    assert len(untouchable) == 6  # two docstrings, two log lines, the guard and its body
    found = mutants.mutants_of_source(SOURCE)
    assert found
    for mutant in found:
        assert mutant.line not in untouchable, mutant
        mutated = mutant.source.splitlines()
        for number in untouchable:
            assert mutated[number - 1] == lines[number - 1], mutant


def test_imports_annotations_and_definitions_are_left_alone() -> None:
    source = "import os\n\n\ndef f(x: int = 3) -> str:\n    return str(x)\n"
    found = descriptions(source)
    assert found == ["`3` → `4`", "`return str(x)` → `return None`"]


def test_mutants_that_do_not_compile_are_discarded() -> None:
    # Removing `x = 1` parses, but leaves `nonlocal x` with no binding: a compile error.
    source = (
        "def outer():\n"
        "    x = 1\n"
        "    def inner():\n"
        "        nonlocal x\n"
        "        x = 2\n"
        "    return inner\n"
    )
    found = descriptions(source)
    assert "removed `x = 2`" in found  # removing the inner one still compiles
    assert "removed `x = 1`" not in found
    for mutant in mutants.mutants_of_source(source):
        compile(mutant.source, "app.py", "exec")


def test_unparsable_source_gives_no_mutants() -> None:
    assert mutants.mutants_of_source("def broken(:\n") == []


def test_a_mutant_keeps_the_parentheses_its_place_needs() -> None:
    # `a and b` inside `not (...)`: replacing the BoolOp must keep the meaning of the new tree.
    source = "def f(a, b, c):\n    return c or (a and b)\n"
    for mutant in mutants.mutants_of_source(source):
        tree = ast.parse(mutant.source)
        assert isinstance(tree.body[0], ast.FunctionDef)
    found = descriptions(source)
    assert "`and` → `or` in `a and b`" in found
    mutant = next(m for m in mutants.mutants_of_source(source) if m.description.startswith("`and`"))
    assert "return c or (a or b)" in mutant.source


def write_solution(folder: Path) -> Path:
    (folder / "pkg").mkdir(parents=True)
    (folder / "app.py").write_text(SOURCE, encoding="utf-8")
    (folder / "pkg" / "helpers.py").write_text("def two():\n    return 1 + 1\n", encoding="utf-8")
    (folder / "data.txt").write_text("not python\n", encoding="utf-8")
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "cached.py").write_text("X = 1\n", encoding="utf-8")
    return folder


def test_generate_is_deterministic_and_ordered(tmp_path: Path) -> None:
    solution = write_solution(tmp_path / "solution")
    first, total = mutants.generate(solution)
    again, _ = mutants.generate(solution)
    assert first == again
    assert total == len(first)
    assert {m.file for m in first} == {"app.py", "pkg/helpers.py"}  # __pycache__ skipped
    keys = [(m.file, m.line, m.col) for m in first]
    assert keys == sorted(keys)


def test_a_limit_samples_the_same_mutants_for_the_same_seed(tmp_path: Path) -> None:
    solution = write_solution(tmp_path / "solution")
    every, total = mutants.generate(solution)
    sample, counted = mutants.generate(solution, seed=7, limit=5)
    assert counted == total and len(sample) == 5
    assert sample == mutants.generate(solution, seed=7, limit=5)[0]
    assert all(m in every for m in sample)
    assert [every.index(m) for m in sample] == sorted(every.index(m) for m in sample)
    samples = {tuple(mutants.generate(solution, seed=s, limit=5)[0]) for s in range(5)}
    assert len(samples) > 1, "different seeds should pick different samples"
    assert mutants.generate(solution, limit=10_000)[0] == every


def test_materialize_rewrites_only_the_mutated_file(tmp_path: Path) -> None:
    solution = write_solution(tmp_path / "solution")
    mutant = next(m for m in mutants.generate(solution)[0] if m.file == "pkg/helpers.py")
    copy = mutants.materialize(solution, mutant, tmp_path / "mutant")
    assert (copy / "pkg" / "helpers.py").read_text(encoding="utf-8") == mutant.source
    assert (copy / "app.py").read_text(encoding="utf-8") == SOURCE
    assert (copy / "data.txt").is_file()
    assert not (copy / "__pycache__").exists()
    assert (solution / "pkg" / "helpers.py").read_text(encoding="utf-8") != mutant.source


def outcome(make_result: Callable[..., Result], line: int, **kw: object) -> MutantOutcome:
    mutant = Mutant("app.py", line, 4, f"fault on line {line}", "")
    return MutantOutcome(mutant, make_result(**kw))


def test_report_counts_caught_survivors_and_our_failures(
    make_result: Callable[..., Result],
) -> None:
    outcomes = (
        outcome(make_result, 1, status=Status.FAIL, score=2, max_score=3),
        outcome(make_result, 2, status=Status.ERROR, score=0, max_score=3),
        outcome(make_result, 3, status=Status.TIMEOUT, score=1, max_score=3),
        outcome(make_result, 4, status=Status.PASS, score=3, max_score=3),
        outcome(make_result, 5, status=Status.ERROR, score=0, max_score=3, infrastructure=True),
    )
    report = MutationReport(seed=3, generated=9, outcomes=outcomes)
    assert (report.tested, report.caught) == (4, 3)
    assert report.score == 0.75
    assert [str(m) for m in report.survivors] == ["app.py:4: fault on line 4"]
    assert not report.ok
    problems = report.problems()
    assert "catches 3 of 4 mutants (75%), below 85%" in problems[0]
    assert "app.py:4: fault on line 4" in problems[0]
    assert "1 mutant(s) could not be graded" in problems[1]
    doc = report.as_document()
    assert doc["survivors"] == ["app.py:4: fault on line 4"]
    assert (doc["seed"], doc["generated"], doc["tested"], doc["caught"]) == (3, 9, 4, 3)


@pytest.mark.parametrize("caught", [17, 20])
def test_report_at_or_above_the_threshold_is_ok(
    make_result: Callable[..., Result], caught: int
) -> None:
    outcomes = tuple(
        outcome(make_result, i, status=Status.FAIL, score=0)
        if i < caught
        else outcome(make_result, i, status=Status.PASS, score=3)
        for i in range(20)
    )
    report = MutationReport(seed=0, generated=20, outcomes=outcomes)
    assert report.ok and report.problems() == []
    assert len(report.survivors) == 20 - caught
