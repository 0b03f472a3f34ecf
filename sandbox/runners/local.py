"""Run the grader on the host, without a container: for trusted code and quick loops only.

It runs the same grader and plugin as the container, in a fresh Python process, but the app
runs as you, with your network and files. It isolates nothing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sandbox.results import Result
from sandbox.runners import Job
from sandbox.runners.finalize import RunEnd, finalize
from sandbox.runners.jobfiles import job_spec

WARNING = (
    "The local runner does NOT isolate: the submission runs as you, with your files and network."
)


class LocalRunner:
    name = "local"

    def __init__(self) -> None:
        self._active: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()

    def alive(self) -> bool:
        return True  # no engine to lose

    def cancel(self) -> None:
        with self._lock:
            active = list(self._active)
        for proc in active:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)

    def run(self, job: Job) -> Result:
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="sandbox-local-") as tmp_name:
            tmp = Path(tmp_name)
            spec = job_spec(
                job,
                submission=str(job.submission.resolve()),
                grader=str(job.exercise.grader_dir),
                workdir=str(tmp / "app"),
                result_file=str(tmp / "result.json"),
                learner_uid=None,
            )
            (tmp / "job.json").write_text(spec.to_json(), encoding="utf-8")
            env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHON"))}
            code = "import sys; from sandbox.grading.main import main; sys.exit(main(sys.argv[1:]))"
            proc = subprocess.Popen(
                [sys.executable, "-I", "-B", "-c", code, str(tmp / "job.json")],
                cwd=tmp,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            with self._lock:
                self._active.add(proc)
            timed_out = False
            try:
                output, _ = proc.communicate(timeout=job.exercise.time_limit_s)
            except subprocess.TimeoutExpired:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                output, _ = proc.communicate()
            finally:
                with self._lock:
                    self._active.discard(proc)
            result = _read(tmp / "result.json")
        tail = output[-1500:].decode("utf-8", errors="replace")
        end = RunEnd(
            started, timed_out=timed_out, no_result=f"(exit code {proc.returncode})\n{tail}"
        )
        return finalize(job, result, end, runner=self.name)


def _read(path: Path) -> Result | None:
    try:
        return Result.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
