"""`sandbox grade` on real Docker: the example class, and a batch killed part-way then resumed."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docker import DockerClient

from sandbox import exercises
from sandbox.docker_client import LABEL

pytestmark = pytest.mark.docker
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "http-handler-class"


def _interruptible() -> None:
    """In the child: Ctrl-C's default, even when this suite was started in the background by a
    shell, which leaves SIGINT ignored for everything it starts (Python then never raises it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _grade(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sandbox", "grade", *args, "--json"],
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_example_class_is_fully_accounted_for(tmp_path: Path, runner_image: str) -> None:
    out = tmp_path / "out"
    proc = _grade(
        "http-handler",
        str(EXAMPLE / "submissions"),
        "-o",
        str(out),
        "--roster",
        str(EXAMPLE / "roster.csv"),
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    rows = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    expected = {
        "alice": "pass",
        "bob": "pass",
        "carol": "fail",
        "dave": "fail",
        "erin": "error",
        "frank": "rejected",
        "grace": "error",
        "heidi": "timeout",
        "ivan": "rejected",
        "judy": "fail",
        "mallory": "rejected",
        "niaj": "oom",
        "olivia": "fail",
        "peggy": "fail",
        "zoe": "missing",
    }
    assert {s: r["status"] for s, r in rows.items()} == expected
    starter = next(r for s, r in rows.items() if s == "dave")
    assert rows["olivia"]["score"] == starter["score"], "the forger scores what the starter earns"
    assert "SyntaxError" in rows["erin"]["reason"]
    assert "'..'" in rows["ivan"]["reason"] and "symlink" in rows["mallory"]["reason"]
    assert 0 < float(rows["carol"]["score"]) < float(rows["carol"]["max_score"])
    for name in ("gradebook.csv", "junit.xml", "report.html"):
        assert (out / name).stat().st_size > 0
    assert len(list((out / "results").glob("*.json"))) == 15
    assert len(list((out / "gradescope").glob("*/results.json"))) == 15
    assert summary["students"] == 15 and summary["statuses"]["pass"] == 2


def test_a_killed_batch_resumes_without_regrading(
    tmp_path: Path, docker_client: DockerClient, runner_image: str
) -> None:
    ex = exercises.load("http-handler")
    subs = tmp_path / "subs"
    for i in range(6):
        shutil.copytree(ex.solution if i % 2 == 0 else ex.starter, subs / f"s{i}")
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "grade",
            "http-handler",
            str(subs),
            "-o",
            str(out),
            "-j",
            "1",
            "--json",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and len(list((out / "results").glob("*.json"))) < 2:
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)  # no cleanup at all: the worst case
    proc.wait()
    first = {p.stem: p.stat().st_mtime_ns for p in (out / "results").glob("*.json")}
    assert 2 <= len(first) < 6, "killed part-way"
    assert not (out / "report.html").exists(), "killed before the class outputs"

    rerun = _grade("http-handler", str(subs), "-o", str(out))
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["reused"] == len(first)
    assert summary["graded_now"] == 6 - len(first)
    for student, mtime in first.items():
        assert (out / "results" / f"{student}.json").stat().st_mtime_ns == mtime, "not graded again"
    rows = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert sorted(rows) == [f"s{i}" for i in range(6)]
    assert all(rows[f"s{i}"]["status"] == ("pass" if i % 2 == 0 else "fail") for i in range(6))
    owner = f"{LABEL}.owner={socket.gethostname()}:{proc.pid}"
    leftovers = docker_client.containers.list(all=True, filters={"label": owner})
    assert not leftovers, "the rerun reaps containers of the killed run"


def test_ctrl_c_stops_a_batch_at_once_and_says_how_to_resume(
    tmp_path: Path, docker_client: DockerClient, runner_image: str
) -> None:
    ex = exercises.load("http-handler")
    subs = tmp_path / "subs"
    shutil.copytree(ex.solution, subs / "quick")
    for name in ("hang1", "hang2"):  # import never finishes: each job would take the full deadline
        (subs / name).mkdir(parents=True)
        (subs / name / "app.py").write_text("import time\nwhile True:\n    time.sleep(1)\n")
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "grade",
            "http-handler",
            str(subs),
            "-o",
            str(out),
            "-j",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_interruptible,
    )
    owner = f"{LABEL}.owner={socket.gethostname()}:{proc.pid}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not docker_client.containers.list(
        filters={"label": owner}
    ):
        time.sleep(0.2)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)  # not the 60 s a hanging job would take
    assert proc.returncode == 130
    assert "run the same command again" in stderr
    assert not docker_client.containers.list(all=True, filters={"label": owner})
    assert not (out / "results" / "hang1.json").exists(), (
        "an interrupted job is not saved as graded"
    )
