"""Hidden tests stay hidden in every learner-facing output, on real Docker, through the CLI.

The probe exercise's FIRST failing test is hidden, so anything built from "the first failure"
(the run message, the terminal's first-failure block, Gradescope's top-level output) is tempted
to name it. Staff outputs must keep everything, which also proves the probe really failed there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.docker

SECRET_NAME = "test_zz_secret_probe_name"
SECRET_DESCRIPTION = "SECRETDESC checks the undisclosed rule"
SECRET_MESSAGE = "SECRETMSG-4471 expected the undisclosed header"
SECRETS = ("zz_secret_probe", "SECRETDESC", "SECRETMSG-4471")

GRADER = f'''
import pytest


@pytest.mark.hidden
@pytest.mark.points(2)
def {SECRET_NAME}(app):
    """{SECRET_DESCRIPTION}"""
    response = app.get("/")
    assert response.status_code == 299, "{SECRET_MESSAGE}"


@pytest.mark.points(1)
def test_visible_home(app):
    """GET / answers 200"""
    response = app.get("/")
    assert response.status_code == 200, "VISIBLE-MSG: GET / should answer 200"
'''


def _sandbox(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SANDBOX_HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=home,
    )


@pytest.fixture
def course(
    tmp_path: Path, exercise_factory: Callable[..., Path], exercise_data: dict[str, Any]
) -> Path:
    home = tmp_path / "hidden-course"
    exercise_factory(home, "hidden-first", {**exercise_data, "points": 3})
    (home / "graders" / "hidden-first" / "test_x.py").write_text(GRADER, encoding="utf-8")
    attempt = home / "subs" / "alice"
    attempt.mkdir(parents=True)
    (attempt / "app.py").write_text("from flask import Flask\n\napp = Flask(__name__)\n")
    return home


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def test_check_json_and_terminal_never_show_a_hidden_test(course: Path, runner_image: str) -> None:
    attempt = str(course / "subs" / "alice")
    as_json = _sandbox("check", attempt, "--exercise", "hidden-first", "--json", home=course)
    assert as_json.returncode == 1, as_json.stderr
    doc = json.loads(as_json.stdout)
    assert doc["status"] == "fail" and doc["score"] == 0 and doc["max_score"] == 3
    hidden = [t for t in doc["tests"] if t["hidden"]]
    assert len(hidden) == 1 and hidden[0]["status"] == "failed" and hidden[0]["max_score"] == 2
    assert _leaks(as_json.stdout) == [], "check --json shows the hidden test's details"
    assert "VISIBLE-MSG" in as_json.stdout, "the visible failure is still explained"

    terminal = _sandbox("check", attempt, "--exercise", "hidden-first", home=course)
    assert terminal.returncode == 1, terminal.stderr
    assert _leaks(terminal.stdout + terminal.stderr) == []
    assert "hidden test" in terminal.stdout


def test_gradescope_shows_no_hidden_test_while_staff_outputs_keep_it(
    course: Path, runner_image: str
) -> None:
    out = course / "out"
    graded = _sandbox("grade", "hidden-first", str(course / "subs"), "-o", str(out), home=course)
    assert graded.returncode == 0, graded.stderr

    gradescope = (out / "gradescope" / "alice" / "results.json").read_text(encoding="utf-8")
    doc = json.loads(gradescope)
    assert _leaks(gradescope) == [], "students read Gradescope's results.json"
    assert "VISIBLE-MSG" in doc["output"] or any("VISIBLE-MSG" in t["output"] for t in doc["tests"])
    assert [t["visibility"] for t in doc["tests"]] == ["hidden", "visible"]

    staff = (out / "results" / "alice.json").read_text(encoding="utf-8")
    assert all(s in staff for s in SECRETS), "the staff's result keeps the hidden test whole"
    report = (out / "report.html").read_text(encoding="utf-8")
    assert SECRET_NAME in report, "the staff report keeps the hidden test's name"
