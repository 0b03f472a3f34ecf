"""The result document: what one grading job produced, versioned for everything that parses it.

Kept to the standard library: the same module runs on the host and inside the runner image.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

SCHEMA_VERSION = 1
OUTPUT_CAP = 4000


class Status(StrEnum):
    """How a whole run ended."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    TIMEOUT = "timeout"
    OOM = "oom"
    REJECTED = "rejected"
    MISSING = "missing"

    @property
    def graded(self) -> bool:
        """True when the score reflects the learner's work (pass/fail), not a failure to grade."""
        return self in (Status.PASS, Status.FAIL)


class TestStatus(StrEnum):
    """How one test ended."""

    __test__ = False  # not a pytest class

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    NOT_RUN = "not_run"


@dataclass
class TestResult:
    """One grader test."""

    __test__ = False

    name: str
    status: TestStatus
    score: float
    max_score: float
    message: str = ""
    output: str = ""
    description: str = ""
    hidden: bool = False
    duration_s: float = 0.0

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestResult:
        return cls(
            name=_str(data, "name"),
            status=TestStatus(_str(data, "status")),
            score=_num(data, "score"),
            max_score=_num(data, "max_score"),
            message=_str(data, "message", ""),
            output=_str(data, "output", ""),
            description=_str(data, "description", ""),
            hidden=bool(data.get("hidden", False)),
            duration_s=_num(data, "duration_s", 0.0),
        )


@dataclass
class Result:
    """One grading job: the versioned JSON document of the result contract."""

    exercise: str
    status: Status
    score: float
    max_score: float
    message: str
    duration_s: float = 0.0
    image: str = ""
    runner: str = ""
    submission: str = ""
    tests: list[TestResult] = field(default_factory=list)
    complete: bool = True
    infrastructure: bool = False  # True when the failure is ours (Docker, image), not the learner's
    schema_version: int = SCHEMA_VERSION

    @classmethod
    def ungraded(
        cls,
        exercise: str,
        submission: str,
        status: Status,
        max_score: float,
        message: str,
        *,
        infrastructure: bool = False,
    ) -> Result:
        """A job that never reached the tests (rejected, missing, could not grade): zero, and says why."""
        return cls(
            exercise=exercise,
            submission=submission,
            status=status,
            score=0.0,
            max_score=max_score,
            message=message,
            infrastructure=infrastructure,
        )

    @property
    def scored(self) -> bool:
        """True when the score stands, 0 included (a crash, a timeout, a rejected archive are the
        learner's); False when there is nothing to score: our failure, or no submission."""
        return not self.infrastructure and self.status is not Status.MISSING

    @property
    def tests_passed(self) -> int:
        return sum(1 for t in self.tests if t.status is TestStatus.PASSED)

    @property
    def percent(self) -> float:
        return round(100.0 * self.score / self.max_score, 1) if self.max_score else 0.0

    def first_failure(self) -> TestResult | None:
        return next((t for t in self.tests if t.status is not TestStatus.PASSED), None)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = str(self.status)
        data["tests"] = [{**asdict(t), "status": str(t.status)} for t in self.tests]
        # Contract order: the documented keys first.
        first = ["schema_version", "exercise", "submission", "status", "score", "max_score"]
        return {k: data[k] for k in first} | {k: v for k, v in data.items() if k not in first}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(f"unsupported result schema_version {version!r}")
        tests = data.get("tests", [])
        if not isinstance(tests, list):
            raise ValueError("'tests' must be a list")
        return cls(
            exercise=_str(data, "exercise"),
            status=Status(_str(data, "status")),
            score=_num(data, "score"),
            max_score=_num(data, "max_score"),
            message=_str(data, "message", ""),
            duration_s=_num(data, "duration_s", 0.0),
            image=_str(data, "image", ""),
            runner=_str(data, "runner", ""),
            submission=_str(data, "submission", ""),
            tests=[TestResult.from_dict(t) for t in tests if isinstance(t, dict)],
            complete=bool(data.get("complete", True)),
            infrastructure=bool(data.get("infrastructure", False)),
        )

    @classmethod
    def from_json(cls, text: str) -> Result:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("a result document must be a JSON object")
        return cls.from_dict(data)


def truncate(text: str, cap: int = OUTPUT_CAP) -> str:
    """Cut captured noise to `cap` characters, saying so visibly."""
    if len(text) <= cap:
        return text
    return text[:cap] + f"\n[… output truncated: {len(text) - cap} more characters not shown]"


def _str(data: dict[str, Any], key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string, got {type(value).__name__}")
    return value


def _num(data: dict[str, Any], key: str, default: float | None = None) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key!r} must be a number, got {type(value).__name__}")
    return float(value)
