"""`sandbox run` inside the container: the learner's app served for a person, not graded (for
a tests-kind exercise: the correct API their tests are written against).

Same image, same user boundary and limits as grading; the job arrives on stdin as for a check,
then the app is copied and served on 0.0.0.0:PORT (published by the host on 127.0.0.1 only)
until the container is stopped. Its output is the container's output.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from sandbox.grading.learner_app import AppSpec, LearnerApp
from sandbox.grading.main import _make_private, _unpack_stdin
from sandbox.grading.serviceconf import APPS_UID
from sandbox.grading.services import fresh_secrets
from sandbox.grading.suites import serve_correct
from sandbox.jobspec import JobSpec

PORT = 5000


def main(argv: list[str]) -> int:
    job_file = Path(argv[-1] if argv else "/job/job.json")
    _unpack_stdin(job_file.parent)
    job = JobSpec.from_json(job_file.read_text(encoding="utf-8"))
    import os

    _make_private(os.environ.get("HOME"), os.environ.get("TMPDIR"))
    if job.kind == "tests":  # the learner writes tests: serve them the API those tests are for
        uid = None if job.learner_uid is None else APPS_UID
        return serve_correct(Path(job.grader), uid, "0.0.0.0", PORT)
    spec = AppSpec.from_job(job)
    # Declared secrets get a fresh value, shown once so the person can use them by hand.
    chosen = fresh_secrets(job.services.secrets)
    for name, value in chosen.items():
        print(f"sandbox run: {name}={value} (random for this run)", flush=True)
    app = LearnerApp(replace(spec, extra_env=chosen))
    app.prepare()
    return app.serve("0.0.0.0", PORT)


if __name__ == "__main__":
    sys.path.insert(0, "/opt/sandbox")
    sys.exit(main(sys.argv[1:]))
