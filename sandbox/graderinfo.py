"""What a grader declares, read from its source without running it: tests, points, descriptions.

The points of an exercise are stated once, in the grader's `@pytest.mark.points(n)` markers;
exercise.toml and the README are checked against this reading (`sandbox verify` lints them).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DeclaredTest:
    """One test function of a grader (a parametrized one counts once per case)."""

    file: Path
    line: int
    name: str
    points: float  # per case
    cases: int
    description: str
    hidden: bool

    @property
    def total(self) -> float:
        return self.points * self.cases


class UnreadableGrader(ValueError):
    """The grader's points cannot be read statically (computed markers, non-literal params)."""


def declared_tests(grader_dir: Path) -> list[DeclaredTest]:
    """Every `test_*` function in the grader's `test_*.py` files, in file and line order."""
    found: list[DeclaredTest] = []
    for path in sorted(Path(grader_dir).glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _test_functions(tree):
            found.append(_read(path, node))
    return found


def total_points(tests: list[DeclaredTest]) -> float:
    return sum(t.total for t in tests)


def _test_functions(tree: ast.Module) -> list[ast.FunctionDef]:
    out: list[ast.FunctionDef] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            out.append(node)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            out += [
                n for n in node.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test")
            ]
    return out


def _read(path: Path, node: ast.FunctionDef) -> DeclaredTest:
    points, cases, hidden = 1.0, 1, False
    for deco in node.decorator_list:
        mark = _mark_name(deco)
        if mark == "hidden":
            hidden = True
        elif mark == "points":
            points = _literal_number(deco, path, node)
        elif mark == "parametrize":
            cases *= _case_count(deco, path, node)
    doc = ast.get_docstring(node) or ""
    first = doc.strip().splitlines()[0].strip() if doc.strip() else ""
    return DeclaredTest(path, node.lineno, node.name, points, cases, first, hidden)


def _mark_name(deco: ast.expr) -> str:
    """'points' for `@pytest.mark.points(3)`, 'hidden' for `@pytest.mark.hidden`, else ''."""
    target = deco.func if isinstance(deco, ast.Call) else deco
    if (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Attribute)
        and target.value.attr == "mark"
    ):
        return target.attr
    return ""


def _literal_number(deco: ast.expr, path: Path, node: ast.FunctionDef) -> float:
    if isinstance(deco, ast.Call) and deco.args:
        try:
            value = ast.literal_eval(deco.args[0])
        except ValueError:
            value = None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    raise UnreadableGrader(
        f"{path.name}:{node.lineno}: {node.name}: @pytest.mark.points needs a literal number"
    )


def _case_count(deco: ast.expr, path: Path, node: ast.FunctionDef) -> int:
    values = deco.args[1] if isinstance(deco, ast.Call) and len(deco.args) > 1 else None
    if isinstance(values, ast.List | ast.Tuple):
        return len(values.elts)
    raise UnreadableGrader(
        f"{path.name}:{node.lineno}: {node.name}: @pytest.mark.parametrize needs a literal list "
        "of cases for its points to be counted"
    )
