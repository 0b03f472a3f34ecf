"""A learner's loop on real Docker: start, check, hint, fix, check, progress — through the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import exercises

pytestmark = pytest.mark.docker


def _sandbox(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(home / "data"), "COLUMNS": "160"}
    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        cwd=home,
    )


def test_start_check_hint_fix_check(tmp_path: Path, runner_image: str) -> None:
    ws = tmp_path / "ws"
    started = _sandbox("start", "http-handler", str(ws), home=tmp_path)
    assert started.returncode == 0, started.stderr
    assert (ws / "app.py").is_file() and (ws / "README.md").is_file()

    first = _sandbox("check", str(ws), home=tmp_path)
    assert first.returncode == 1, first.stderr
    assert "FAIL" in first.stdout and "First failure" in first.stdout

    hint = _sandbox("hint", str(ws), home=tmp_path)
    assert hint.returncode == 0 and "Hint 1/" in hint.stdout

    shutil.copyfile(exercises.load("http-handler").solution / "app.py", ws / "app.py")
    second = _sandbox("check", str(ws), "--json", home=tmp_path)
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["status"] == "pass"

    progress = _sandbox("progress", home=tmp_path)
    assert progress.returncode == 0
    line = next(ln for ln in progress.stdout.splitlines() if "http-handler" in ln)
    assert "21/21" in line, "the best score is remembered across checks"
