import time

import pytest


def wait_for(app, job_id, status, within_s=5.0):
    deadline = time.monotonic() + within_s
    while True:
        body = app.get(f"/jobs/{job_id}").json()
        if body.get("status") == status or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


@pytest.mark.points(1)
def test_nothing_happens_while_the_worker_is_stopped(app, worker):
    """A job stays queued while no worker runs."""
    worker.stop()
    job_id = app.post("/jobs").json()["id"]
    time.sleep(0.3)
    body = app.get(f"/jobs/{job_id}").json()
    assert body["status"] == "queued", f"with the worker stopped, GET /jobs/{job_id} said {body}"


@pytest.mark.points(1)
def test_the_worker_finishes_a_job(app, worker):
    """With the worker running, a job becomes done."""
    job_id = app.post("/jobs").json()["id"]
    body = wait_for(app, job_id, "done")
    assert body["status"] == "done", (
        f"GET /jobs/{job_id} said {body} after 5 s; {worker.describe_exit()}"
    )


@pytest.mark.points(1)
def test_a_queued_job_is_done_once_the_worker_starts(app, worker):
    """A job queued while the worker was killed is done after it starts again."""
    worker.kill()
    job_id = app.post("/jobs").json()["id"]
    worker.start()
    body = wait_for(app, job_id, "done")
    assert body["status"] == "done", f"GET /jobs/{job_id} said {body}; {worker.describe_exit()}"
