"""JUnit XML: parsed back with ElementTree, counts and elements checked."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from sandbox.reports.junit import to_junit
from sandbox.results import Result, Status, TestResult, TestStatus


def parse(results: list[tuple[str, Result]]) -> ET.Element:
    root = ET.fromstring(to_junit(results))
    assert root.tag == "testsuites"
    return root


def mixed() -> Result:
    return Result(
        "demo",
        Status.FAIL,
        2,
        6,
        "3 of 4 tests did not pass",
        duration_s=1.5,
        tests=[
            TestResult("test_ok", TestStatus.PASSED, 2, 2, duration_s=0.25),
            TestResult(
                "test_bad",
                TestStatus.FAILED,
                0,
                2,
                "expected 201, got 500",
                output="Traceback: boom",
            ),
            TestResult("test_crash", TestStatus.ERROR, 0, 1, "fixture exploded"),
            TestResult("test_never", TestStatus.NOT_RUN, 0, 1, "not run: the app did not start"),
        ],
    )


def test_counts_and_elements_per_status() -> None:
    [suite] = parse([("demo/solution", mixed())])
    assert suite.get("name") == "demo/solution"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "1", "2")
    assert suite.get("time") == "1.500"
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert list(cases) == ["test_ok", "test_bad", "test_crash", "test_never"]
    assert all(c.get("classname") == "demo/solution" for c in cases.values())

    assert list(cases["test_ok"]) == []
    assert cases["test_ok"].get("time") == "0.250"

    [failure] = cases["test_bad"].findall("failure")
    assert failure.get("message") == "expected 201, got 500"
    assert failure.text == "expected 201, got 500"
    assert cases["test_bad"].findtext("system-out") == "Traceback: boom"
    assert cases["test_bad"].find("error") is None

    for name, kind in (("test_crash", "error"), ("test_never", "not_run")):
        [error] = cases[name].findall("error")
        assert error.get("type") == kind
        assert cases[name].find("failure") is None


def test_counts_match_the_elements() -> None:
    for suite in parse([("a", mixed())]).findall("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "-1")) == len(cases)
        assert int(suite.get("failures", "-1")) == sum(len(c.findall("failure")) for c in cases)
        assert int(suite.get("errors", "-1")) == sum(len(c.findall("error")) for c in cases)


def test_properties_carry_the_score() -> None:
    [suite] = parse([("demo/starter", mixed())])
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props == {"status": "fail", "score": "2", "max_score": "6", "exercise": "demo"}


def test_error_result_without_tests_is_one_errored_testcase() -> None:
    result = Result("demo", Status.ERROR, 0, 3, "the grader could not load the app")
    [suite] = parse([("demo/solution", result)])
    [case] = suite.findall("testcase")
    [error] = case.findall("error")
    assert error.get("type") == "error"
    assert error.text == "the grader could not load the app"
    assert suite.get("tests") == "1"
    assert suite.get("failures") == "0"
    assert suite.get("errors") == "1", "the suite's errors count must match its <error> element"


def test_pass_without_tests_is_one_clean_testcase() -> None:
    [suite] = parse([("x", Result("demo", Status.PASS, 0, 0, ""))])
    [case] = suite.findall("testcase")
    assert list(case) == []
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("1", "0", "0")


def test_one_suite_per_result() -> None:
    ok = Result("demo", Status.PASS, 1, 1, "", tests=[TestResult("t", TestStatus.PASSED, 1, 1)])
    root = parse([("demo/solution", ok), ("demo/starter", mixed())])
    assert [s.get("name") for s in root.findall("testsuite")] == ["demo/solution", "demo/starter"]


def test_long_messages_are_cut_in_the_attribute_but_kept_in_the_text() -> None:
    long = "x" * 2000
    result = Result(
        "demo", Status.FAIL, 0, 1, "", tests=[TestResult("t", TestStatus.FAILED, 0, 1, long)]
    )
    failure = parse([("s", result)]).find("testsuite/testcase/failure")
    assert failure is not None
    assert len(failure.get("message", "")) == 500
    assert failure.text == long


def test_learner_control_characters_still_give_well_formed_xml() -> None:
    """App output and messages are learner-controlled: NUL, BEL or a bare ESC must not break CI."""
    nasty = "before\x00\x07\x1b]0;title\x1b\x0c after \ud800 ✓"
    result = Result(
        "demo",
        Status.FAIL,
        0,
        1,
        nasty,
        tests=[TestResult("test_x", TestStatus.FAILED, 0, 1, nasty, output=nasty)],
    )
    root = parse([("demo/solution", result)])
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None and failure.text is not None
    expected = "before\ufffd\ufffd\ufffd]0;title\ufffd\ufffd after \ufffd ✓"
    assert failure.text == expected, "each unusable character is shown as U+FFFD, the rest is kept"
    assert failure.get("message") == expected
    assert root.findtext("testsuite/testcase/system-out") == expected
    error_only = Result("demo", Status.ERROR, 0, 1, nasty)
    parse([("demo/starter", error_only)])


def test_written_file_parses(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(to_junit([("demo/solution", mixed())]), encoding="utf-8")
    assert ET.parse(path).getroot().find("testsuite") is not None
