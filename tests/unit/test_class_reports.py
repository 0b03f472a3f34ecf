"""The class outputs of `sandbox grade`: gradebook CSV, Gradescope results.json, HTML report."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sandbox.reports.gradebook import COLUMNS, gradebook_csv, reason, write_gradebook_csv
from sandbox.reports.gradescope import to_gradescope
from sandbox.reports.html import histogram, pass_rates, render_report, score_buckets, summarize
from sandbox.results import Result, Status, TestResult, TestStatus


def t(name: str, passed: bool, points: float = 1.0, **kw: object) -> TestResult:
    return TestResult(
        name=name,
        status=TestStatus.PASSED if passed else TestStatus.FAILED,
        score=points if passed else 0.0,
        max_score=points,
        **kw,
    )  # type: ignore[arg-type]


def result(status: Status, tests: list[TestResult], message: str = "", **kw: object) -> Result:
    score = sum(x.score for x in tests)
    return Result(
        exercise="http-handler",
        status=status,
        score=score,
        max_score=float(kw.pop("max_score", 4.0)),
        message=message,  # type: ignore[arg-type]
        tests=tests,
        **kw,
    )  # type: ignore[arg-type]


def abcd(*passed: str) -> list[TestResult]:
    return [t(n, n in passed) for n in "ABCD"]


@pytest.fixture
def mixed() -> list[tuple[str, Result]]:
    """Every status, an infrastructure failure, and hostile student ids."""
    return [
        (
            "ada",
            result(Status.PASS, abcd("A", "B", "C", "D"), "All 4 tests passed.", duration_s=2.345),
        ),
        ('=HYPERLINK("http://evil")', result(Status.FAIL, abcd("A", "C"), "2 of 4 tests failed.")),
        (
            "+cmd",
            result(
                Status.TIMEOUT,
                abcd("A"),
                "Time limit exceeded: stopped after 30 s.\nLook for a loop that never ends.",
                complete=False,
            ),
        ),
        (
            "-minus",
            result(
                Status.ERROR, [], "Could not grade: no readable result.\nlogs…", infrastructure=True
            ),
        ),
        ("@at", result(Status.MISSING, [], "")),
        ("bob", result(Status.REJECTED, [], "=1+1 is not a valid archive")),
        ("carol", result(Status.OOM, [], "x" * 500)),
    ]


# ---------------------------------------------------------------- gradebook CSV


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_gradebook_columns_and_values(mixed: list[tuple[str, Result]], tmp_path: Path) -> None:
    path = tmp_path / "gradebook.csv"
    write_gradebook_csv(mixed, path)
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert COLUMNS == [
        "student",
        "score",
        "max_score",
        "percent",
        "status",
        "tests_passed",
        "tests_total",
        "duration_s",
        "reason",
        "infrastructure",
        "on_roster",
    ]
    rows = read_csv(text)
    assert len(rows) == len(mixed)
    ada, fail, timeout, infra, missing, rejected, oom = rows
    assert ada == {
        "student": "ada",
        "score": "4",
        "max_score": "4",
        "percent": "100.0",
        "status": "pass",
        "tests_passed": "4",
        "tests_total": "4",
        "duration_s": "2.35",
        "reason": "",
        "infrastructure": "no",
        "on_roster": "",
    }
    assert (
        fail["score"],
        fail["percent"],
        fail["status"],
        fail["tests_passed"],
        fail["reason"],
    ) == ("2", "50.0", "fail", "2", "")
    # Anything that is not a plain pass/fail says why, in one short line.
    assert timeout["status"] == "timeout"
    assert timeout["reason"] == "Time limit exceeded: stopped after 30 s."
    assert (infra["status"], infra["infrastructure"]) == ("error", "yes")
    assert infra["reason"] == "Could not grade: no readable result."
    assert missing["reason"] == "nothing was submitted"
    assert rejected["reason"].endswith("is not a valid archive")
    assert len(oom["reason"]) == 200 and oom["reason"].endswith("…")
    assert all("\n" not in r["reason"] for r in rows)


def test_gradebook_guards_against_formula_injection(mixed: list[tuple[str, Result]]) -> None:
    rows = read_csv(gradebook_csv(mixed))
    students = [r["student"] for r in rows]
    assert students == [
        "ada",
        '\'=HYPERLINK("http://evil")',
        "'+cmd",
        "'-minus",
        "'@at",
        "bob",
        "carol",
    ]
    assert rows[5]["reason"] == "'=1+1 is not a valid archive"
    for cell in (c for r in rows for c in (r["student"], r["reason"])):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_gradebook_quotes_commas_and_newlines() -> None:
    rows = [("doe, jane\nx", result(Status.PASS, abcd("A", "B", "C", "D")))]
    (row,) = read_csv(gradebook_csv(rows))
    assert row["student"] == "doe, jane\nx"


def test_reason_is_empty_for_pass_and_fail() -> None:
    assert reason(result(Status.FAIL, abcd(), "0 of 4 passed\nmore")) == ""
    assert reason(result(Status.PASS, abcd("A", "B", "C", "D"), "ok")) == ""
    assert reason(result(Status.ERROR, [], "\n\n  Your app   crashed  \n")) == "Your app crashed"


# ---------------------------------------------------------------- Gradescope


def test_gradescope_format() -> None:
    tests = [
        t("test_a", True, 2.0, output="GET / 200"),
        t("test_b", False, 3.0, message="expected 201, got 200", output="trace\nline"),
        TestResult(
            name="test_c",
            status=TestStatus.ERROR,
            score=0.0,
            max_score=1.0,
            message="fixture blew up",
            hidden=True,
        ),
    ]
    res = result(Status.FAIL, tests, "1 of 3 tests passed.", max_score=6.0, duration_s=12.6)
    doc = to_gradescope(res)
    json.dumps(doc)  # serialisable as is
    assert set(doc) == {
        "score",
        "execution_time",
        "output",
        "visibility",
        "stdout_visibility",
        "tests",
    }
    assert doc["score"] == 2.0
    assert doc["execution_time"] == 13
    assert doc["output"] == "2 of 3 tests did not pass. First: test_b: expected 201, got 200"
    assert (doc["visibility"], doc["stdout_visibility"]) == ("visible", "hidden")
    a, b, c = doc["tests"]
    assert set(a) == {"name", "score", "max_score", "output", "visibility", "status"}
    assert a == {
        "name": "test_a",
        "score": 2.0,
        "max_score": 2.0,
        "output": "GET / 200",
        "visibility": "visible",
        "status": "passed",
    }
    assert b["status"] == "failed" and b["score"] == 0.0 and b["max_score"] == 3.0
    assert b["output"].startswith("expected 201, got 200") and b["output"].endswith("trace\nline")
    assert c["status"] == "failed" and c["visibility"] == "hidden"
    assert c["name"] == "hidden test 1" and "fixture blew up" not in c["output"]


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (Status.ERROR, "ERROR"),
        (Status.TIMEOUT, "TIMEOUT"),
        (Status.OOM, "OOM"),
        (Status.REJECTED, "REJECTED"),
    ],
)
def test_gradescope_keeps_what_the_learner_earned_and_says_what_happened(
    status: Status, label: str
) -> None:
    # A timeout can carry partial points: they were earned before the time ran out.
    res = result(status, abcd("A", "B"), "The reason it stopped.")
    doc = to_gradescope(res)
    assert doc["score"] == res.score == 2.0
    assert doc["output"].startswith(f"{label}: ")
    assert "The reason it stopped." in doc["output"]
    assert "NOT GRADED" not in doc["output"]


def test_gradescope_missing_is_not_graded() -> None:
    doc = to_gradescope(result(Status.MISSING, [], "No submission."))
    assert doc["score"] == 0
    assert doc["output"].startswith("NOT GRADED (missing):")
    assert "not an earned zero" in doc["output"]
    assert "our side" not in doc["output"]


def test_gradescope_infrastructure_failure_says_it_was_ours() -> None:
    doc = to_gradescope(result(Status.ERROR, [], "Docker went away.", infrastructure=True))
    assert doc["score"] == 0 and doc["tests"] == []
    assert "NOT GRADED" in doc["output"] and "our side" in doc["output"]
    assert "not in your code" in doc["output"]


# ---------------------------------------------------------------- HTML report


class Page(HTMLParser):
    """Every start tag with its attributes, the text, and the inline script/style bodies."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag in ("script", "style"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            self.scripts.append(data)
        elif self._in == "style":
            self.styles.append(data)
        else:
            self.text.append(data)

    def find(self, tag: str, cls: str | None = None) -> list[dict[str, str]]:
        return [
            a
            for t_, a in self.tags
            if t_ == tag and (cls is None or cls in a.get("class", "").split())
        ]


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


HOSTILE_ID = "<script>alert('id')</script>"
HOSTILE_MESSAGE = "<img src=x onerror=alert(1)> broke"
HOSTILE_OUTPUT = '</pre><script src="https://evil.example/x.js"></script>'


@pytest.fixture
def klass() -> list[tuple[str, Result]]:
    """Five scored students (one hostile, one timed out), and one we could not grade."""
    hostile_fail = result(
        Status.FAIL,
        [
            t("A", True),
            t("B", False, message=HOSTILE_MESSAGE, output=HOSTILE_OUTPUT),
            t("C", True),
            t("D", False),
        ],
        "2 of 4 failed",
    )
    return [
        ("alice", result(Status.PASS, abcd("A", "B", "C", "D"))),
        (HOSTILE_ID, hostile_fail),  # A C
        ("bob", result(Status.FAIL, abcd("A", "C", "D"))),  # A C D
        ("chen", result(Status.FAIL, abcd("A"))),  # A
        # A timeout is scored: the tests it finished count (B and E were earned before the deadline).
        (
            "dara",
            result(
                Status.TIMEOUT, [*abcd("B"), t("E", True)], "Time limit exceeded.", complete=False
            ),
        ),
        ("eve", result(Status.ERROR, [], "Could not grade: Docker died.", infrastructure=True)),
    ]


def test_pass_rates_are_over_scored_students_hardest_first(klass: list[tuple[str, Result]]) -> None:
    rates = pass_rates(klass)  # eve (our failure) counts nowhere
    assert [(r.name, r.passed, r.total) for r in rates] == [
        ("B", 2, 5),
        ("D", 2, 5),
        ("C", 3, 5),
        ("A", 4, 5),
        ("E", 1, 1),
    ]
    assert [r.percent for r in rates] == [40.0, 40.0, 60.0, 80.0, 100.0]
    assert [r.level for r in rates] == ["low", "low", "mid", "high", "high"]
    ours = result(Status.ERROR, abcd("A"), "Could not grade.", infrastructure=True)
    unscored = pass_rates([("eve", ours)])
    first = unscored[0]
    assert (first.name, first.total, first.percent, first.level) == ("A", 0, None, "none")


def test_pass_rates_in_the_page(klass: list[tuple[str, Result]]) -> None:
    html = render_report("HTTP handler", klass, "2025-11-25 14:00")
    body = html[html.index('<table class="rates">') :]
    body = body[: body.index("</table>")]
    rows = re.findall(
        r"<code>(\w)</code>.*?<td class=\"num\">(\d+) / (\d+)</td>.*?<b>([^<]+)</b>", body, re.S
    )
    assert rows == [
        ("B", "2", "5", "40 %"),
        ("D", "2", "5", "40 %"),
        ("C", "3", "5", "60 %"),
        ("A", "4", "5", "80 %"),
        ("E", "1", "1", "100 %"),
    ]


def test_summary_and_histogram(klass: list[tuple[str, Result]]) -> None:
    s = summarize(klass)
    assert (s.students, s.graded, s.passed, s.not_graded, s.infrastructure) == (6, 5, 1, 1, 1)
    assert s.median == 50.0  # of 100, 50, 75, 25 and the timeout's 50
    assert s.mean == 60.0
    assert score_buckets(klass) == [0, 0, 1, 0, 0, 2, 0, 1, 0, 1]
    chart = histogram(klass)
    assert [b.count for b in chart.bars] == [0, 0, 1, 0, 0, 2, 0, 1, 0, 1, 1]
    assert chart.bars[-1].css == "bar bar-ungraded"
    tallest = max(chart.bars, key=lambda b: b.height)
    assert tallest.count == 2 and tallest.y >= chart.top
    assert all(b.y + b.height == pytest.approx(chart.bottom, abs=0.2) for b in chart.bars)


def test_page_loads_nothing_from_outside(klass: list[tuple[str, Result]]) -> None:
    html = render_report("HTTP handler", klass, "2025-11-25 14:00")
    page = parse(html)
    for tag, attrs in page.tags:
        for key in ("src", "href", "srcset", "poster", "data", "action", "xlink:href"):
            value = attrs.get(key, "").strip().lower()
            assert not value.startswith(("http:", "https:", "//", "ftp:")), (tag, key, value)
        if tag == "link":
            assert "stylesheet" not in attrs.get("rel", "").lower(), attrs
            assert attrs.get("href", "").startswith("data:"), attrs
        assert tag not in ("img", "iframe", "object", "embed", "video", "audio", "base", "form")
    scripts = page.find("script")
    assert len(scripts) == 1 and "src" not in scripts[0]
    css = "".join(page.styles)
    assert "@import" not in css and "url(" not in css and "@font-face" not in css
    # Nothing of ours names a URL at all: the only one on the page is the learner's, escaped.
    assert re.findall(r"(?:https?|ftp)://[^&<\s]+", html) == ["https://evil.example/x.js"]


def test_csp_forbids_fetches_and_allows_exactly_our_script(klass: list[tuple[str, Result]]) -> None:
    page = parse(render_report("HTTP handler", klass, "now"))
    (meta,) = [
        a for a in page.find("meta") if a.get("http-equiv", "").lower() == "content-security-policy"
    ]
    csp = meta["content"]
    assert "default-src 'none'" in csp
    digest = base64.b64encode(hashlib.sha256(page.scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp


def test_learner_text_is_escaped(klass: list[tuple[str, Result]]) -> None:
    html = render_report("<b>Title</b>", klass, "now")
    assert HOSTILE_ID not in html
    assert "&lt;script&gt;alert(&#39;id&#39;)&lt;/script&gt;" in html
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; broke" in html
    assert "</pre><script" not in html
    assert "&lt;/pre&gt;&lt;script src=&#34;https://evil.example/x.js&#34;&gt;" in html
    assert "<b>Title</b>" not in html and "&lt;b&gt;Title&lt;/b&gt;" in html
    page = parse(html)
    assert [t_ for t_, _ in page.tags].count("script") == 1
    # And the escaped text reads back as the original.
    text = "".join(page.text)
    assert HOSTILE_ID in text and HOSTILE_MESSAGE in text and HOSTILE_OUTPUT in text


def test_every_student_has_a_row_with_their_tests(klass: list[tuple[str, Result]]) -> None:
    page = parse(render_report("HTTP handler", klass, "now"))
    rows = page.find("details", "student")
    assert len(rows) == len(klass)
    assert [r["data-status"] for r in rows] == ["pass", "fail", "fail", "fail", "timeout", "error"]
    names = [a for a in page.find("span", "name")]
    assert len(names) == len(klass)
    text = "".join(page.text)
    for student, _ in klass:
        assert student in text
    assert len(page.find("summary")) == len(klass)
    # ✓/✗ marks for every test of every student, captured output in <pre>.
    assert text.count("✓") == 4 + 2 + 3 + 1 + 2 and text.count("✗") == 0 + 2 + 1 + 3 + 3
    assert len(page.find("pre", "output")) == 1


def test_not_graded_rows_are_distinct_and_ours_are_flagged(klass: list[tuple[str, Result]]) -> None:
    html = render_report("HTTP handler", klass, "now")
    page = parse(html)
    ungraded = [r["data-status"] for r in page.find("details", "ungraded")]
    assert ungraded == ["error"], "only our failure is unscored; the timeout keeps its points"
    assert len(page.find("span", "chip-timeout")) == 2  # the row and the outcomes legend
    assert len(page.find("span", "flag")) == 1
    assert html.count("could not be graded (our side)") == 1
    eve = html[html.index('data-status="error"') :]
    assert "could not be graded (our side)" in eve[: eve.index("</summary>")]


def test_empty_class_renders() -> None:
    html = render_report("Nobody yet", [], "now")
    assert "No students in this batch." in html
    page = parse(html)
    assert len(page.find("rect", "bar")) == 10


def test_the_pass_rate_caption_names_its_real_denominator() -> None:
    """A rejected archive is graded (its zero stands) but has no tests: the caption must not
    count it among the students the pass rates are shares of."""
    rows = [
        ("amy", result(Status.PASS, abcd("A", "B"), "ok")),
        ("bob", result(Status.FAIL, abcd("A"), "1 of 2")),
        ("cat", result(Status.REJECTED, [], "unsafe path")),
    ]
    s = summarize(rows)
    assert (s.graded, s.tested) == (3, 2)
    html = render_report("HTTP handler", rows, "2025-11-25 14:00")
    caption = " ".join(html[html.index('id="rates-h"') :].split("</p>")[0].split())
    assert "share of the 2 graded students whose submission reached the tests" in caption
    assert "the other 1 graded, rejected at intake, have none" in caption
    assert "2 / 2" in html and "1 / 2" in html
