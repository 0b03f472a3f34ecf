"""The class report: one self-contained HTML page over a whole class's results.

Everything is computed here (statistics, the histogram's geometry, pass rates) and the template
only lays it out. The page loads nothing: CSS, the SVG chart and a tiny optional script are inline,
and a Content-Security-Policy forbids every fetch, so learner text can never reach the network.
"""

from __future__ import annotations

import base64
import hashlib
import math
import statistics
from collections import Counter
from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from sandbox.reports.gradebook import reason
from sandbox.results import STATUS_ORDER, Result, Status, TestStatus

MARKS = {
    TestStatus.PASSED: "✓",
    TestStatus.FAILED: "✗",
    TestStatus.ERROR: "!",
    TestStatus.NOT_RUN: "–",
}
BUCKETS = 10  # histogram buckets of 10 %

# Progressive enhancement only: "expand all" buttons, and open every row when printing.
_SCRIPT = (
    "(function(){var d=document,s=d.querySelectorAll('details.student'),was=[];"
    "function all(o){s.forEach(function(e){e.open=o;});}"
    "d.querySelectorAll('[data-expand]').forEach(function(b){b.hidden=false;"
    "b.addEventListener('click',function(){all(b.getAttribute('data-expand')==='1');});});"
    "addEventListener('beforeprint',function(){was=[];s.forEach(function(e){was.push(e.open);});"
    "all(true);});"
    "addEventListener('afterprint',function(){s.forEach(function(e,i){e.open=!!was[i];});});})();"
)
_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    f"script-src 'sha256-{_SCRIPT_HASH}'; base-uri 'none'; form-action 'none'"
)

CSP_NO_SCRIPT = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


@dataclass(frozen=True)
class CheckRow:
    """One test of one student, as shown in their expanded row."""

    mark: str
    status: str
    name: str
    description: str
    points: str
    message: str
    output: str
    hidden: bool
    transcript: str  # the curl-like view of the failure's last requests


@dataclass(frozen=True)
class StudentRow:
    index: int
    student: str
    status: str
    status_label: str
    graded: bool
    infrastructure: bool
    score: str
    percent: float
    tests_passed: int
    tests_total: int
    duration: str
    note: str  # one line under the name: why it was not graded, or the first failing test
    message: str
    runner: str
    checks: list[CheckRow]


@dataclass(frozen=True)
class PassRate:
    """How many graded students passed one test."""

    name: str
    description: str
    passed: int
    total: int

    @property
    def percent(self) -> float | None:
        return 100.0 * self.passed / self.total if self.total else None

    @property
    def level(self) -> str:
        p = self.percent
        return "none" if p is None else "low" if p < 50 else "mid" if p < 80 else "high"


@dataclass(frozen=True)
class Summary:
    students: int
    graded: int
    tested: int  # graded students whose result lists the tests: the pass rates' denominator
    passed: int
    not_graded: int
    infrastructure: int
    median: float | None
    mean: float | None
    max_score: float
    status_counts: list[tuple[str, str, int, str]]  # (status, label, count, meaning), present ones


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str

    @property
    def cx(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: float
    top: float
    bottom: float  # y of the baseline
    right: float
    bars: list[Bar]
    ticks: list[tuple[int, float]]  # (value, y)


def summarize(rows: list[tuple[str, Result]]) -> Summary:
    """Class totals. Median and mean are over scored students: a crash of ours or a missing
    submission is not a score, and the page counts those separately."""
    graded = [r.percent for _, r in rows if r.scored]
    counts = Counter(r.status for _, r in rows)
    maxes = Counter(r.max_score for _, r in rows if r.max_score)
    return Summary(
        students=len(rows),
        graded=len(graded),
        tested=sum(1 for _, r in rows if r.scored and r.tests),
        passed=counts[Status.PASS],
        not_graded=len(rows) - len(graded),
        infrastructure=sum(1 for _, r in rows if r.infrastructure),
        median=statistics.median(graded) if graded else None,
        mean=statistics.fmean(graded) if graded else None,
        max_score=maxes.most_common(1)[0][0] if maxes else 0.0,
        status_counts=[
            (str(s), s.info.label, counts[s], s.info.meaning) for s in STATUS_ORDER if counts[s]
        ],
    )


def score_buckets(rows: list[tuple[str, Result]]) -> list[int]:
    """How many graded students fall in each 10 % bucket: [0, 10), [10, 20), …, [90, 100]."""
    buckets = [0] * BUCKETS
    for _, r in rows:
        if r.scored:
            buckets[min(max(int(r.percent // 10), 0), BUCKETS - 1)] += 1
    return buckets


def pass_rates(rows: list[tuple[str, Result]]) -> list[PassRate]:
    """Per test, the share of graded students who passed it, hardest first.

    Tests keep the order they first appear in; equal rates keep that order; a test that no graded
    student ran comes last.
    """
    order: dict[str, str] = {}
    passed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for _, r in rows:
        for t in r.tests:
            if t.name not in order or (t.description and not order[t.name]):
                order[t.name] = t.description
            if r.scored:
                total[t.name] += 1
                passed[t.name] += t.status is TestStatus.PASSED
    rates = [PassRate(name, desc, passed[name], total[name]) for name, desc in order.items()]
    return sorted(rates, key=lambda p: math.inf if p.percent is None else p.percent)


def _nice_step(top: int, ticks: int = 5) -> int:
    for magnitude in (1, 10, 100, 1000, 10000):
        for step in (1, 2, 5):
            if top / (step * magnitude) <= ticks:
                return step * magnitude
    return math.ceil(top / ticks)


def histogram(rows: list[tuple[str, Result]], width: int = 640, height: int = 330) -> Chart:
    """The SVG geometry of the score distribution: 10 buckets, plus a grey 'not graded' bar."""
    counts = score_buckets(rows)
    not_graded = sum(1 for _, r in rows if not r.scored)
    left, right, top, bottom = 46.0, width - 6.0, 22.0, height - 50.0
    step = _nice_step(max([*counts, not_graded, 1]))
    y_max = step * math.ceil(max([*counts, not_graded, 1]) / step)
    slots = BUCKETS + (1 if not_graded else 0)
    gap = 8.0 if not_graded else 0.0  # a little space before the 'not graded' bar
    slot = (right - left - gap) / slots
    pad = slot * 0.14

    def bar(i: int, label: str, count: int, css: str, title: str) -> Bar:
        h = (bottom - top) * count / y_max
        x = left + i * slot + (gap if i >= BUCKETS else 0.0) + pad
        return Bar(
            label,
            count,
            round(x, 1),
            round(bottom - h, 1),
            round(slot - 2 * pad, 1),
            round(h, 1),
            css,
            title,
        )

    bars = []
    for i, count in enumerate(counts):
        lo, hi = i * 10, i * 10 + 10
        label = f"{lo}–{hi}"
        rng = f"{lo}–{hi} %" if i == BUCKETS - 1 else f"{lo}–{hi - 0.1:g} %"
        bars.append(bar(i, label, count, "bar", f"{_students(count)} scored {rng}"))
    if not_graded:
        bars.append(
            bar(
                BUCKETS,
                "n/g",
                not_graded,
                "bar bar-ungraded",
                f"{_students(not_graded)} could not be graded",
            )
        )
    ticks = [(v, round(bottom - (bottom - top) * v / y_max, 1)) for v in range(0, y_max + 1, step)]
    return Chart(width, height, left, top, bottom, right, bars, ticks)


def _students(n: int) -> str:
    return f"{n} student" if n == 1 else f"{n} students"


def student_rows(rows: list[tuple[str, Result]]) -> list[StudentRow]:
    out = []
    for i, (student, r) in enumerate(rows, start=1):
        note = reason(r)
        if r.status is Status.FAIL:
            first = r.first_failure()
            note = f"first failure: {first.description or first.name}" if first else ""
        out.append(
            StudentRow(
                index=i,
                student=student,
                status=str(r.status),
                status_label=r.status.info.label,
                graded=r.scored,
                infrastructure=r.infrastructure,
                score=f"{r.score:g} / {r.max_score:g}",
                percent=r.percent,
                tests_passed=r.tests_passed,
                tests_total=len(r.tests),
                duration=f"{r.duration_s:.1f} s",
                note=note,
                message=r.message.strip("\n"),
                runner=" · ".join(x for x in (r.runner, r.image, r.submission) if x),
                checks=[
                    CheckRow(
                        mark=MARKS[t.status],
                        status=str(t.status),
                        name=t.name,
                        description=t.description,
                        points=f"{t.score:g} / {t.max_score:g}",
                        message=t.message.strip("\n"),
                        output=t.output.strip("\n"),
                        hidden=t.hidden,
                        transcript="\n\n".join("\n".join(e.lines()) for e in t.transcript),
                    )
                    for t in r.tests
                ],
            )
        )
    return out


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("sandbox.reports", "templates"),
        autoescape=True,  # always: every string on the page may come from a learner
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["pct"] = lambda v, digits=0: "—" if v is None else f"{v:.{digits}f} %"
    env.filters["num"] = lambda v: f"{v:g}"
    return env


def render_report(exercise_title: str, rows: list[tuple[str, Result]], generated_at: str) -> str:
    """The class report for `rows` [(student id, result)] as one self-contained HTML page."""
    template = environment().get_template("report.html.j2")
    return template.render(
        title=exercise_title,
        generated_at=generated_at,
        exercises=sorted({r.exercise for _, r in rows if r.exercise}),
        summary=summarize(rows),
        chart=histogram(rows),
        rates=pass_rates(rows),
        students=student_rows(rows),
        csp=CSP,
        script=Markup(_SCRIPT),  # our constant; escaping would break it (and its CSP hash)
    )
