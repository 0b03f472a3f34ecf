"""Text from the learner reaches people as text, and paths we cannot walk are the learner's
`rejected`, never our failure: through the real CLI on real Docker.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from sandbox.batch import Finished
from sandbox.cli.grading import _line
from sandbox.results import Result

pytestmark = [pytest.mark.docker, pytest.mark.adversarial]

CONTROL = [chr(c) for c in (*range(0, 9), *range(11, 32), *range(0x7F, 0xA0))] + ["\u202e"]


def _sandbox(*args: str, cwd: Path, data: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(data or cwd / ".data"), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=cwd,
    )


def _controls(text: str) -> list[str]:
    return sorted({repr(c) for c in text if c in CONTROL})


def test_escape_sequences_never_reach_a_terminal_or_the_gradebook(
    tmp_path: Path, stage_case: Callable[[str], Path], runner_image: str
) -> None:
    attempt = stage_case("escape-sequences")
    check = _sandbox("check", str(attempt), "--exercise", "http-handler", cwd=tmp_path)
    assert check.returncode == 1, check.stderr
    assert "PWNED-TITLE" in check.stdout, "the text is shown, visibly"
    assert _controls(check.stdout + check.stderr) == []
    as_json = _sandbox("check", str(attempt), "--exercise", "http-handler", "--json", cwd=tmp_path)
    doc = json.loads(as_json.stdout)
    assert doc["status"] == "error" and "\\x1b]0;PWNED-TITLE" in doc["message"]

    subs = tmp_path / "class"
    shutil.copytree(attempt, subs / "mallory")
    out = tmp_path / "out"
    grade = _sandbox("grade", "http-handler", str(subs), "-o", str(out), cwd=tmp_path)
    assert grade.returncode == 0, grade.stderr
    assert _controls(grade.stdout + grade.stderr) == []
    gradebook = (out / "gradebook.csv").read_text(encoding="utf-8")
    assert _controls(gradebook.replace("\r\n", "")) == []
    [row] = list(csv.DictReader(io.StringIO(gradebook)))
    assert "PWNED-TITLE" in row["reason"]

    # The interactive progress line staff see, from the saved result.
    saved = Result.from_json((out / "results" / "mallory.json").read_text(encoding="utf-8"))
    screen = io.StringIO()
    staff_terminal = Console(file=screen, force_terminal=True, width=200, highlight=False)
    staff_terminal.print(_line(Finished("mallory", saved)))
    rendered = screen.getvalue()
    assert "RuntimeError: \\x1b]" in rendered, "shown as text"
    assert "\x1b]" not in rendered and "\x1bc" not in rendered and "\x1bM" not in rendered
    assert "\x1b7" not in rendered and "\u202e" not in rendered


def _deep_padding(root: Path, depth: int = 16, width: int = 250) -> None:
    """root/app.py plus a file 16 folders of 250 characters deep (4,087 bytes of path):
    too long for one absolute path, so it is made one folder at a time."""
    shutil.copy(Path(__file__).resolve().parents[2] / "exercises/http-handler/starter/app.py", root)
    fd = os.open(root, os.O_RDONLY)
    try:
        for level in range(depth):
            name = chr(ord("a") + level) * width
            os.mkdir(name, dir_fd=fd)
            child = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
        leaf = "p" * (4087 - depth * (width + 1))  # the relative path is 4,087 bytes
        out = os.open(leaf, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, b"padding\n")
        os.close(out)
    finally:
        os.close(fd)


@pytest.mark.parametrize("how", ["absolute path", "from inside the folder"])
def test_a_path_too_deep_to_walk_is_rejected_with_a_reason(
    tmp_path: Path, runner_image: str, how: str
) -> None:
    attempt = tmp_path / "attempt"
    attempt.mkdir()
    _deep_padding(attempt)
    if how == "absolute path":
        proc = _sandbox("check", str(attempt), "--exercise", "http-handler", "--json", cwd=tmp_path)
    else:
        proc = _sandbox(
            "check", "--exercise", "http-handler", "--json", cwd=attempt, data=tmp_path / "data"
        )
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["status"] == "rejected", doc["message"]
    assert doc["infrastructure"] is False
    assert "too long" in doc["message"] and "internal error" not in proc.stderr
