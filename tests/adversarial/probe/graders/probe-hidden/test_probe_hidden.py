"""The hidden-grader probe: [grader] private = true, so the app must not read this file.

CANARY: hidden-grader-canary-5f3a9c (must never appear in anything the app returns)
"""

import pytest

CANARY = "hidden-grader-canary-" + "5f3a9c"


def job_facts(app):
    r = app.get("/job", timeout=15)
    assert r.status_code == 200, f"GET /job answered {r.status_code}: {r.text[:500]}"
    return r


@pytest.mark.points(1)
def test_hidden_grader_folder_cannot_be_listed(app):
    """Listing /job/grader fails with EACCES."""
    f = job_facts(app).json()
    assert f["listing"]["/job/grader"] == "EACCES", f["listing"]


@pytest.mark.points(1)
def test_hidden_grader_file_cannot_be_read(app):
    """Opening /job/grader/test_probe_hidden.py by name fails with EACCES."""
    f = job_facts(app).json()
    assert f["grader_files"]["test_probe_hidden.py"] == {"read": "EACCES"}, f["grader_files"]


@pytest.mark.points(1)
def test_hidden_grader_text_never_reaches_the_app(app):
    """The canary string of this file is in no answer of the app."""
    assert CANARY not in job_facts(app).text
    assert CANARY not in app.output()
