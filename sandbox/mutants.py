"""Mutation testing of a grader: seed one-point faults into the reference solution.

A *mutant* is the solution with one small fault: a comparison flipped, a constant changed, a
statement removed, a return value lost. A thorough grader catches it (scores it below full marks,
or the run errors or times out); a mutant at full marks is a *survivor*: either the grader misses
a behaviour the README states, or the fault changes nothing observable (an *equivalent* mutant).

Mutants are written by source position: the text of one node is replaced by `ast.unparse` of its
mutated copy and everything else in the file stays byte for byte, comments included, so a
survivor's `file:line` reads against the real solution. Each candidate is re-parsed and must give
exactly the intended tree (else it is retried in parentheses, then dropped) and must compile
(else it is dropped: a mutant that does not compile measures nothing).

Never mutated: docstrings and other bare string statements, logging-only statements (`print`,
`logging.*`, `logger.*`, `app.logger.*`), annotations, imports, definitions, and the
`if __name__ == "__main__":` block (the grader never runs it). The order is deterministic; a
`limit` keeps a sample of that many, chosen by `seed`.
"""

from __future__ import annotations

import ast
import copy
import random
import shutil
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from sandbox.results import Result, Status

THRESHOLD = 0.85  # the curriculum's standard: a grader catches at least 85% of the mutants
SKIP_DIRS = {"__pycache__", ".git", ".venv", "venv", ".pytest_cache"}

_COMPARE_SWAP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_BINOP_SWAP: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
}
_SYMBOL: dict[type[ast.AST], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.And: "and",
    ast.Or: "or",
}
_LOG_LEVELS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
_LOGGER_NAMES = {"logging", "logger", "log", "_log", "_logger", "LOG", "LOGGER"}
_SIMPLE_STATEMENTS = (
    ast.Assign,
    ast.AugAssign,
    ast.AnnAssign,
    ast.Expr,
    ast.Raise,
    ast.Assert,
    ast.Delete,
    ast.Break,
    ast.Continue,
)


@dataclass(frozen=True)
class Mutant:
    """One fault in one file: where it is, what it does, and the file's whole mutated text."""

    file: str  # path relative to the solution folder, posix
    line: int
    col: int
    description: str
    source: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def __str__(self) -> str:
        return f"{self.where}: {self.description}"


@dataclass(frozen=True)
class MutantOutcome:
    mutant: Mutant
    result: Result

    @property
    def infrastructure(self) -> bool:
        return self.result.infrastructure

    @property
    def caught(self) -> bool:
        """Below full marks, or the run errored or timed out: the grader noticed the fault."""
        if self.infrastructure:
            return False
        full = self.result.status is Status.PASS and self.result.score >= self.result.max_score
        return not full


@dataclass(frozen=True)
class MutationReport:
    """The share of mutants a grader catches, and the survivors as `file:line: description`."""

    seed: int
    generated: int  # candidates before sampling
    outcomes: tuple[MutantOutcome, ...]
    threshold: float = THRESHOLD

    @property
    def tested(self) -> int:
        """Mutants that were graded (our own failures to grade do not count either way)."""
        return sum(1 for o in self.outcomes if not o.infrastructure)

    @property
    def caught(self) -> int:
        return sum(1 for o in self.outcomes if o.caught)

    @property
    def score(self) -> float:
        return self.caught / self.tested if self.tested else 1.0

    @property
    def survivors(self) -> list[Mutant]:
        return [o.mutant for o in self.outcomes if not o.caught and not o.infrastructure]

    @property
    def infrastructure_errors(self) -> list[MutantOutcome]:
        return [o for o in self.outcomes if o.infrastructure]

    @property
    def ok(self) -> bool:
        return not self.infrastructure_errors and self.score >= self.threshold

    def problems(self) -> list[str]:
        out = []
        if self.score < self.threshold:
            out.append(
                f"the grader catches {self.caught} of {self.tested} mutants "
                f"({self.score:.0%}), below {self.threshold:.0%}: give each survivor a test, "
                f"or name it as equivalent. Survivors: " + "; ".join(str(m) for m in self.survivors)
            )
        if self.infrastructure_errors:
            first = self.infrastructure_errors[0]
            out.append(
                f"{len(self.infrastructure_errors)} mutant(s) could not be graded (ours, not the "
                f"grader's): {first.mutant}: {first.result.message}"
            )
        return out

    def as_document(self) -> dict[str, object]:
        return {
            "seed": self.seed,
            "generated": self.generated,
            "tested": self.tested,
            "caught": self.caught,
            "score": round(self.score, 4),
            "threshold": self.threshold,
            "ok": self.ok,
            "survivors": [str(m) for m in self.survivors],
            "infrastructure_errors": [
                f"{o.mutant}: {o.result.message}" for o in self.infrastructure_errors
            ],
        }


# -- generating --------------------------------------------------------------------------------


def python_files(folder: Path) -> list[Path]:
    """The solution's Python files, sorted by relative path (the order mutants are numbered in)."""
    return sorted(
        (
            p
            for p in folder.rglob("*.py")
            if p.is_file()
            and not p.is_symlink()
            and not SKIP_DIRS.intersection(p.relative_to(folder).parts)
        ),
        key=lambda p: p.relative_to(folder).as_posix(),
    )


def generate(
    folder: Path, *, seed: int = 0, limit: int | None = None, only: tuple[str, ...] = ()
) -> tuple[list[Mutant], int]:
    """Every mutant of the folder's Python files (or a `limit`-sized sample chosen by `seed`);
    `only`: of these files alone (paths relative to the folder).

    Returns (mutants, how many there were before sampling). The same folder and seed always give
    the same mutants in the same order.
    """
    every: list[Mutant] = []
    for path in python_files(folder):
        rel = path.relative_to(folder).as_posix()
        if only and rel not in only:
            continue
        every += mutants_of_source(path.read_text(encoding="utf-8"), rel)
    if limit is not None and len(every) > limit:
        keep = sorted(random.Random(seed).sample(range(len(every)), max(0, limit)))
        return [every[i] for i in keep], len(every)
    return every, len(every)


def mutants_of_source(source: str, filename: str = "app.py") -> list[Mutant]:
    """All mutants of one module's source, in source order; unparsable source gives none."""
    try:
        tree = ast.parse(source, filename)
    except SyntaxError:
        return []
    data = source.encode("utf-8")
    starts = _line_starts(data)
    nodes = list(ast.walk(tree))
    index = {id(node): i for i, node in enumerate(nodes)}
    found: list[tuple[int, int, int, Mutant]] = []
    for seq, (node, replacement, description) in enumerate(_candidates(tree)):
        mutant = _apply(tree, index[id(node)], node, replacement, data, starts, filename)
        if mutant is not None:
            found.append((mutant.line, mutant.col, seq, replace(mutant, description=description)))
    found.sort(key=lambda item: item[:3])
    return [m for *_, m in found]


def _line_starts(data: bytes) -> list[int]:
    starts = [0]
    for i, byte in enumerate(data):
        if byte == 0x0A:
            starts.append(i + 1)
    return starts


def _apply(
    tree: ast.Module,
    target: int,
    node: ast.AST,
    replacement: ast.AST,
    data: bytes,
    starts: list[int],
    filename: str,
) -> Mutant | None:
    """Splice `replacement` over `node`'s text; keep it only if it parses to the intended tree."""
    lineno = getattr(node, "lineno", None)
    end_lineno = getattr(node, "end_lineno", None)
    if lineno is None or end_lineno is None:
        return None
    begin = starts[lineno - 1] + node.col_offset  # type: ignore[attr-defined]
    end = starts[end_lineno - 1] + node.end_col_offset  # type: ignore[attr-defined]
    intended = ast.dump(_replaced(tree, target, replacement))
    text = ast.unparse(replacement)
    for candidate in (text, f"({text})"):
        source = (data[:begin] + candidate.encode("utf-8") + data[end:]).decode("utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # `x is ''` and the like: legal, if odd
            try:
                mutated = ast.parse(source, filename)
            except SyntaxError:
                continue
            if ast.dump(mutated) != intended:
                continue
            try:
                compile(source, filename, "exec", dont_inherit=True)
            except (SyntaxError, ValueError):
                return None
        return Mutant(filename, lineno, node.col_offset, "", source)  # type: ignore[attr-defined]
    return None


def _replaced(tree: ast.Module, target: int, replacement: ast.AST) -> ast.Module:
    """A copy of the tree with its `target`-th node (in ast.walk order) replaced."""
    clone = copy.deepcopy(tree)
    victim = list(ast.walk(clone))[target]
    for parent in ast.walk(clone):
        for name, value in ast.iter_fields(parent):
            if value is victim:
                setattr(parent, name, replacement)
                return clone
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is victim:
                        value[i] = replacement
                        return clone
    raise ValueError("the node to replace is not in the tree")


# -- what may be mutated, and how ------------------------------------------------------------


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _is_logging(stmt: ast.stmt) -> bool:
    """print(...), logging.info(...), logger.warning(...), app.logger.error(...)."""
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return False
    func = stmt.value.func
    if isinstance(func, ast.Name):
        return func.id == "print"
    if isinstance(func, ast.Attribute) and func.attr in _LOG_LEVELS:
        owner = func.value
        if isinstance(owner, ast.Name):
            return owner.id in _LOGGER_NAMES
        if isinstance(owner, ast.Attribute):
            return owner.attr in _LOGGER_NAMES
    return False


def _is_main_guard(stmt: ast.stmt) -> bool:
    test = stmt.test if isinstance(stmt, ast.If) else None
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def _skipped_subtrees(tree: ast.Module) -> set[int]:
    """ids of nodes whose whole subtree is never mutated."""
    skip: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom | ast.Global | ast.Nonlocal) or (
            isinstance(node, ast.stmt)
            and (_is_docstring(node) or _is_logging(node) or _is_main_guard(node))
        ):
            skip.append(node)
        elif isinstance(node, ast.arg) and node.annotation is not None:
            skip.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns:
            skip.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            skip.append(node.annotation)
        elif isinstance(node, ast.JoinedStr):
            # Before Python 3.12 the positions inside an f-string are unreliable: an f-string is
            # mutated as a whole (its literal parts), never through the nodes inside it.
            skip += node.values
    return {id(n) for root in skip for n in ast.walk(root)}


def _snippet(node: ast.AST, limit: int = 48) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _candidates(tree: ast.Module) -> Iterator[tuple[ast.AST, ast.AST, str]]:
    """(node, its replacement, description) for every mutation the tree offers."""
    skipped = _skipped_subtrees(tree)
    # A number compared with something is a boundary: it gets both n + 1 and n - 1.
    boundaries = {
        id(operand)
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        for side in (node.left, *node.comparators)
        for operand in (side.operand if isinstance(side, ast.UnaryOp) else side,)
    }
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        yield from _mutations_of(node, boundaries)


def _mutations_of(node: ast.AST, boundaries: set[int]) -> Iterator[tuple[ast.AST, ast.AST, str]]:
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            swap = _COMPARE_SWAP.get(type(op))
            if swap:
                new = copy.deepcopy(node)
                new.ops[i] = swap()
                yield node, new, f"`{_SYMBOL[type(op)]}` → `{_SYMBOL[swap]}` in `{_snippet(node)}`"
    elif isinstance(node, ast.BinOp | ast.AugAssign):
        swap_op = _BINOP_SWAP.get(type(node.op))
        if swap_op:
            new_op = copy.deepcopy(node)
            new_op.op = swap_op()
            yield (
                node,
                new_op,
                f"`{_SYMBOL[type(node.op)]}` → `{_SYMBOL[swap_op]}` in `{_snippet(node)}`",
            )
    elif isinstance(node, ast.BoolOp):
        new_bool = copy.deepcopy(node)
        new_bool.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        yield (
            node,
            new_bool,
            f"`{_SYMBOL[type(node.op)]}` → `{_SYMBOL[type(new_bool.op)]}` in `{_snippet(node)}`",
        )
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
        kind = "`not` removed" if isinstance(node.op, ast.Not) else "sign dropped"
        yield node, copy.deepcopy(node.operand), f"{kind} in `{_snippet(node)}`"
    elif isinstance(node, ast.Constant):
        yield from _constant_mutations(node, boundary=id(node) in boundaries)
    elif isinstance(node, ast.JoinedStr):
        for i, part in enumerate(node.values):
            if isinstance(part, ast.Constant) and part.value:
                new_f = copy.deepcopy(node)
                del new_f.values[i]
                yield node, new_f, f"{part.value!r} dropped from `{_snippet(node)}`"

    if isinstance(node, ast.If | ast.While | ast.IfExp | ast.Assert) and not isinstance(
        node.test, ast.Compare | ast.BoolOp | ast.UnaryOp | ast.Constant
    ):
        test = node.test
        yield test, ast.UnaryOp(ast.Not(), copy.deepcopy(test)), f"`{_snippet(test)}` negated"
    returned = node.value if isinstance(node, ast.Return) else None
    if returned is not None and not (isinstance(returned, ast.Constant) and returned.value is None):
        yield returned, ast.Constant(None), f"`return {_snippet(returned)}` → `return None`"
    if isinstance(node, _SIMPLE_STATEMENTS):
        yield node, ast.Pass(), f"removed `{_snippet(node)}`"


def _constant_mutations(
    node: ast.Constant, *, boundary: bool
) -> Iterator[tuple[ast.AST, ast.AST, str]]:
    value = node.value
    replacements: list[str | bytes | bool | int | float | None]
    if isinstance(value, bool):
        replacements = [not value]
    elif isinstance(value, int):
        replacements = [value + 1, value - 1] if boundary else [value + 1]
    elif isinstance(value, float):
        replacements = [value + 1.0]
    elif isinstance(value, str):
        replacements = ["" if value else "XX"]
    elif isinstance(value, bytes):
        replacements = [b"" if value else b"XX"]
    elif value is None:
        replacements = [""]
    else:
        return
    for new_value in replacements:
        new: ast.expr = ast.Constant(new_value)
        if isinstance(new_value, int | float) and not isinstance(new_value, bool) and new_value < 0:
            new = ast.UnaryOp(ast.USub(), ast.Constant(-new_value))  # how `-1` parses back
        yield node, new, f"`{_snippet(node)}` → `{new_value!r}`"


# -- materialising -------------------------------------------------------------------------------


def materialize(solution: Path, mutant: Mutant, into: Path) -> Path:
    """Copy the solution folder to `into` with the mutant's file rewritten; return `into`."""
    shutil.copytree(solution, into, symlinks=True, ignore=shutil.ignore_patterns(*SKIP_DIRS))
    (into / mutant.file).write_text(mutant.source, encoding="utf-8")
    return into
