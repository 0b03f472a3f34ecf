"""Docker goes away in the middle of a batch: a clear error, exit code 3, finished results intact.

The engine is reached through a Unix-socket proxy that the test cuts mid-batch: to `sandbox
grade` that is exactly an engine that stopped answering, without stopping the real one.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from docker import DockerClient

from sandbox import exercises
from sandbox.docker_client import LABEL
from sandbox.runners.docker import reap_orphans

pytestmark = [pytest.mark.docker, pytest.mark.adversarial]
ENGINE = "/var/run/docker.sock"


class SocketProxy:
    """Forwards a Unix socket to the Docker engine until `cut()` drops every connection."""

    def __init__(self, path: Path) -> None:
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        self.server.listen(64)
        self.path = path
        self.conns: list[socket.socket] = []
        self.lock = threading.Lock()
        self.is_cut = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            with self.lock:
                if self.is_cut:  # accepted in the instant of the cut: the engine is gone
                    client.close()
                    return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(ENGINE)
            with self.lock:
                self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    def cut(self) -> None:
        # A close() alone does not wake a thread blocked in accept(), which would then go on
        # accepting (and forwarding) new connections: a flaky "engine still there".
        with self.lock:
            self.is_cut = True
        with contextlib.suppress(OSError):
            self.path.unlink()
        with contextlib.suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()
        with self.lock:
            for conn in self.conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()


@pytest.mark.skipif(not os.path.exists(ENGINE), reason=f"needs the engine at {ENGINE}")
def test_docker_stopping_mid_batch_is_exit_3_with_results_intact(
    tmp_path: Path, docker_client: DockerClient, runner_image: str
) -> None:
    ex = exercises.load("http-handler")
    subs = tmp_path / "subs"
    for i in range(5):
        shutil.copytree(ex.solution, subs / f"s{i}")
    out = tmp_path / "out"
    proxy = SocketProxy(tmp_path / "docker.sock")
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
