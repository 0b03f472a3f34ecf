"""Docker goes away in the middle of a batch: a clear error, exit code 3, finished results intact.

The engine is reached through a Unix-socket proxy (tests/conftest.py) that the test cuts mid-batch: to `sandbox
grade` that is exactly an engine that stopped answering, without stopping the real one.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from docker import DockerClient

from sandbox import exercises
from sandbox.docker_client import LABEL
from sandbox.runners.docker import reap_orphans

pytestmark = [pytest.mark.docker, pytest.mark.adversarial]
ENGINE_SOCKET = "/var/run/docker.sock"


@pytest.mark.skipif(not os.path.exists(ENGINE_SOCKET), reason=f"needs {ENGINE_SOCKET}")
def test_docker_stopping_mid_batch_is_exit_3_with_results_intact(
    tmp_path: Path,
    docker_client: DockerClient,
    runner_image: str,
    engine_proxy: Callable[[Path], Any],
) -> None:
    ex = exercises.load("http-handler")
    subs = tmp_path / "subs"
    for i in range(5):
        shutil.copytree(ex.solution, subs / f"s{i}")
    out = tmp_path / "out"
    proxy = engine_proxy(tmp_path / "docker.sock")
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path / 'docker.sock'}"}
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
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list((out / "results").glob("*.json")):
        time.sleep(0.1)
    proxy.cut()
    _, stderr = proc.communicate(timeout=120)

    assert proc.returncode == 3, stderr
    text = " ".join(stderr.split())
    assert "Docker" in text and "rerun the same command" in text
    assert "Traceback" not in stderr
    saved = sorted(p.stem for p in (out / "results").glob("*.json"))
    assert 1 <= len(saved) < 5
    for student in saved:
        doc = json.loads((out / "results" / f"{student}.json").read_text())
        assert doc["status"] == "pass" and not doc["infrastructure"], "finished results are intact"

    # The engine is back (it never left): the next run reaps what the cut left and finishes.
    reap_orphans(docker_client)
    owner = f"{LABEL}.owner={socket.gethostname()}:{proc.pid}"
    assert not docker_client.containers.list(all=True, filters={"label": owner})
    rerun = subprocess.run(
        [
            sys.executable,
            "-m",
            "sandbox",
            "grade",
            "http-handler",
            str(subs),
            "-o",
            str(out),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["reused"] == len(saved) and summary["statuses"] == {"pass": 5}
