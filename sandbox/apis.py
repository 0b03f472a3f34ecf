"""The APIs a tests-kind exercise holds: `apps/correct.py` and its buggy variants.

    graders/<slug>/apps/correct.py          the API exactly as the README states it (a Flask `app`)
    graders/<slug>/apps/variants/<name>.py  the same API with one realistic bug each
    graders/<slug>/apps/variants.toml       per variant: `area` (README-stated, shown to the
                                            learner when that bug gets past their tests) and
                                            `bug` (for staff: what is wrong)

Standard library only: the host's loader and lint read this too. The learner never sees these
files (the grader of a tests-kind exercise is private) nor which of them runs.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

APPS_DIR = "apps"
CORRECT = "correct.py"
VARIANTS_DIR = "variants"
VARIANTS_FILE = "variants.toml"
MIN_VARIANTS = 3


@dataclass(frozen=True)
class Api:
    name: str  # "correct", or the variant's file stem
    source: str
    area: str = ""  # the variant's area (README wording); "" for the correct API
    bug: str = ""


@dataclass(frozen=True)
class Apis:
    correct: Api
    variants: tuple[Api, ...]


def load(grader: Path) -> Apis:
    """The correct API and its variants; ValueError (naming the file) if they are malformed."""
    problems = check(grader)
    if problems:
        where, what = problems[0]
        raise ValueError(f"{where}: {what}")
    apps = grader / APPS_DIR
    meta = tomllib.loads((apps / VARIANTS_FILE).read_text(encoding="utf-8"))
    # In variants.toml's order: the areas named to the learner follow it.
    variants = tuple(
        Api(
            name,
            (apps / VARIANTS_DIR / f"{name}.py").read_text(encoding="utf-8"),
            str(entry["area"]),
            str(entry.get("bug", "")),
        )
        for name, entry in meta.items()
    )
    return Apis(Api("correct", (apps / CORRECT).read_text(encoding="utf-8")), variants)


def check(grader: Path) -> list[tuple[Path, str]]:
    """What is wrong with the grader's apps/ (empty: nothing): (file, problem) pairs."""
    apps = grader / APPS_DIR
    correct = apps / CORRECT
    if not correct.is_file():
        return [(correct, "missing: the correct API the learner's tests must pass against")]
    problems: list[tuple[Path, str]] = []
    files = _variant_files(apps)
    if len(files) < MIN_VARIANTS:
        problems.append(
            (
                apps / VARIANTS_DIR,
                f"has {len(files)} variants (*.py); write at least {MIN_VARIANTS}, "
                "one realistic bug each",
            )
        )
    meta_file = apps / VARIANTS_FILE
    try:
        meta = tomllib.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        return [*problems, (meta_file, f"unreadable ({exc})")]
    source = correct.read_text(encoding="utf-8")
    for path in files:
        entry = meta.get(path.stem)
        if not isinstance(entry, dict) or not isinstance(entry.get("area"), str):
            problems.append((meta_file, f'[{path.stem}] needs area = "…" (a README area)'))
        elif set(entry) - {"area", "bug"}:
            problems.append((meta_file, f"[{path.stem}] has unknown keys (known: area, bug)"))
        if path.read_text(encoding="utf-8") == source:
            problems.append((path, f"identical to {CORRECT}: a variant must have a bug"))
    for name in sorted(set(meta) - {p.stem for p in files}):
        problems.append((meta_file, f"[{name}] has no {VARIANTS_DIR}/{name}.py"))
    return problems


def _variant_files(apps: Path) -> list[Path]:
    folder = apps / VARIANTS_DIR
    return sorted(p for p in folder.glob("*.py") if p.is_file()) if folder.is_dir() else []
