"""Exercises: loading `exercises/<slug>/exercise.toml` and checking everything it promises.

Every error names the file and the field, and says what is expected.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.errors import ExerciseError, UsageError

DIFFICULTIES = ("beginner", "intermediate", "advanced")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
# Services graders may start (sandbox/grading/services.py keeps the same list, in the image).
SERVICES = ("redis", "postgres", "clock")
MAX_UPSTREAMS = 8
# What PostgreSQL needs on top of an app (measured: docs/authoring.md, "Services").
POSTGRES_MIN_MEMORY_MB = 320
POSTGRES_MIN_PIDS = 64


@dataclass(frozen=True)
class Limits:
    """Container limits for one exercise; defaults are the tool's, bounds keep them sane."""

    memory_mb: int = 256
    cpus: float = 1.0
    pids: int = 128
    test_timeout_s: float = 10.0
    request_timeout_s: float = 5.0
    tmpfs_mb: int = 64
    services_tmpfs_mb: int = 64  # PostgreSQL's own tmpfs (/run/postgres), when it is declared

    BOUNDS = {  # noqa: RUF012 - class-level constant table
        "memory_mb": (64, 1024),
        "cpus": (0.25, 2.0),
        "pids": (32, 512),
        "test_timeout_s": (1, 60),
        "request_timeout_s": (1, 30),
        "tmpfs_mb": (8, 256),
        "services_tmpfs_mb": (48, 512),
    }


@dataclass(frozen=True)
class AppEntry:
    module: str = "app"
    attribute: str = "app"
    startup_timeout_s: float = 10.0


@dataclass(frozen=True)
class WorkerEntry:
    """A second learner process, `python -m MODULE`, started and stopped by the grader."""

    module: str = "worker"


@dataclass(frozen=True)
class Exercise:
    slug: str
    title: str
    summary: str
    topics: tuple[str, ...]
    difficulty: str
    time_limit_s: float
    points: float
    hints: tuple[str, ...]
    root: Path
    grader_dir: Path
    app: AppEntry = field(default_factory=AppEntry)
    limits: Limits = field(default_factory=Limits)
    grader_hidden: bool = False
    services: tuple[str, ...] = ()
    upstreams: int = 0
    worker: WorkerEntry | None = None

    @property
    def readme(self) -> Path:
        return self.root / "README.md"

    @property
    def starter(self) -> Path:
        return self.root / "starter"

    @property
    def solution(self) -> Path:
        return self.root / "solution"


def project_root() -> Path:
    """Where exercises/ and graders/ live: $SANDBOX_HOME, else the checkout this package is in."""
    env = os.environ.get("SANDBOX_HOME")
    return Path(env) if env else Path(__file__).resolve().parent.parent


def load_all(root: Path | None = None) -> list[Exercise]:
    root = root or project_root()
    base = root / "exercises"
    if not base.is_dir():
        raise UsageError(f"no exercises folder at {base}; set SANDBOX_HOME to the project checkout")
    return [load(p.name, root) for p in sorted(base.iterdir()) if (p / "exercise.toml").is_file()]


def load(slug: str, root: Path | None = None) -> Exercise:
    root = root or project_root()
    if not _SLUG.match(slug):
        raise UsageError(f"{slug!r} is not an exercise name; `sandbox list` shows them")
    folder = root / "exercises" / slug
    toml_path = folder / "exercise.toml"
    if not toml_path.is_file():
        found = (root / "exercises").glob("*/exercise.toml")
        known = ", ".join(sorted(p.parent.name for p in found))
        raise UsageError(f"unknown exercise {slug!r}; known: {known or 'none'}")
    try:
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ExerciseError(toml_path, f"not valid TOML ({exc})") from None
    return _validate(slug, folder, root / "graders" / slug, toml_path, data)


def _validate(slug: str, folder: Path, grader: Path, path: Path, data: dict[str, Any]) -> Exercise:
    r = _Reader(path, data)
    title = r.text("title")
    summary = r.text("summary")
    topics = r.text_list("topics")
    difficulty = r.text("difficulty")
    if difficulty not in DIFFICULTIES:
        raise ExerciseError(
            path, f"must be one of {', '.join(DIFFICULTIES)}, got {difficulty!r}", "difficulty"
        )
    time_limit = r.number("time_limit_s", bounds=(5, 600))
    points = r.number("points", bounds=(1, 1000))
    hints = r.text_list("hints")

    app_r = r.table("app")
    app = AppEntry(
        module=app_r.text("module", "app", pattern=_IDENT),
        attribute=app_r.text("attribute", "app", pattern=_IDENT),
        startup_timeout_s=app_r.number("startup_timeout_s", 10.0, bounds=(1, 60)),
    )
    lim_r = r.table("limits")
    defaults = Limits()
    values: dict[str, Any] = {}
    for name, bounds in Limits.BOUNDS.items():
        value = lim_r.number(name, getattr(defaults, name), bounds=bounds)
        values[name] = int(value) if isinstance(getattr(defaults, name), int) else value
    grader_r = r.table("grader")
    hidden = grader_r.boolean("hidden", False)
    services = _services(r, path, values)
    upstreams = int(r.number("upstreams", 0, bounds=(0, MAX_UPSTREAMS)))
    worker = None
    if "worker" in data:
        worker_r = r.table("worker")
        worker = WorkerEntry(module=worker_r.text("module", pattern=_IDENT))
        worker_r.no_extra({"module"})
    app_r.no_extra({"module", "attribute", "startup_timeout_s"})
    lim_r.no_extra(set(Limits.BOUNDS))
    grader_r.no_extra({"hidden"})
    r.no_extra(
        {
            "title",
            "summary",
            "topics",
            "difficulty",
            "time_limit_s",
            "points",
            "hints",
            "app",
            "limits",
            "grader",
            "services",
            "upstreams",
            "worker",
        }
    )

    modules = [(app.module, "app")]
    if worker is not None:
        modules.append((worker.module, "worker"))
    for sub in ("starter", "solution"):
        for module, named_by in modules:
            if not (folder / sub / f"{module.replace('.', '/')}.py").is_file():
                raise ExerciseError(
                    folder / sub,
                    f"missing {module}.py (the {named_by} module named by [{named_by}] module)",
                )
    if not (folder / "README.md").is_file():
        raise ExerciseError(
            folder / "README.md", "missing: every exercise needs a README for the learner"
        )
    if not grader.is_dir() or not any(grader.glob("test_*.py")):
        raise ExerciseError(grader, "missing: the grader folder needs at least one test_*.py")
    return Exercise(
        slug=slug,
        title=title,
        summary=summary,
        topics=tuple(topics),
        difficulty=difficulty,
        time_limit_s=time_limit,
        points=points,
        hints=tuple(hints),
        root=folder,
        grader_dir=grader,
        app=app,
        limits=Limits(**values),
        grader_hidden=hidden,
        services=services,
        upstreams=upstreams,
        worker=worker,
    )


def _services(r: _Reader, path: Path, limits: dict[str, Any]) -> tuple[str, ...]:
    """`services = [...]`: known names, each once; PostgreSQL's needs stated in [limits]."""
    if "services" not in r.data:
        return ()
    names = r.data["services"]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ExerciseError(path, f"must be a list of names from {', '.join(SERVICES)}", "services")
    for name in names:
        if name not in SERVICES:
            raise ExerciseError(
                path, f"unknown service {name!r} (known: {', '.join(SERVICES)})", "services"
            )
    if len(set(names)) != len(names):
        raise ExerciseError(path, "names a service twice", "services")
    if "postgres" in names:
        for key, least in (("memory_mb", POSTGRES_MIN_MEMORY_MB), ("pids", POSTGRES_MIN_PIDS)):
            if limits[key] < least:
                raise ExerciseError(
                    path,
                    f"PostgreSQL needs at least {least} here (its server processes and shared "
                    f"memory share the container's limits), got {limits[key]}",
                    f"limits.{key}",
                )
    return tuple(names)


class _Reader:
    """Typed access to one TOML table that reports the file and dotted field on any error."""

    def __init__(self, path: Path, data: dict[str, Any], prefix: str = "") -> None:
        self.path, self.data, self.prefix = path, data, prefix

    def _field(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def _get(self, key: str, default: Any) -> Any:
        if key not in self.data:
            if default is None:
                raise ExerciseError(self.path, "required field is missing", self._field(key))
            return default
        return self.data[key]

    def text(
        self, key: str, default: str | None = None, pattern: re.Pattern[str] | None = None
    ) -> str:
        value = self._get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise ExerciseError(
                self.path, f"must be a non-empty string, got {value!r}", self._field(key)
            )
        if pattern and not pattern.match(value):
            raise ExerciseError(
                self.path, f"{value!r} is not a valid Python name", self._field(key)
            )
        return value

    def text_list(self, key: str) -> list[str]:
        value = self._get(key, None)
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v.strip() for v in value)
        ):
            raise ExerciseError(
                self.path, "must be a non-empty list of non-empty strings", self._field(key)
            )
        return value

    def number(
        self, key: str, default: float | None = None, bounds: tuple[float, float] = (0, 1e9)
    ) -> float:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ExerciseError(self.path, f"must be a number, got {value!r}", self._field(key))
        low, high = bounds
        if not low <= value <= high:
            raise ExerciseError(
                self.path, f"must be between {low:g} and {high:g}, got {value!r}", self._field(key)
            )
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise ExerciseError(
                self.path, f"must be true or false, got {value!r}", self._field(key)
            )
        return value

    def table(self, key: str) -> _Reader:
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            raise ExerciseError(self.path, "must be a table", self._field(key))
        return _Reader(self.path, value, f"{self._field(key)}.")

    def no_extra(self, known: set[str]) -> None:
        extra = sorted(set(self.data) - known)
        if extra:
            raise ExerciseError(
                self.path,
                f"unknown field (known: {', '.join(sorted(known))})",
                self._field(extra[0]),
            )
