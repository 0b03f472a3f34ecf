"""The result document: what one grading job produced, versioned for everything that parses it.

Also the one status vocabulary (`STATUS_INFO`: label, colour, meaning, next step) every renderer
uses, the learner's view of a result (`Result.learner_view`, hidden tests redacted) and the one
place learner-derived text is made safe for terminals and files (`clean_text`).

Kept to the standard library: the same module runs on the host and inside the runner image.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

SCHEMA_VERSION = 2
READABLE_VERSIONS = (1, 2)  # 2 added `transcript` to each test; a version-1 document has none
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
    def is_verdict(self) -> bool:
        """Pass or fail: the tests ran to a verdict. Every other status needs a reason shown."""
        return self in (Status.PASS, Status.FAIL)

    @property
    def info(self) -> StatusInfo:
        return STATUS_INFO[self]


@dataclass(frozen=True)
class StatusInfo:
    """How every output names and explains one status: the one table they all read."""

    label: str  # short, for tables and badges
    style: str  # a rich style; the HTML report maps the status name to its own CSS
    meaning: str  # for staff: what the status says about the submission
    why: str  # for the learner: what happened, one clause
    next_step: str  # for the learner: what to do now


STATUS_INFO: dict[Status, StatusInfo] = {
    Status.PASS: StatusInfo(
        "pass",
        "bold green",
        "full marks",
        "every test passed",
        "Full marks. `sandbox list` shows what to try next.",
    ),
    Status.FAIL: StatusInfo(
        "fail",
        "bold red",
        "graded, some tests failed",
        "some tests did not pass",
        "Fix the first failing test, then run `sandbox check` again; `sandbox hint` helps.",
    ),
    Status.ERROR: StatusInfo(
        "error",
        "bold magenta",
        "the app did not start (or we could not grade: flagged)",
        "the app did not start, so no test could pass",
        "Run your app by hand (`sandbox run`, or `flask --app app run`) and fix what stops it, "
        "then check again.",
    ),
    Status.TIMEOUT: StatusInfo(
        "timeout",
        "bold yellow",
        "over the time limit; tests done before it count",
        "the run went over its time limit; tests finished before it count",
        "Look for a loop that never ends or a call that blocks forever, then check again.",
    ),
    Status.OOM: StatusInfo(
        "out of memory",
        "bold yellow",
        "over the memory limit",
        "the app went over its memory limit",
        "Look for data that grows without bound or a huge allocation, then check again.",
    ),
    Status.REJECTED: StatusInfo(
        "rejected",
        "bold magenta",
        "submission refused at intake: 0 points",
        "the submission was refused before it was run",
        "Fix the submission as the message says, then submit again.",
    ),
    Status.MISSING: StatusInfo(
        "missing",
        "dim",
        "nothing submitted: not graded",
        "nothing was submitted",
        "Nothing was submitted.",
    ),
}
STATUS_ORDER = list(Status)


class TestStatus(StrEnum):
    """How one test ended."""

    __test__ = False  # not a pytest class

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    NOT_RUN = "not_run"


@dataclass
class Exchange:
    """One request the grader sent to the learner's app and what came back (excerpts)."""

    method: str
    path: str
    request_headers: dict[str, str] = field(default_factory=dict)  # the ones that matter
    request_body: str = ""
    status: int | None = None  # None: no answer (see `error`)
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    duration_ms: float = 0.0
    error: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Exchange:
        status = data.get("status")
        if status is not None and (isinstance(status, bool) or not isinstance(status, int)):
            raise ValueError("'status' of an exchange must be an integer or null")
        return cls(
            method=_str(data, "method"),
            path=_str(data, "path"),
            request_headers=_headers(data, "request_headers"),
            request_body=_str(data, "request_body", ""),
            status=status,
            response_headers=_headers(data, "response_headers"),
            response_body=_str(data, "response_body", ""),
            duration_ms=_num(data, "duration_ms", 0.0),
            error=_str(data, "error", ""),
        )

    def cleaned(self) -> Exchange:
        def heads(h: dict[str, str]) -> dict[str, str]:
            return {clean_text(k): clean_text(v) for k, v in h.items()}

        return replace(
            self,
            method=clean_text(self.method),
            path=clean_text(self.path),
            request_headers=heads(self.request_headers),
            request_body=clean_text(self.request_body),
            response_headers=heads(self.response_headers),
            response_body=clean_text(self.response_body),
            error=clean_text(self.error),
        )

    def lines(self) -> list[str]:
        """The curl-like view: `> ` what was sent, `< ` what came back."""
        out = [f"> {self.method} {self.path}"]
        out += [f"> {k}: {v}" for k, v in self.request_headers.items()]
        out += [f"> {line}" for line in self.request_body.splitlines()] if self.request_body else []
        if self.status is None:
            out.append(f"< (no answer: {self.error or 'the app did not respond'})")
            return out
        out.append(f"< {self.status} ({self.duration_ms:.0f} ms)")
        out += [f"< {k}: {v}" for k, v in self.response_headers.items()]
        body = self.response_body.splitlines() or ["(empty body)"]
        out += [f"< {line}" for line in body]
        return out


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
    transcript: list[Exchange] = field(default_factory=list)  # the last requests of a failure

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestResult:
        transcript = data.get("transcript", [])
        if not isinstance(transcript, list):
            raise ValueError("'transcript' must be a list")
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
            transcript=[Exchange.from_dict(e) for e in transcript if isinstance(e, dict)],
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
    def without_tests(
        cls,
        exercise: str,
        submission: str,
        status: Status,
        max_score: float,
        message: str,
        *,
        infrastructure: bool = False,
    ) -> Result:
        """A job that never reached the tests (rejected, missing, could not grade): zero, and says why.

        Whether that zero stands is `scored`: a rejected archive's does, our failure's does not.
        """
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

    def learner_view(self) -> Result:
        """What a learner may see, for every learner-facing output (terminal, `check --json`,
        Gradescope, the watch screen): a hidden test keeps its status and points, never its
        name, description, message or output, and the run message names no hidden test.
        Staff outputs (results/<student>.json, gradebook, report, JUnit) keep everything."""
        tests: list[TestResult] = []
        hidden_seen = 0
        for t in self.tests:
            if not t.hidden:
                tests.append(t)
                continue
            hidden_seen += 1
            tests.append(
                replace(
                    t,
                    name=f"{HIDDEN_NAME} {hidden_seen}",
                    description="",
                    message=HIDDEN_FAILED if t.status is not TestStatus.PASSED else "",
                    output="",
                    transcript=[],
                )
            )
        message = fail_message(tests) if self.status is Status.FAIL else self.message
        return replace(self, tests=tests, message=message)

    def cleaned(self) -> Result:
        """Every text field made safe to print and store (see `clean_text`)."""
        return replace(
            self,
            exercise=clean_text(self.exercise),
            message=clean_text(self.message),
            image=clean_text(self.image),
            runner=clean_text(self.runner),
            submission=clean_text(self.submission),
            tests=[
                replace(
                    t,
                    name=clean_text(t.name),
                    message=clean_text(t.message),
                    output=clean_text(t.output),
                    description=clean_text(t.description),
                    transcript=[e.cleaned() for e in t.transcript],
                )
                for t in self.tests
            ],
        )

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
        if version not in READABLE_VERSIONS or isinstance(version, bool):
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


HIDDEN_NAME = "hidden test"
HIDDEN_FAILED = "A hidden test did not pass; what it checks is not shown. Re-read the README."


def fail_message(tests: list[TestResult]) -> str:
    """The run message of a `fail`: how many did not pass, and the first one's story.

    Given a learner view (hidden tests already redacted), it names no hidden test.
    """
    failed = [t for t in tests if t.status is not TestStatus.PASSED]
    head = f"{len(failed)} of {len(tests)} tests did not pass."
    if not failed:
        return head
    first = failed[0]
    if first.hidden and first.name.startswith(HIDDEN_NAME):
        return f"{head} First: {first.name}."
    return f"{head} First: {first.name}: {first.message}"


# C0 and C1 controls but tab and newline, DEL, bidi overrides and invisible format characters
# (Trojan-source tricks), and lone surrogates (unencodable: they would break any writer).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)


def clean_text(text: str) -> str:
    """Learner-derived text made safe for terminals, CSV and HTML: every control character but
    newline and tab is shown visibly (`\\x1b`), never interpreted; CRLF becomes a newline."""
    text = text.replace("\r\n", "\n")
    return _UNSAFE.sub(_visible, text) if _UNSAFE.search(text) else text


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xD800 <= code <= 0xDFFF:
        return "\ufffd"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


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


def _headers(data: dict[str, Any], key: str) -> dict[str, str]:
    value = data.get(key, {})
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError(f"{key!r} must be an object of strings")
    return dict(value)


def _num(data: dict[str, Any], key: str, default: float | None = None) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key!r} must be a number, got {type(value).__name__}")
    return float(value)
