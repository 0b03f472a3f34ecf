"""The grader toolkit, without a container: expectations, checks, transcripts, data, bursts."""

from __future__ import annotations

import datetime
import json
import threading
import time
from typing import Any

import pytest
import requests

from sandbox.grading import expect
from sandbox.grading.checks import Checks
from sandbox.grading.data import unique, unique_email, unique_int, unique_password
from sandbox.grading.learner_app import AppNoAnswer
from sandbox.grading.logs import json_lines
from sandbox.grading.parallel import responses, together
from sandbox.grading.transcript import Transcript, record


def response(
    status: int = 200,
    body: bytes | str = b"",
    headers: dict[str, str] | None = None,
    *,
    method: str = "POST",
    url: str = "http://127.0.0.1:5000/items?x=1",
    sent: Any = None,
) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r._content = body.encode() if isinstance(body, str) else body
    r.headers.update(headers or {})
    r.request = requests.Request(method, url, json=sent).prepare()
    return r


def failure(call: Any) -> str:
    with pytest.raises(AssertionError) as info:
        call()
    return str(info.value)


def test_a_status_failure_says_what_was_sent_what_came_back_and_why() -> None:
    r = response(
        500, "<!doctype html><h1>boom</h1>", {"Content-Type": "text/html"}, sent={"name": ""}
    )
    message = failure(lambda: expect.status(r, 400, why="a blank name is invalid input"))
    assert message.startswith('POST /items?x=1 with JSON {"name": ""} answered 500 text/html:')
    assert "'<!doctype html><h1>boom</h1>'" in message and "expected 400." in message
    assert message.endswith("Why it matters: a blank name is invalid input.")
    expect.status(r, [500, 503])  # one of several is fine


def test_header_expectations() -> None:
    r = response(201, "{}", {"Location": "/items/7", "Content-Type": "application/json"})
    assert expect.header(r, "location", matches=r"/items/\d+") == "/items/7"
    assert "an Allow header" in failure(lambda: expect.header(r, "Allow"))
    bare = response(200, "{}", {})
    assert "a Location header" in failure(lambda: expect.header(bare, "Location"))
    assert "'/items/7'" in failure(lambda: expect.header(r, "Location", equals="/items/8"))
    assert "no Location header" in failure(lambda: expect.header(r, "Location", absent=True))
    assert "containing 'xml'" in failure(lambda: expect.header(r, "Content-Type", contains="xml"))


def test_json_body_and_shape() -> None:
    good = response(
        200, '{"id": 3, "name": "a", "tags": ["x"]}', {"Content-Type": "application/json"}
    )
    body = expect.json_object(good, "id", "name")
    expect.shape(good, body, {"id": int, "name": str, "tags": [str]})
    assert "body['id'] to be a string, but it is an integer 3" in failure(
        lambda: expect.shape(good, body, {"id": str})
    )
    flag = {"id": True}
    assert "an integer, but it is true or false" in failure(
        lambda: expect.shape(good, flag, {"id": int})
    )
    html = response(200, "<p>hi</p>", {"Content-Type": "text/html"})
    assert "a JSON body with a Content-Type" in failure(lambda: expect.json_body(html))
    broken = response(200, "{nope", {"Content-Type": "application/json"})
    assert "a body that parses as JSON" in failure(lambda: expect.json_body(broken))
    deep = response(200, "[" * 100_000 + "]" * 100_000, {"Content-Type": "application/json"})
    assert "parses as JSON" in failure(lambda: expect.json_body(deep))


def test_problem_details() -> None:
    doc = {"type": "about:blank", "title": "Bad", "status": 422, "detail": "name: required"}
    r = response(422, json.dumps(doc), {"Content-Type": "application/problem+json"})
    assert expect.problem(r, 422, fields=["name"]) == doc
    wrong = response(422, json.dumps(doc), {"Content-Type": "application/json"})
    assert "application/problem+json" in failure(lambda: expect.problem(wrong, 422))
    lying = response(
        422, json.dumps({**doc, "status": 400}), {"Content-Type": "application/problem+json"}
    )
    assert '"status": 422' in failure(lambda: expect.problem(lying, 422))


def test_checks_award_the_share_of_cases_that_held() -> None:
    checks = Checks()
    for n in range(7):
        with checks.case(f"case {n}"):
            assert n % 3, f"case {n} broke"
    assert [c.name for c in checks.failed] == ["case 0", "case 3", "case 6"]
    assert checks.share() == pytest.approx(4 / 7)
    assert checks.summary().splitlines() == [
        "4 of 7 cases held; these did not:",
        "- case 0: case 0 broke",
        "- case 3: case 3 broke",
        "- case 6: case 6 broke",
    ]


def test_checks_weights_and_errors_outside_cases() -> None:
    checks = Checks()
    with checks.case("heavy", weight=3):
        pass
    with checks.case("light"):
        raise AssertionError("no")
    assert checks.share() == 0.75
    with pytest.raises(ZeroDivisionError), checks.case("not an assertion"):
        _ = 1 / 0  # only AssertionErrors are a case's failure: anything else is a grader bug


def test_transcript_keeps_the_last_exchanges_after_a_mark() -> None:
    log = Transcript()
    mark = log.count
    for n in range(5):
        log.add(record("GET", f"/n/{n}", {}, response(200, "ok", method="GET"), 0.01))
    assert [e.path for e in log.since(mark)] == ["/n/2", "/n/3", "/n/4"]
    assert log.since(log.count) == []


def test_an_exchange_shows_the_headers_that_matter_and_short_bodies() -> None:
    sent = response(
        200,
        "x" * 5000,
        {"Content-Type": "text/plain", "Date": "today", "ETag": '"v1"'},
        sent={"name": "widget"},
    )
    exchange = record("POST", "/items", {}, sent, 0.0123)
    assert exchange.request_headers == {"Content-Type": "application/json"}
    assert exchange.response_headers == {"Content-Type": "text/plain", "ETag": '"v1"'}
    assert exchange.request_body == '{"name": "widget"}' and exchange.duration_ms == 12.3
    assert exchange.response_body.endswith("more characters]") and len(exchange.response_body) < 700
    lost = record("GET", "/slow", {"headers": {"X-Api-Key": "k"}}, None, 5, "no answer within 5 s")
    assert lost.status is None and lost.request_headers == {"X-Api-Key": "k"}
    assert lost.lines()[-1] == "< (no answer: no answer within 5 s)"


def test_together_really_starts_the_calls_at_once() -> None:
    inside, peak, lock = [0], [0], threading.Lock()

    def call() -> int:
        with lock:
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
        time.sleep(0.05)
        with lock:
            inside[0] -= 1
        return 1

    def broken() -> int:
        raise RuntimeError("one failed")

    results = together([call] * 8 + [broken])
    assert results[:8] == [1] * 8 and isinstance(results[8], RuntimeError)
    assert peak[0] >= 8, "every call was in flight at the same moment"
    with pytest.raises(ValueError):
        together([])


def test_a_burst_with_a_silent_call_says_how_every_call_ended() -> None:
    answered = response(200)
    answered.elapsed = datetime.timedelta(seconds=0.61)
    silent = AppNoAnswer("GET /x got no answer within 5 s")
    assert responses([answered, answered]) == [answered, answered]
    with pytest.raises(AppNoAnswer) as failure:
        responses([answered, silent, answered])
    message = str(failure.value)
    assert message.startswith("1 of 3 simultaneous calls got no answer")
    assert "200 after 0.61 s, no answer, 200 after 0.61 s" in message
    assert message.endswith("GET /x got no answer within 5 s")
    with pytest.raises(RuntimeError, match="the grader's own bug"):  # not the app's: as it was
        responses([answered, RuntimeError("the grader's own bug")])


def test_unique_data_differs_every_time() -> None:
    assert len({unique("item") for _ in range(100)}) == 100
    assert unique_email().endswith("@example.test")
    assert 5 <= unique_int(5, 6) < 6
    word = unique_password()
    assert len(word) == 16 and any(c.isdigit() for c in word) and any(c.isupper() for c in word)


def test_json_lines_skips_what_is_not_a_json_object() -> None:
    text = '{"a": 1}\nplain text\n[1, 2]\n  {"b": 2}  \n{broken\n' + "{" * 70_000
    assert json_lines(text) == [{"a": 1}, {"b": 2}]


def test_env_overrides_set_and_remove_variables_from_the_next_start_on(tmp_path: Any) -> None:
    from sandbox.grading.learner_app import AppSpec, LearnerApp

    spec = AppSpec(
        submission=tmp_path,
        workdir=tmp_path,
        module="app",
        attribute="app",
        startup_timeout_s=5,
        request_timeout_s=5,
        learner_uid=None,
        memory_mb=None,
        extra_env={"UPSTREAM_URL": "http://127.0.0.1:1"},
    )
    learner = LearnerApp(spec)
    assert learner._env()["UPSTREAM_URL"] == "http://127.0.0.1:1"
    learner._env_overrides = {"UPSTREAM_URL": None, "APP_SECRET": "s3"}
    env = learner._env()
    assert "UPSTREAM_URL" not in env and env["APP_SECRET"] == "s3" and "PATH" in env
    assert learner.returncode is None and learner.wait_exit(0.1) is None
