"""The grader toolkit through the real plugin in a real container: partial credit, transcripts,
a fresh app, a burst, and JSON logs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sandbox import exercises
from sandbox.results import Result, TestStatus
from sandbox.runners import Job
from sandbox.runners.docker import DockerRunner

pytestmark = pytest.mark.docker

APP = """
import json, sys
from flask import Flask, jsonify, request

app = Flask(__name__)
hits = {"n": 0}

@app.post("/items")
def create():
    name = (request.get_json(silent=True) or {}).get("name")
    if not isinstance(name, str):  # forgets blank names: two of the four cases fail
        return jsonify(error="name must be a string"), 400
    print(json.dumps({"event": "created", "name": name}), flush=True)
    return jsonify(name=name), 201

@app.get("/counter")
def counter():
    hits["n"] += 1
    return jsonify(n=hits["n"])
"""

GRADER = """
import pytest
from sandbox.grading import burst, expect, responses, unique


@pytest.mark.points(4)
def test_partial(app, checks):
    "Each invalid name is refused"
    for body in ({"name": 3}, {"name": ""}, {"name": "   "}, {}):
        with checks.case(f"POST /items with {body!r}"):
            expect.status(app.post("/items", json=body), 400, why="invalid input")


def test_transcript(app):
    "A valid item is created"
    expect.status(app.post("/items", json={"name": None}), 201, why="it should be created")


def test_fresh_app_is_independent(app, fresh_app):
    "A fresh app starts from nothing"
    app.get("/counter")
    app.get("/counter")
    assert fresh_app.get("/counter").json() == {"n": 1}


def test_burst(app):
    "Ten requests at once all answer"
    answers = responses(burst(app, 10, "GET", "/counter"))
    assert sorted(r.json()["n"] for r in answers)[-1] >= 10


def test_logs(app):
    "A created item is logged"
    name = unique("thing")
    mark = app.output_mark()
    expect.status(app.post("/items", json={"name": name}), 201)
    assert {"event": "created", "name": name} in app.log_records(mark)
"""


@pytest.fixture
def toolkit_result(
    tmp_path: Path,
    exercise_factory: Callable[..., Path],
    exercise_data: dict[str, Any],
    docker_runner: DockerRunner,
) -> Result:
    data = {**exercise_data, "id": "toolkit"}
    del data["points"]
    folder = exercise_factory(tmp_path, "toolkit", data)
    (tmp_path / "graders" / "toolkit" / "test_x.py").write_text(GRADER, encoding="utf-8")
    (folder / "solution" / "app.py").write_text(APP, encoding="utf-8")
    exercise = exercises.load("toolkit", tmp_path)
    assert exercise.points == 8  # derived from the markers: 4 + 1 + 1 + 1 + 1
    return docker_runner.run(Job(exercise, folder / "solution", "demo"))


def test_the_toolkit_in_a_real_container(toolkit_result: Result) -> None:
    by_name = {t.name: t for t in toolkit_result.tests}
    partial = by_name["test_partial"]
    assert partial.status is TestStatus.FAILED and partial.score == 2 and partial.max_score == 4
    assert "2 of 4 cases held" in partial.message
    assert "POST /items with {'name': ''}" in partial.message and "expected 400" in partial.message

    failed = by_name["test_transcript"]
    assert failed.status is TestStatus.FAILED
    assert 'with JSON {"name": null} answered 400' in failed.message
    [exchange] = failed.transcript
    assert (exchange.method, exchange.path, exchange.status) == ("POST", "/items", 400)
    assert exchange.request_body == '{"name": null}'
    assert "name must be a string" in exchange.response_body

    for name in ("test_fresh_app_is_independent", "test_burst", "test_logs"):
        assert by_name[name].status is TestStatus.PASSED, by_name[name].message
        assert by_name[name].transcript == [], "passing tests carry no transcript"
    assert toolkit_result.score == 5 and toolkit_result.max_score == 8
