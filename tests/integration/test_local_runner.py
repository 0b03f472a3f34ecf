"""The local runner (no Docker): the same grader and plugin, on the host, for trusted code."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox import exercises
from sandbox.results import Status, TestStatus
from sandbox.runners import Job
from sandbox.runners.local import LocalRunner

APP = """from flask import Flask

app = Flask(__name__)


@app.get("/hi")
def hi():
    print("saying hi")
    return {"hi": "there"}
"""

GRADER = '''import pytest

from sandbox.grading import describe


@pytest.mark.points(2)
def test_hi(app):
    """GET /hi answers 200."""
    r = app.get("/hi")
    assert r.status_code == 200, f"GET /hi returned {describe(r)}; expected 200"


@pytest.mark.hidden
def test_secret(app):
    r = app.get("/secret")
    assert r.status_code == 200, f"GET /secret returned {describe(r)}; expected 200"
'''


def test_the_local_runner_grades_with_the_same_plugin(
    tmp_path: Path, exercise_factory: Callable[..., Path], exercise_data: dict[str, Any]
) -> None:
    home = tmp_path / "home"
    exercise_factory(home, "demo", {**exercise_data, "points": 3})
    (home / "graders" / "demo" / "test_x.py").write_text(GRADER)
    (home / "exercises" / "demo" / "solution" / "app.py").write_text(APP)
    ex = exercises.load("demo", root=home)

    result = LocalRunner().run(Job(ex, ex.solution, "solution"))

    assert result.runner == "local"
    assert (result.status, result.score, result.max_score) == (Status.FAIL, 2, 3)
    by_name = {t.name: t for t in result.tests}
    assert by_name["test_hi"].status is TestStatus.PASSED
    assert by_name["test_hi"].description == "GET /hi answers 200."
    assert "saying hi" in by_name["test_hi"].output, "the app's output during the test is kept"
    secret = by_name["test_secret"]
    assert secret.hidden and secret.status is TestStatus.FAILED
    assert "GET /secret returned 404" in secret.message


def test_a_timed_out_local_run_leaves_no_app_process_behind(
    tmp_path: Path, exercise_factory: Callable[..., Path], exercise_data: dict[str, Any]
) -> None:
    home = tmp_path / "home"
    exercise_factory(home, "demo", {**exercise_data, "points": 1, "time_limit_s": 5})
    pid_file = tmp_path / "app.pid"
    (home / "graders" / "demo" / "test_x.py").write_text(
        "import time\n\ndef test_forever(app):\n    time.sleep(3600)\n"
    )
    (home / "exercises" / "demo" / "solution" / "app.py").write_text(
        f"import os\nfrom flask import Flask\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        "app = Flask(__name__)\n"
    )
    ex = exercises.load("demo", root=home)

    result = LocalRunner().run(Job(ex, ex.solution, "solution"))

    assert result.status is Status.TIMEOUT
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    assert not _alive(pid), "the learner's app outlived the grader on the host"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie waiting for its reaper is gone too
        return fh.read().split(")")[-1].split()[0] != "Z"
