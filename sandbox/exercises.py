"""Exercises: loading `exercises/<slug>/exercise.toml` and checking everything it promises.

A course is a folder with `exercises/` and `graders/` (the tool's own checkout, or staff's own
repository named by SANDBOX_HOME); `exercises/path.toml` is its learning path: the tracks in
order, the exercises in order within each, and the topic vocabulary. Every error names the file
and the field, and says what is expected.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sandbox.errors import ExerciseError, UsageError
from sandbox.jobspec import (
    MAX_UPSTREAMS,
    RESERVED_ENV,
    SECRET_NAME,
    SERVICES,
    AppEntry,
    Limits,
    ServicesEntry,
)

DIFFICULTIES = ("beginner", "intermediate", "advanced")
# What the learner submits. "app": a served app that the grader tests over HTTP (every exercise
# today). A kind whose submission is not the graded app (say, tests the learner writes) is where
# mutants of the reference stop measuring the grader: `Exercise.mutants_apply` says so.
KINDS = ("app",)
FORMAT_VERSION = 1
PATH_FILE = "path.toml"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
# What PostgreSQL needs on top of an app (measured: docs/authoring.md, "Services").
POSTGRES_MIN_MEMORY_MB = 320
POSTGRES_MIN_PIDS = 64


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
    grader_private: bool = False  # the grader's files are unreadable to the learner's app
    id: str = ""  # stable: progress is kept under it, so a renamed slug keeps its history
    estimated_minutes: int = 30
    prerequisites: tuple[str, ...] = ()  # slugs a learner should finish first
    track: str = ""  # the learning path's track id ("" when the course has no path file)
    services: ServicesEntry = field(default_factory=ServicesEntry)  # started for the grader
    kind: str = "app"  # what the learner submits (KINDS)

    @property
    def mutants_apply(self) -> bool:
        """Do seeded faults in the reference solution measure this grader (`verify --mutants`)?

        Only where the submission is the app the grader tests: then a fault in the reference is a
        wrong app the grader should catch.
        """
        return self.kind == "app"

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


@dataclass(frozen=True)
class Track:
    id: str
    title: str
    summary: str
    exercises: tuple[str, ...]  # slugs, in the order a learner takes them


@dataclass(frozen=True)
class LearningPath:
    """exercises/path.toml: the tracks in order, and the course's topic vocabulary."""

    tracks: tuple[Track, ...]
    topics: frozenset[str]  # empty: any topic is fine (a course without a path file)
    file: Path | None = None

    def track_of(self, slug: str) -> Track | None:
        return next((t for t in self.tracks if slug in t.exercises), None)

    def order(self) -> list[str]:
        return [slug for track in self.tracks for slug in track.exercises]


def load_path(root: Path | None = None) -> LearningPath:
    """The course's learning path; a course without `exercises/path.toml` has none (one list)."""
    root = root or project_root()
    path = root / "exercises" / PATH_FILE
    if not path.is_file():
        return LearningPath((), frozenset())
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ExerciseError(path, f"not valid TOML ({exc})") from None
    r = _Reader(path, data)
    r.number("format_version", bounds=(1, FORMAT_VERSION))
    topics = r.text_list("topics")
    raw = data.get("tracks")
    if not isinstance(raw, list) or not raw or not all(isinstance(t, dict) for t in raw):
        raise ExerciseError(path, "must be a list of [[tracks]] tables", "tracks")
    tracks: list[Track] = []
    seen: dict[str, str] = {}
    for i, table in enumerate(raw):
        t = _Reader(path, table, f"tracks[{i}].")
        track = Track(
            id=t.text("id", pattern=_SLUG, what="a track id (lowercase letters, digits, -)"),
            title=t.text("title"),
            summary=t.text("summary"),
            exercises=tuple(t.text_list("exercises", [], pattern=_SLUG)),
        )
        t.no_extra({"id", "title", "summary", "exercises"})
        for slug in track.exercises:
            if slug in seen:
                raise ExerciseError(
                    path, f"{slug!r} is already in track {seen[slug]!r}", f"tracks[{i}].exercises"
                )
            seen[slug] = track.id
        tracks.append(track)
    r.no_extra({"format_version", "topics", "tracks"})
    return LearningPath(tuple(tracks), frozenset(topics), path)


def load_all(root: Path | None = None) -> list[Exercise]:
    """Every exercise of the course, in learning-path order (those not in the path last)."""
    root = root or project_root()
    base = root / "exercises"
    if not base.is_dir():
        raise UsageError(
            f"no exercises folder at {base}; set SANDBOX_HOME to a course folder "
            "(one with exercises/ and graders/)"
        )
    learning = load_path(root)
    found = {p.name for p in base.iterdir() if (p / "exercise.toml").is_file()}
    missing = [slug for slug in learning.order() if slug not in found]
    if missing:
        raise ExerciseError(
            learning.file,
            f"lists {missing[0]!r}, which has no exercises/{missing[0]}/exercise.toml",
        )
    ordered = learning.order() + sorted(found - set(learning.order()))
    return [load(slug, root, learning) for slug in ordered]


def load(slug: str, root: Path | None = None, learning: LearningPath | None = None) -> Exercise:
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
    exercise = _validate(slug, folder, root / "graders" / slug, toml_path, data)
    track = (learning or load_path(root)).track_of(slug)
    return replace(exercise, track=track.id) if track else exercise


def _validate(slug: str, folder: Path, grader: Path, path: Path, data: dict[str, Any]) -> Exercise:
    r = _Reader(path, data)
    version = r.number("format_version", bounds=(1, FORMAT_VERSION))
    if version != FORMAT_VERSION:
        raise ExerciseError(path, f"must be {FORMAT_VERSION}", "format_version")
    ident = r.text("id", pattern=_SLUG, what="a stable id (lowercase letters, digits, -)")
    title = r.text("title")
    summary = r.text("summary")
    topics = r.text_list("topics")
    difficulty = r.text("difficulty")
    kind = r.text("kind", "app")
    if kind not in KINDS:
        raise ExerciseError(path, f"must be one of {', '.join(KINDS)}, got {kind!r}", "kind")
    if difficulty not in DIFFICULTIES:
        raise ExerciseError(
            path, f"must be one of {', '.join(DIFFICULTIES)}, got {difficulty!r}", "difficulty"
        )
    time_limit = r.number("time_limit_s", bounds=(5, 600))
    minutes = int(r.number("estimated_minutes", bounds=(1, 600)))
    stated_points = r.number("points", 0, bounds=(0, 1000))
    hints = r.text_list("hints")
    prerequisites = r.text_list("prerequisites", [], pattern=_SLUG)

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
    private = grader_r.boolean("private", False)
    services = _services(r, path, values)
    app_r.no_extra({"module", "attribute", "startup_timeout_s"})
    lim_r.no_extra(set(Limits.BOUNDS))
    grader_r.no_extra({"private"})
    r.no_extra(
        {
            "format_version",
            "id",
            "estimated_minutes",
            "prerequisites",
            "title",
            "summary",
            "topics",
            "difficulty",
            "kind",
            "time_limit_s",
            "points",
            "hints",
            "app",
            "limits",
            "grader",
            "services",
            "upstreams",
            "worker",
            "secrets",
        }
    )

    modules = {"app": app.module, "worker": services.worker}
    for sub in ("starter", "solution"):
        for role, module in modules.items():
            if module and not (folder / sub / f"{module.replace('.', '/')}.py").is_file():
                raise ExerciseError(
                    folder / sub,
                    f"missing {module}.py (the {role} module named by [{role}] module)",
                )
    if not (folder / "README.md").is_file():
        raise ExerciseError(
            folder / "README.md", "missing: every exercise needs a README for the learner"
        )
    if not grader.is_dir() or not any(grader.glob("test_*.py")):
        raise ExerciseError(grader, "missing: the grader folder needs at least one test_*.py")
    points = _points(path, grader, stated_points)
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
        grader_private=private,
        id=ident,
        estimated_minutes=minutes,
        prerequisites=tuple(prerequisites),
        services=services,
        kind=kind,
    )


def _services(r: _Reader, path: Path, limits: dict[str, Any]) -> ServicesEntry:
    """`services = [...]` (known names, each once), `upstreams = N`, `[worker] module`; what
    PostgreSQL needs must be stated in [limits]."""
    upstreams = int(r.number("upstreams", 0, bounds=(0, MAX_UPSTREAMS)))
    worker = ""
    if "worker" in r.data:
        worker_r = r.table("worker")
        worker = worker_r.text("module", pattern=_IDENT)
        worker_r.no_extra({"module"})
    names = r.data.get("services", [])
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
    secrets = r.text_list("secrets", [])
    for name in secrets:
        if not re.fullmatch(SECRET_NAME, name):
            raise ExerciseError(
                path, f"{name!r} is not an environment variable name (A-Z, 0-9, _)", "secrets"
            )
        if name in RESERVED_ENV:
            raise ExerciseError(path, f"{name} is set by the tool; choose another name", "secrets")
    if len(set(secrets)) != len(secrets):
        raise ExerciseError(path, "names a secret twice", "secrets")
    return ServicesEntry(tuple(names), upstreams, worker, tuple(secrets))


def _points(path: Path, grader: Path, stated: float) -> float:
    """The points, stated once: the grader's markers; exercise.toml may repeat them, if it agrees."""
    from sandbox.graderinfo import UnreadableGrader, declared_tests, total_points

    try:
        derived = total_points(declared_tests(grader))
    except (UnreadableGrader, SyntaxError) as exc:
        if stated:
            return stated  # verify still checks them against what the grader reports
        raise ExerciseError(
            path, f"cannot be derived from the grader ({exc}); state it here", "points"
        ) from None
    if stated and stated != derived:
        raise ExerciseError(
            path,
            f"says {stated:g} but the grader's @pytest.mark.points markers add up to {derived:g}; "
            "fix one (or drop `points` here: it is derived from the grader)",
            "points",
        )
    if derived <= 0:
        raise ExerciseError(grader, "the grader declares no points (no test_* functions?)")
    return derived


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
        self,
        key: str,
        default: str | None = None,
        pattern: re.Pattern[str] | None = None,
        what: str = "a valid Python name",
    ) -> str:
        value = self._get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise ExerciseError(
                self.path, f"must be a non-empty string, got {value!r}", self._field(key)
            )
        if pattern and not pattern.match(value):
            raise ExerciseError(self.path, f"{value!r} is not {what}", self._field(key))
        return value

    def text_list(
        self,
        key: str,
        default: list[str] | None = None,
        pattern: re.Pattern[str] | None = None,
    ) -> list[str]:
        value = self._get(key, default)
        if value == [] and default == []:
            return []
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v.strip() for v in value)
        ):
            raise ExerciseError(
                self.path, "must be a non-empty list of non-empty strings", self._field(key)
            )
        bad = [v for v in value if pattern and not pattern.match(v)]
        if bad:
            raise ExerciseError(self.path, f"{bad[0]!r} is not an exercise slug", self._field(key))
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
