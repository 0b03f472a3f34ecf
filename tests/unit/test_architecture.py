"""The shape of the package: no module imports one that imports it back, and the code that
runs inside the runner image imports nothing of the host's."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "sandbox"
IN_IMAGE = {"sandbox.results", "sandbox.jobspec", "sandbox.atomic", "sandbox.apis", "sandbox"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str) -> set[str]:
    """Every sandbox module `name` imports, at any depth of the file (lazy imports count)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "sandbox"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "sandbox":
                continue
            for alias in node.names:  # `from sandbox.cli import common` imports the submodule
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in MODULES else node.module)
    return found - {name}


GRAPH = {name: _imports(name) for name in MODULES}


def test_no_import_cycles() -> None:
    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        seen: set[str] = set()
        while stack:
            node, path = stack.pop()
            for nxt in GRAPH.get(node, set()):
                if nxt == start:
                    return [*path, start]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
        return None

    cycles = [c for c in (cycle_from(m) for m in sorted(GRAPH)) if c]
    assert not cycles, "import cycle: " + " -> ".join(cycles[0])


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("sandbox.grading")))
def test_grading_code_imports_only_what_the_image_has(module: str) -> None:
    host_only = {
        m
        for m in GRAPH[module]
        if not m.startswith("sandbox.grading") and m not in IN_IMAGE and m != "sandbox.exercises"
    }
    assert not host_only, f"{module} imports host-only modules: {sorted(host_only)}"
