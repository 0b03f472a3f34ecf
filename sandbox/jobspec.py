"""The job spec: everything the grader inside the container needs to know, versioned.

One typed document shared by the host (which writes it) and the grader (which reads it), and the
one place the defaults of an exercise's `[app]` and `[limits]` live. Kept to the standard
library: this module runs on the host and inside the runner image.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar

JOB_VERSION = 1
# Services graders may start (sandbox/grading/services/), and how many upstreams at most.
SERVICES = ("redis", "postgres", "clock")
MAX_UPSTREAMS = 8
# What a submission is: an app the grader tests ("app"), or tests the grader runs against an API
# it holds ("tests": sandbox/grading/suites.py).
KINDS = ("app", "tests")
# `secrets = [...]`: environment variables the grader fills with a fresh random value each run.
SECRET_NAME = r"[A-Z][A-Z0-9_]{0,63}"
RESERVED_ENV = frozenset(
    {"PATH", "HOME", "LANG", "TMPDIR", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "LD_PRELOAD"}
    | {"FAKETIME_TIMESTAMP_FILE", "FAKETIME_NO_CACHE", "REDIS_URL", "DATABASE_URL"}
    | {"UPSTREAM_URL", "UPSTREAM_URLS"}
)


@dataclass(frozen=True)
class AppEntry:
    """How to start the learner's app: `module:attribute`, and how long it may take to listen."""

    module: str = "app"
    attribute: str = "app"
    startup_timeout_s: float = 10.0


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

    BOUNDS: ClassVar[dict[str, tuple[float, float]]] = {
        "memory_mb": (64, 1024),
        "cpus": (0.25, 2.0),
        "pids": (32, 512),
        "test_timeout_s": (1, 60),
        "request_timeout_s": (1, 30),
        "tmpfs_mb": (8, 256),
        "services_tmpfs_mb": (48, 512),
    }


@dataclass(frozen=True)
class ServicesEntry:
    """What the exercise asks to be started for its grader: `services = [...]` (names from
    SERVICES), `upstreams = N`, `[worker] module` ("": no worker) and `secrets = [...]`
    (environment variables given a fresh random value each run)."""

    names: tuple[str, ...] = ()
    upstreams: int = 0
    worker: str = ""
    secrets: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Any) -> ServicesEntry:
        if not isinstance(data, dict) or set(data) - {"names", "upstreams", "worker", "secrets"}:
            raise ValueError(
                "job spec: services must be an object of names, upstreams, worker, secrets"
            )
        names = data.get("names", [])
        if not isinstance(names, list) or not all(n in SERVICES for n in names):
            raise ValueError(f"job spec: services.names must be a list from {SERVICES}")
        upstreams = data.get("upstreams", 0)
        if isinstance(upstreams, bool) or not isinstance(upstreams, int):
            raise ValueError("job spec: services.upstreams must be an int")
        worker = data.get("worker", "")
        if not isinstance(worker, str):
            raise ValueError("job spec: services.worker must be a string")
        secrets = data.get("secrets", [])
        if not isinstance(secrets, list) or not all(
            isinstance(n, str) and re.fullmatch(SECRET_NAME, n) and n not in RESERVED_ENV
            for n in secrets
        ):
            raise ValueError("job spec: services.secrets must be a list of variable names")
        return cls(tuple(names), upstreams, worker, tuple(secrets))


@dataclass(frozen=True)
class JobSpec:
    """One grading job as the grader sees it: paths are the grader's, not the host's."""

    exercise: str
    submission: str  # the learner's files, read-only to the app
    grader: str  # the grader folder pytest runs
    workdir: str  # where the app runs (a writable copy of the submission)
    result_file: str | None = None  # also write the result document here
    learner_uid: int | None = None  # None: run the app as the grader's own user (local runner)
    nonce: str = ""  # tags the result lines on the grader's stdout
    app: AppEntry = field(default_factory=AppEntry)
    limits: Limits = field(default_factory=Limits)
    services: ServicesEntry = field(default_factory=ServicesEntry)
    kind: str = "app"  # one of KINDS
    version: int = JOB_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> JobSpec:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("a job spec must be a JSON object")
        if data.get("version") != JOB_VERSION:
            raise ValueError(f"unsupported job spec version {data.get('version')!r}")
        return cls(
            exercise=_typed(data, "exercise", str),
            submission=_typed(data, "submission", str),
            grader=_typed(data, "grader", str),
            workdir=_typed(data, "workdir", str),
            result_file=_typed(data, "result_file", str, optional=True),
            learner_uid=_typed(data, "learner_uid", int, optional=True),
            nonce=_typed(data, "nonce", str, default=""),
            app=_section(AppEntry, data.get("app", {})),
            limits=_section(Limits, data.get("limits", {})),
            services=ServicesEntry.from_dict(data.get("services", {})),
            kind=_kind(data.get("kind", "app")),
        )


def _kind(value: Any) -> str:
    if value not in KINDS:
        raise ValueError(f"job spec: kind must be one of {KINDS}, got {value!r}")
    return str(value)


def _typed(
    data: dict[str, Any], key: str, kind: type, *, optional: bool = False, default: Any = None
) -> Any:
    value = data.get(key, default)
    if value is None and (optional or default is not None):
        return value
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValueError(f"job spec: {key!r} must be {kind.__name__}, got {value!r}")
    return value


def _section(cls: type[Any], data: Any) -> Any:
    if not isinstance(data, dict):
        raise ValueError(f"job spec: {cls.__name__} must be an object")
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValueError(f"job spec: unknown {cls.__name__} field {unknown[0]!r}")
    values = {}
    for name, value in data.items():
        expected = type(getattr(cls(), name))
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError(f"job spec: {cls.__name__}.{name} has the wrong type")
        values[name] = expected(value)
    return cls(**values)
