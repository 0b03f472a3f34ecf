"""`sandbox run`: the learner's app served on 127.0.0.1 from the grading image, until stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox import exercises

pytestmark = pytest.mark.docker


def _interruptible() -> None:
    """In the child: Ctrl-C's default, even when this suite was started in the background by a
    shell, which leaves SIGINT ignored for everything it starts (Python then never raises it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_run_serves_on_loopback_and_leaves_nothing_when_stopped(
    tmp_path: Path, runner_image: str, docker_client: Any, stop: signal.Signals
) -> None:
    port = _free_port()
    solution = exercises.load("http-handler").solution
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "run",
            str(solution),
            "--exercise",
            "http-handler",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_interruptible,
        env={**os.environ, "XDG_DATA_HOME": str(tmp_path)},
    )
    try:
        deadline, answer = time.monotonic() + 60, None
        while time.monotonic() < deadline and answer is None:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/items", timeout=2)
            except requests.ConnectionError:
                time.sleep(0.2)
        assert answer is not None, "the app never answered on 127.0.0.1"
        assert answer.status_code == 200 and isinstance(answer.json(), list)
        owner = f"{socket.gethostname()}:{proc.pid}"
        running = docker_client.containers.list(filters={"label": f"backend-sandbox.owner={owner}"})
        [container] = running
        bindings = container.attrs["HostConfig"]["PortBindings"]
        assert [b["HostIp"] for b in bindings["5000/tcp"]] == ["127.0.0.1"], "loopback only"
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=30)
        assert f"http://127.0.0.1:{port}/" in err and "Ctrl-C stops it" in err
        left = docker_client.containers.list(
            all=True, filters={"label": f"backend-sandbox.owner={owner}"}
        )
        assert left == [], "stopping `sandbox run` removes its container"
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_port_already_in_use_says_so_and_how_to_choose_another(
    tmp_path: Path, runner_image: str
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = int(taken.getsockname()[1])
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "sandbox",
                "run",
                str(exercises.load("http-handler").solution),
                "--exercise",
                "http-handler",
                "--port",
                str(port),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "XDG_DATA_HOME": str(tmp_path)},
        )
    message = " ".join(done.stderr.split())
    assert done.returncode == 3, done.stderr
    assert f"port {port} is already in use" in message and f"--port {port + 1}" in message
    assert "Traceback" not in done.stderr
