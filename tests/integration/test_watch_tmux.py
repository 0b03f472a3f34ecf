"""`sandbox watch` as a person uses it: a real terminal (tmux), real keys, real Docker.

Each test drives the program with send-keys and reads the screen with capture-pane; waits are
bounded polls of the screen, never sleeps that decide an outcome.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [
    pytest.mark.docker,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (make tools)"),
]

GRADER = '''
import pytest
from sandbox.grading import expect


@pytest.mark.points(2)
def test_home(app):
    """GET / answers 200 with {"ok": true}"""
    r = app.get("/")
    expect.status(r, 200, why="the home page must answer")
    assert r.json() == {"ok": True}, "GET / should answer {\\"ok\\": true}"
'''
STARTER = "from flask import Flask\n\napp = Flask(__name__)\n"
SOLUTION = (
    "from flask import Flask, jsonify\n\napp = Flask(__name__)\n\n\n"
    '@app.get("/")\ndef home():\n    return jsonify(ok=True)\n'
)
SLOW_SOLUTION = "import time\ntime.sleep(4)\n" + SOLUTION


class Screen:
    """One program in a detached tmux session, 80x30."""

    def __init__(self, command: str, env: dict[str, str], cwd: Path) -> None:
        self.name = f"watch-{uuid.uuid4().hex[:8]}"
        exports = " ".join(f"{k}={v}" for k, v in env.items())
        shell = f"cd {cwd} && env {exports} {command}; echo PROGRAM-EXITED-$?; sleep 120"
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", "80", "-y", "30", shell],
            check=True,
        )

    def text(self) -> str:
        proc = subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True
        )
        return proc.stdout

    def wait_for(self, *needles: str, timeout: float = 60.0, absent: str = "") -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.text()
            if all(n in screen for n in needles) and not (absent and absent in screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"never saw {needles!r} on the screen; it shows:\n{self.text()}")

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


@pytest.fixture
def course(
    tmp_path: Path, exercise_factory: Callable[..., Path], exercise_data: dict[str, Any]
) -> dict[str, str]:
    """Two tiny exercises in a path, and the environment a learner's shell would have."""
    home = tmp_path / "course"
    for slug in ("one", "two"):
        data = {**exercise_data, "id": slug, "title": f"Exercise {slug}"}
        del data["points"]
        folder = exercise_factory(home, slug, data)
        (folder / "starter" / "app.py").write_text(STARTER)
        (folder / "solution" / "app.py").write_text(SOLUTION)
        (home / "graders" / slug / "test_x.py").write_text(GRADER)
    (home / "exercises" / "path.toml").write_text(
        'format_version = 1\ntopics = ["http", "json"]\n\n[[tracks]]\nid = "t"\n'
        'title = "The track"\nsummary = "s"\nexercises = ["one", "two"]\n'
    )
    return {
        "SANDBOX_HOME": str(home),
        "SANDBOX_WORKSPACES": str(tmp_path / "ws"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }


@pytest.fixture
def screens() -> Iterator[list[Screen]]:
    opened: list[Screen] = []
    yield opened
    for screen in opened:
        screen.close()


def _sandbox(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def _watch(env: dict[str, str], cwd: Path, screens: list[Screen], extra: str = "") -> Screen:
    screen = Screen(f"{extra}{sys.executable} -m sandbox", env, cwd)
    screens.append(screen)
    return screen


def _job_containers(docker_client: Any, *slugs: str) -> list[str]:
    found = docker_client.containers.list(all=True, filters={"label": "backend-sandbox=job"})
    return [c.name for c in found if c.labels.get("backend-sandbox.exercise") in slugs]


def test_start_watch_fail_hint_pass_next_quit_and_come_back(
    course: dict[str, str], screens: list[Screen], runner_image: str, docker_client: Any
) -> None:
    assert _sandbox(course, "next").returncode == 0
    ws = Path(course["SANDBOX_WORKSPACES"]) / "one"
    screen = _watch(course, ws, screens)
    shown = screen.wait_for("one — Exercise one", "FAIL", "(inotify) watching", "0/2 done")
    assert "h hint" in shown

    (ws / "app.py").write_text(STARTER + "def broken(:\n")
    screen.wait_for("ERROR", "SyntaxError")
    screen.keys("h")
    screen.wait_for("Hint 1/2: first hint")

    (ws / "app.py").write_text(SOLUTION)
    screen.wait_for("PASS", "All tests pass", "1/2 done")
    screen.keys("n")
    screen.wait_for("two — Exercise two", "FAIL")
    screen.keys("q")
    screen.wait_for("PROGRAM-EXITED-0")

    assert _job_containers(docker_client, "one", "two") == [], "quitting leaves no container"
    listing = json.loads(_sandbox(course, "list", "--json").stdout)
    assert [(e["slug"], e["progress"]) for e in listing] == [("one", "done"), ("two", "started")]

    again = _watch(course, Path(course["SANDBOX_WORKSPACES"]) / "two", screens)
    again.wait_for("two — Exercise two", "1/2 done")
    again.keys("q")
    again.wait_for("PROGRAM-EXITED-0")


def test_a_save_during_a_check_wins_and_the_old_result_stays_until_then(
    course: dict[str, str], screens: list[Screen], runner_image: str, docker_client: Any
) -> None:
    assert _sandbox(course, "start", "one").returncode == 0
    ws = Path(course["SANDBOX_WORKSPACES"]) / "one"
    screen = _watch(course, ws, screens)
    screen.wait_for("FAIL", "up to date")

    (ws / "app.py").write_text(SLOW_SOLUTION)  # would pass, but takes 4 s to start
    screen.wait_for("checking", "FAIL")  # the old result stays while the new check runs
    time.sleep(0.5)
    (ws / "app.py").write_text(STARTER + "# still failing\n")
    final = screen.wait_for("FAIL", "up to date", timeout=60)
    assert "PASS" not in final
    time.sleep(5)  # past the first (cancelled) check's slow start: it must never show up
    assert "PASS" not in screen.text(), "the stale check's result replaced the newer one"
    screen.keys("q")
    screen.wait_for("PROGRAM-EXITED-0")
    assert _job_containers(docker_client, "one") == []


def test_reset_asks_then_restores_the_starter_with_a_backup(
    course: dict[str, str], screens: list[Screen], runner_image: str
) -> None:
    assert _sandbox(course, "start", "one").returncode == 0
    ws = Path(course["SANDBOX_WORKSPACES"]) / "one"
    (ws / "app.py").write_text(SOLUTION)
    screen = _watch(course, ws, screens)
    screen.wait_for("PASS")
    screen.keys("x")
    screen.wait_for("Reset to the starter? Your files are backed up first. [y/N]")
    screen.keys("n")
    screen.wait_for("Nothing changed.")
    assert (ws / "app.py").read_text() == SOLUTION
    screen.keys("x")
    screen.wait_for("[y/N]")
    screen.keys("y")
    screen.wait_for("Reset to the starter; your files are in", "FAIL")
    assert (ws / "app.py").read_text() == STARTER
    [backup] = (ws.parent / ".sandbox-backups").iterdir()
    assert (backup / "app.py").read_text() == SOLUTION
    screen.keys("q")
    screen.wait_for("PROGRAM-EXITED-0")


def test_a_plain_terminal_gets_no_colour_and_no_unicode_art(
    course: dict[str, str], screens: list[Screen], runner_image: str
) -> None:
    assert _sandbox(course, "start", "one").returncode == 0
    ws = Path(course["SANDBOX_WORKSPACES"]) / "one"
    plain = {**course, "NO_COLOR": "1", "PYTHONIOENCODING": "ascii"}
    screen = _watch(plain, ws, screens)
    shown = screen.wait_for("FAIL", "Curriculum")
    assert "#" in shown or "-" in shown
    assert not any(ch in shown for ch in "✓✗█░…"), shown
    screen.keys("q")
    screen.wait_for("PROGRAM-EXITED-0")
