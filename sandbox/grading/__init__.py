"""What runs inside the runner container: the pytest plugin and the toolkit graders use.

Standard library, pytest and requests only: this package is copied into the runner image.

    plugin.py        fixtures `app`, `fresh_app`, `checks`; markers points/hidden; the result
    learner_app.py   the learner's app as a process reached over HTTP (LearnerApp)
    expect.py        expectations whose failures say what was sent, came back, was expected
    checks.py        partial credit inside a test (`checks.case(...)`)
    transcript.py    every exchange recorded; a failed test's last few go into its result
    data.py          unique names, emails, numbers, passwords
    parallel.py      N requests at once (`burst`, `together`)
    logs.py          JSON log lines (`json_lines`, `app.log_records()`)
    files.py         reading what the app left (no symlinks, size caps, read-only SQLite)
"""

from sandbox.grading import expect
from sandbox.grading.checks import Checks
from sandbox.grading.data import unique, unique_email, unique_int, unique_password
from sandbox.grading.files import open_sqlite_readonly, read_text_capped
from sandbox.grading.learner_app import AppNoAnswer, LearnerApp, describe
from sandbox.grading.logs import json_lines
from sandbox.grading.parallel import burst, responses, together

__all__ = [
    "AppNoAnswer",
    "Checks",
    "LearnerApp",
    "burst",
    "describe",
    "expect",
    "json_lines",
    "open_sqlite_readonly",
    "read_text_capped",
    "responses",
    "together",
    "unique",
    "unique_email",
    "unique_int",
    "unique_password",
]
