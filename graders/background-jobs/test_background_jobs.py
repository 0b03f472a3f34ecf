"""Grader for background-jobs: a web app that queues jobs in Redis and a worker process that does
them; the grader starts, stops and kills the worker itself.

Contract (exercises/background-jobs/README.md): POST /jobs answers 202 + Location /jobs/<id>;
GET /jobs/<id> says queued, running or done (with the result) and the attempts; the work happens
in the worker only; a job whose worker dies mid-way is done again when a worker starts.

Mutants (`sandbox verify background-jobs --mutants`, a sample of 12: 11 caught) that survive are
equivalent: BLMOVE's timeout 1 -> 2 (how long one blocking pop waits before it loops; a job
that arrives meanwhile is taken at once either way).
"""

import re
import time

import pytest

from sandbox.grading import expect, unique

STATUSES = {"queued", "running", "done"}


def submit(app, seconds=0):
    text = f"{unique('alpha')} {unique('beta')} gamma"
    r = app.post("/jobs", json={"text": text, "seconds": seconds})
    expect.status(r, 202, why="the work is accepted, not done: 202 Accepted")
    body = expect.json_object(r, "id", "status")
    location = expect.header(
        r,
        "Location",
        matches=r"(?:https?://[^/]+)?/jobs/[^/\s]+",
        why="the client watches the job at the URL Location gives",
    )
    path = re.sub(r"^https?://[^/]+", "", location)
    return path, text, body


def look(app, path):
    r = app.get(path)
    expect.status(r, 200, why="the job's status resource exists from the moment it is queued")
    body = expect.json_object(r, "status")
    if body["status"] not in STATUSES:
        expect.fail(r, f'"status" one of {sorted(STATUSES)}')
    return r, body


def wait_for(app, path, status, within_s):
    """Poll the status resource until it says `status` (or the time is up); every status seen."""
    seen, deadline = [], time.monotonic() + within_s
    while True:
        r, body = look(app, path)
        if not seen or seen[-1] != body["status"]:
            seen.append(body["status"])
        if body["status"] == status or time.monotonic() > deadline:
            return r, body, seen
        time.sleep(0.05)


def expect_done(app, path, text, within_s, worker):
    r, body, seen = wait_for(app, path, "done", within_s)
    if body["status"] != "done":
        expect.fail(
            r,
            f'"status": "done" within {within_s} s (statuses seen: {seen}); '
            f"{worker.describe_exit()}",
            "the worker does the queued jobs",
        )
    wanted = {"upper": text.upper(), "words": len(text.split())}
    if body.get("result") != wanted:
        expect.fail(r, f'"result": {wanted}', "the result is the work the job asked for")
    return r, body, seen


@pytest.mark.points(2)
def test_a_job_is_accepted_with_202_and_location(app, worker):
    """POST /jobs answers 202 with the job's id, status "queued" and a Location /jobs/<id>."""
    worker.stop()
    path, _, body = submit(app)
    if body["status"] != "queued" or not path.endswith(f"/{body['id']}"):
        r, _ = look(app, path)
        expect.fail(
            r,
            f'a 202 body with "status": "queued" and a Location ending in /{body["id"]}'
            f" (got {body} and Location {path})",
        )


@pytest.mark.points(1)
def test_the_status_resource_shows_the_job(app, worker):
    """GET on the Location answers 200 with the job's id, its status and its attempts."""
    worker.stop()
    path, _, sent = submit(app)
    r, body = look(app, path)
    if body.get("id") != sent["id"] or body["status"] != "queued" or body.get("attempts") != 0:
        expect.fail(
            r, f'{{"id": "{sent["id"]}", "status": "queued", "attempts": 0}} while no worker runs'
        )


@pytest.mark.points(2)
def test_the_worker_does_the_job(app, worker):
    """With the worker running, a job becomes "done" with its result, after 1 attempt."""
    path, text, _ = submit(app)
    r, body, _ = expect_done(app, path, text, 4, worker)
    if body.get("attempts") != 1:
        expect.fail(r, '"attempts": 1 (one worker started it once)')


@pytest.mark.points(2)
def test_nothing_happens_while_the_worker_is_stopped(app, worker):
    """While the grader keeps the worker stopped, a job stays "queued"; once it starts, it is done."""
    worker.stop()
    path, text, _ = submit(app)
    r, _, seen = wait_for(app, path, "done", 0.6)
    if seen != ["queued"]:
        expect.fail(
            r,
            f'"status": "queued" for 0.6 s with no worker running (statuses seen: {seen})',
            "the work belongs in the worker, never in the web request",
        )
    worker.start()
    expect_done(app, path, text, 4, worker)


@pytest.mark.points(1)
def test_a_job_goes_queued_running_done(app, worker):
    """A job that takes 0.5 s is seen "running" before "done"."""
    path, text, _ = submit(app, seconds=0.5)
    _, _, seen = expect_done(app, path, text, 5, worker)
    r, _ = look(app, path)
    if "running" not in seen:
        expect.fail(
            r,
            f'"status": "running" while the worker works (statuses seen: {seen})',
            "clients show progress; operators see stuck jobs",
        )


@pytest.mark.points(1)
def test_queued_jobs_are_each_done(app, worker):
    """Five jobs queued while the worker is stopped are each done, with their own results."""
    worker.stop()
    jobs = [submit(app) for _ in range(5)]
    worker.start()
    for path, text, _ in jobs:
        expect_done(app, path, text, 4, worker)


@pytest.mark.points(3)
def test_a_job_whose_worker_dies_is_done_again(app, worker):
    """A job whose worker is killed mid-way is done again by the next worker (attempts: 2)."""
    path, text, _ = submit(app, seconds=1)
    r, body, seen = wait_for(app, path, "running", 3)
    if body["status"] != "running":
        expect.fail(
            r, f'"status": "running" within 3 s (statuses seen: {seen}); {worker.describe_exit()}'
        )
    worker.kill()  # SIGKILL: no clean-up code runs
    r, body = look(app, path)
    if body["status"] == "done":
        expect.fail(r, '"status" not yet "done" (the job takes 1 s and its worker was killed)')
    worker.start()
    r, body, _ = expect_done(app, path, text, 5, worker)
    if body.get("attempts") != 2:
        expect.fail(
            r,
            '"attempts": 2: the killed attempt and the one that finished',
            "a job is done again from the start when its worker dies",
        )


@pytest.mark.points(1)
def test_an_invalid_job_is_400(app, worker, checks):
    """POST /jobs without a string "text", or with "seconds" outside 0..5, answers 400."""
    for body in (
        {},
        {"text": 5},
        {"text": "x", "seconds": 9},
        {"text": "x", "seconds": "1"},
        ["text"],
    ):
        with checks.case(f"body {body}"):
            r = app.post("/jobs", json=body)
            expect.status(r, 400, why="an invalid job is refused before it is queued")
            expect.json_object(r, "error")


@pytest.mark.points(1)
def test_an_unknown_job_is_404(app, worker):
    """GET /jobs/<id> for an id never issued answers 404 with a JSON error."""
    r = app.get(f"/jobs/{unique('nope')}")
    expect.status(r, 404, why="no such job")
    expect.json_object(r, "error")
