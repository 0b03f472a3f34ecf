"""Run the grader on the host, without a container: for trusted code and quick loops only.

It runs the same grader and plugin as the container, in a fresh Python process, but the app
runs as you, with your network and files. It isolates nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sandbox.results import Result, Status
from sandbox.runners import Job
from sandbox.runners.jobfiles import job_document

WARNING = (
    "The local runner does NOT isolate: the submission runs as you, with your files and network."
)


class LocalRunner:
    name = "local"

    def run(self, job: Job) -> Result:
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="sandbox-local-") as tmp_name:
            tmp = Path(tmp_name)
            document = job_document(
                job,
                submission=str(job.submission.resolve()),
                grader=str(job.exercise.grader_dir),
                workdir=str(tmp / "app"),
                result_file=str(tmp / "result.json"),
                learner_uid=None,
            )
            (tmp / "job.json").write_text(json.dumps(document), encoding="utf-8")
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
            timed_out = False
            try:
                proc.communicate(timeout=job.exercise.time_limit_s)
            except subprocess.TimeoutExpired:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
            result_file = tmp / "result.json"
            result = (
                Result.from_json(result_file.read_text(encoding="utf-8"))
                if result_file.exists()
                else None
            )
        if result is None:
            result = Result.ungraded(
                job.exercise.slug,
                job.submission_id,
                Status.TIMEOUT if timed_out else Status.ERROR,
                job.exercise.points,
                "the grader left no result" + (" before the time limit" if timed_out else ""),
            )
        elif timed_out:
            result.status = Status.TIMEOUT
            result.message = (
                f"Grading was stopped after the {job.exercise.time_limit_s:g} s time limit."
            )
        result.exercise, result.submission, result.runner = (
            job.exercise.slug,
            job.submission_id,
            self.name,
        )
        result.duration_s = round(time.monotonic() - started, 3)
        return result
