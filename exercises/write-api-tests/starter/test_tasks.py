"""Your tests for the tasks API of the README. The grader runs them against the correct API
(they must pass) and against hidden buggy versions (each one they fail against earns points).

Run them yourself against the correct API: `sandbox run` in one terminal, then
`API_URL=http://127.0.0.1:5000 python -m pytest` here.
"""

import os

import requests

BASE = os.environ["API_URL"]  # the API under test; the grader picks its port for each run


def test_create_answers_201():
    r = requests.post(f"{BASE}/tasks", json={"title": "write tests"})
    assert r.status_code == 201
    assert r.json()["title"] == "write tests"


def test_a_created_task_can_be_read_back():
    task = requests.post(f"{BASE}/tasks", json={"title": "read me"}).json()
    r = requests.get(f"{BASE}/tasks/{task['id']}")
    assert r.status_code == 200
    assert r.json() == task


# TODO: the rest of the contract. Creating (the whole body, Location, defaults), validation
# (400 vs 422 and "field", the boundaries), 404s, the list (filters, limit, offset, total),
# PATCH (what it keeps) and DELETE (204, then 404). Each hidden buggy version breaks one
# promise of the README: a test that checks that promise exactly catches it.
