"""The result document: round trip, contract keys, strict parsing, truncation."""

from __future__ import annotations

import json

import pytest

from sandbox.results import (
    OUTPUT_CAP,
    SCHEMA_VERSION,
    Result,
    Status,
    TestResult,
    TestStatus,
    clean_text,
    truncate,
)

CONTRACT_KEYS = {
    "schema_version",
    "exercise",
    "status",
    "score",
    "max_score",
    "duration_s",
    "message",
    "image",
    "tests",
}
TEST_KEYS = {"name", "status", "score", "max_score", "message", "output"}


def full_result() -> Result:
    """Every field set to something other than its default."""
    return Result(
        exercise="http-handler",
        status=Status.FAIL,
        score=2.5,
        max_score=4.0,
        message="1 of 2 tests failed",
        duration_s=3.25,
        image="backend-sandbox-runner:abc123",
        runner="docker",
        submission="alice/attempt-1",
        tests=[
            TestResult(
                "test_ok",
                TestStatus.PASSED,
                2.5,
                2.5,
                "",
                "served GET /",
                "It lists items",
                hidden=False,
                duration_s=0.5,
            ),
            TestResult(
                "test_bad",
                TestStatus.FAILED,
                0.0,
                1.5,
                "POST /items returned 500 ✗",
                "Traceback …",
                "It creates items",
                hidden=True,
                duration_s=1.25,
            ),
            TestResult("test_skipped", TestStatus.NOT_RUN, 0.0, 0.0, "not run"),
            TestResult("test_broken", TestStatus.ERROR, 0.0, 0.0, "fixture exploded"),
        ],
        complete=False,
        infrastructure=True,
    )


def test_round_trip_through_json_keeps_every_field() -> None:
    original = full_result()
    again = Result.from_json(original.to_json())
    assert again == original
    assert again.to_dict() == original.to_dict()
    assert again.tests[1].hidden is True
    assert again.tests[1].status is TestStatus.FAILED
    assert again.status is Status.FAIL


def test_round_trip_of_a_minimal_result() -> None:
    original = Result("demo", Status.ERROR, 0, 3, "the app did not start")
    assert Result.from_dict(json.loads(original.to_json())) == original


def test_document_has_the_contract_keys() -> None:
    doc = json.loads(full_result().to_json())
    assert set(doc) >= CONTRACT_KEYS
    assert doc["schema_version"] == SCHEMA_VERSION
    assert doc["status"] == "fail"
    assert doc["score"] == 2.5 and doc["max_score"] == 4.0
    assert len(doc["tests"]) == 4
    for test in doc["tests"]:
        assert set(test) >= TEST_KEYS, f"missing {TEST_KEYS - set(test)} in {test}"
    assert [t["status"] for t in doc["tests"]] == ["passed", "failed", "not_run", "error"]


def test_document_starts_with_the_documented_keys() -> None:
    keys = list(full_result().to_dict())
    assert keys[:6] == ["schema_version", "exercise", "submission", "status", "score", "max_score"]


def test_statuses_serialise_as_plain_strings() -> None:
    doc = full_result().to_dict()
    assert type(doc["status"]) is str
    assert all(type(t["status"]) is str for t in doc["tests"])


def _valid_doc() -> dict[str, object]:
    return json.loads(full_result().to_json())


@pytest.mark.parametrize("version", [3, 0, "1", None, True])
def test_from_dict_rejects_another_schema_version(version: object) -> None:
    doc = _valid_doc()
    doc["schema_version"] = version
    with pytest.raises(ValueError, match="schema_version"):
        Result.from_dict(doc)


def test_from_dict_rejects_a_missing_schema_version() -> None:
    doc = _valid_doc()
    del doc["schema_version"]
    with pytest.raises(ValueError, match="schema_version"):
        Result.from_dict(doc)


@pytest.mark.parametrize("score", ["10", None, [1], {"n": 1}])
def test_from_dict_rejects_a_non_numeric_score(score: object) -> None:
    doc = _valid_doc()
    doc["score"] = score
    with pytest.raises(ValueError, match="'score' must be a number"):
        Result.from_dict(doc)


@pytest.mark.parametrize("key", ["score", "max_score", "duration_s"])
def test_from_dict_rejects_a_bool_where_a_number_belongs(key: str) -> None:
    doc = _valid_doc()
    doc[key] = True
    with pytest.raises(ValueError, match=f"'{key}' must be a number, got bool"):
        Result.from_dict(doc)


def test_from_dict_rejects_a_bool_score_inside_a_test() -> None:
    doc = _valid_doc()
    doc["tests"][0]["score"] = False  # type: ignore[index]
    with pytest.raises(ValueError, match="'score' must be a number, got bool"):
        Result.from_dict(doc)


def test_from_dict_rejects_an_unknown_status() -> None:
    doc = _valid_doc()
    doc["status"] = "great"
    with pytest.raises(ValueError):
        Result.from_dict(doc)


def test_from_dict_rejects_tests_that_are_not_a_list() -> None:
    doc = _valid_doc()
    doc["tests"] = {"test_ok": {}}
    with pytest.raises(ValueError, match="'tests' must be a list"):
        Result.from_dict(doc)


def test_from_dict_accepts_integer_scores_as_floats() -> None:
    doc = _valid_doc()
    doc["score"], doc["max_score"] = 3, 4
    result = Result.from_dict(doc)
    assert result.score == 3.0 and isinstance(result.score, float)


@pytest.mark.parametrize("text", ["[]", "42", '"pass"', "null"])
def test_from_json_rejects_a_document_that_is_not_an_object(text: str) -> None:
    with pytest.raises(ValueError, match="JSON object"):
        Result.from_json(text)


def test_truncate_leaves_short_text_alone() -> None:
    assert truncate("short") == "short"
    exact = "x" * OUTPUT_CAP
    assert truncate(exact) == exact


def test_truncate_cuts_and_says_so() -> None:
    text = "a" * 50 + "b" * 30
    out = truncate(text, cap=50)
    assert out.startswith("a" * 50)
    assert "b" not in out.split("\n")[0]
    assert "truncated" in out
    assert "30 more characters" in out


def test_truncate_default_cap() -> None:
    out = truncate("z" * (OUTPUT_CAP + 7))
    assert out.startswith("z" * OUTPUT_CAP)
    assert "7 more characters" in out


@pytest.mark.parametrize("status", list(Status))
def test_only_pass_and_fail_are_graded(status: Status) -> None:
    assert status.is_verdict is (status in (Status.PASS, Status.FAIL))


def test_derived_properties() -> None:
    result = full_result()
    assert result.tests_passed == 1
    assert result.percent == 62.5
    first = result.first_failure()
    assert first is not None and first.name == "test_bad"
    assert Result("demo", Status.ERROR, 0, 0, "").percent == 0.0
    assert Result("demo", Status.ERROR, 0, 0, "").first_failure() is None


# -- the learner's view: hidden tests redacted --------------------------------------------------


def _hidden_first() -> Result:
    tests = [
        TestResult(
            "test_secret", TestStatus.FAILED, 0, 2, "SECRET msg", "SECRET out", "SECRET d", True
        ),
        TestResult("test_open", TestStatus.FAILED, 0, 1, "open msg", "", "open d"),
        TestResult("test_secret2", TestStatus.PASSED, 1, 1, "", "", "SECRET d2", True),
    ]
    staff_message = "2 of 3 tests did not pass. First: test_secret: SECRET msg"
    return Result("demo", Status.FAIL, 1, 4, staff_message, tests=tests)


def test_learner_view_redacts_hidden_tests_but_keeps_their_status_and_points() -> None:
    staff = _hidden_first()
    view = staff.learner_view()
    assert "SECRET" not in view.to_json() and "test_secret" not in view.to_json()
    assert [(t.status, t.score, t.max_score, t.hidden) for t in view.tests] == [
        (t.status, t.score, t.max_score, t.hidden) for t in staff.tests
    ]
    assert [t.name for t in view.tests] == ["hidden test 1", "test_open", "hidden test 2"]
    assert view.tests[0].message and view.tests[2].message == ""
    assert view.message == "2 of 3 tests did not pass. First: hidden test 1."
    assert "SECRET" in staff.to_json(), "the staff's result is left whole"


def test_learner_view_of_a_result_without_hidden_tests_is_the_same() -> None:
    result = Result(
        "demo",
        Status.FAIL,
        0,
        1,
        "1 of 1 tests did not pass. First: test_a: no",
        tests=[TestResult("test_a", TestStatus.FAILED, 0, 1, "no")],
    )
    assert result.learner_view() == result


# -- text that reaches people -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b]0;pwned\x07title", "\\x1b]0;pwned\\x07title"),  # OSC: window title
        ("\x1bc reset", "\\x1bc reset"),  # RIS: full terminal reset
        ("\x1bM up \x1b7 save", "\\x1bM up \\x1b7 save"),  # RI, DECSC
        ("\x9b31m C1 CSI", "\\x9b31m C1 CSI"),
        ("bidi \u202eevil", "bidi \\u202eevil"),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        ("keep\ttabs\nand lines\r\n", "keep\ttabs\nand lines\n"),
        ("bare \r return", "bare \\x0d return"),
    ],
)
def test_clean_text_shows_control_characters_instead_of_sending_them(raw: str, shown: str) -> None:
    assert clean_text(raw) == shown
    shown.encode("utf-8")  # always encodable


def test_cleaned_result_covers_every_text_field() -> None:
    dirty = "\x1b[2J\x1bc"
    result = Result(
        dirty,
        Status.FAIL,
        0,
        1,
        dirty,
        image=dirty,
        runner=dirty,
        submission=dirty,
        tests=[TestResult(dirty, TestStatus.FAILED, 0, 1, dirty, dirty, dirty)],
    )
    clean = result.cleaned()
    [test] = clean.tests
    texts = [clean.exercise, clean.message, clean.image, clean.runner, clean.submission]
    texts += [test.name, test.message, test.output, test.description]
    assert texts == ["\\x1b[2J\\x1bc"] * 9


def test_a_version_1_document_still_reads_without_transcripts() -> None:
    doc = json.loads(full_result().to_json())
    doc["schema_version"] = 1
    for test in doc["tests"]:
        test.pop("transcript", None)
    old = Result.from_dict(doc)
    assert all(t.transcript == [] for t in old.tests)


def test_transcripts_round_trip_and_are_redacted_for_hidden_tests() -> None:
    from sandbox.results import Exchange

    seen = Exchange(
        "POST",
        "/items",
        {"Content-Type": "application/json"},
        '{"a": 1}',
        500,
        {"Content-Type": "text/html"},
        "<h1>boom</h1>",
        12.5,
    )
    result = Result(
        "demo",
        Status.FAIL,
        0,
        2,
        "x",
        tests=[
            TestResult("test_open", TestStatus.FAILED, 0, 1, "m", transcript=[seen]),
            TestResult("test_secret", TestStatus.FAILED, 0, 1, "m", hidden=True, transcript=[seen]),
        ],
    )
    again = Result.from_json(result.to_json())
    assert again.tests[0].transcript == [seen]
    assert again.learner_view().tests[1].transcript == []
    assert seen.lines()[:3] == ["> POST /items", "> Content-Type: application/json", '> {"a": 1}']
    assert "< 500 (12 ms)" in seen.lines() and "< <h1>boom</h1>" in seen.lines()
