"""The catalog in docs/catalog.md and the README is generated from the metadata: no drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import catalog, exercises

REPO = Path(__file__).resolve().parents[2]


def test_the_catalog_page_and_the_readme_match_the_exercises() -> None:
    items, learning = exercises.load_all(REPO), exercises.load_path(REPO)
    page = (REPO / "docs" / "catalog.md").read_text(encoding="utf-8")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    hint = "the catalog drifted from the exercises: run `sandbox catalog --write`"
    assert page == catalog.catalog_page(items, learning), hint
    assert readme == catalog.with_section(readme, items, learning), hint
    for ex in items:
        assert f"`{ex.slug}`" in page and f"`{ex.slug}`" in readme


def test_write_rewrites_only_what_drifted(sandbox_home: Path) -> None:
    (sandbox_home / "README.md").write_text(f"# Course\n\n{catalog.START}\nold\n{catalog.END}\n")
    items, learning = exercises.load_all(), exercises.load_path()
    assert catalog.write(sandbox_home, items, learning) == [
        sandbox_home / "docs" / "catalog.md",
        sandbox_home / "README.md",
    ]
    assert "`demo`" in (sandbox_home / "README.md").read_text()
    assert catalog.write(sandbox_home, items, learning) == []


def test_a_readme_without_markers_is_refused() -> None:
    with pytest.raises(ValueError, match="no catalog markers"):
        catalog.with_section("# no markers\n", [], exercises.load_path(REPO))


def test_every_exercise_of_the_catalog_meets_the_standard_s_shape() -> None:
    """The lint that `sandbox verify` runs, over the whole catalog: README sections, points,
    hints, described tests, topics, the path, examples."""
    from sandbox.lint import lint_all

    problems = lint_all(exercises.load_all(REPO), exercises.load_path(REPO))
    assert problems == [], "\n".join(str(p) for p in problems)
