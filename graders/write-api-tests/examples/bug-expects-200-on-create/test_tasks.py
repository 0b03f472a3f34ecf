"""Tests for the tasks API of the README: every promise, and the boundaries around it."""

import os
import uuid

import pytest
import requests

BASE = os.environ["API_URL"]  # the grader's API, on a port it picks for each run


def new_tag():
    """A tag no other test uses: filtering by it sees only this test's tasks."""
    return "t" + uuid.uuid4().hex[:10]


def create(**fields):
    body = {"title": "task " + uuid.uuid4().hex[:8], **fields}
    r = requests.post(f"{BASE}/tasks", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def listing(**params):
    r = requests.get(f"{BASE}/tasks", params=params)
    assert r.status_code == 200, r.text
    return r.json()


# -- creating ---------------------------------------------------------------------------------


def test_create_answers_201_with_the_task_and_its_location():
    r = requests.post(f"{BASE}/tasks", json={"title": "write tests", "priority": 2, "tags": ["a"]})
    assert r.status_code == 200
    task = r.json()
    assert task == {
        "id": task["id"],
        "title": "write tests",
        "priority": 2,
        "done": False,
        "tags": ["a"],
    }
    assert isinstance(task["id"], int)
    assert r.headers["Location"] == f"/tasks/{task['id']}"
    assert requests.get(BASE + r.headers["Location"]).json() == task


def test_create_fills_in_the_defaults():
    task = create()
    assert (task["priority"], task["done"], task["tags"]) == (3, False, [])


def test_ids_are_new_for_each_task():
    assert create()["id"] != create()["id"]


# -- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '"a string"', ""])
def test_a_body_that_is_not_a_json_object_is_400(body):
    r = requests.post(
        f"{BASE}/tasks", data=body, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
    assert "error" in r.json()


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": 7}, "title"),
        ({"title": "x" * 101}, "title"),
        ({"title": "ok", "priority": 0}, "priority"),
        ({"title": "ok", "priority": 6}, "priority"),
        ({"title": "ok", "priority": "2"}, "priority"),
        ({"title": "ok", "priority": True}, "priority"),
        ({"title": "ok", "done": "yes"}, "done"),
        ({"title": "ok", "tags": "a"}, "tags"),
        ({"title": "ok", "tags": [""]}, "tags"),
        ({"title": "ok", "colour": "red"}, "colour"),
    ],
)
def test_an_invalid_field_is_422_naming_it(body, field):
    r = requests.post(f"{BASE}/tasks", json=body)
    assert r.status_code == 422
    assert r.json()["field"] == field
    assert r.json()["error"]


@pytest.mark.parametrize("priority", [1, 5])
def test_the_priority_bounds_are_accepted(priority):
    assert create(priority=priority)["priority"] == priority


def test_a_title_of_100_characters_is_accepted():
    assert create(title="x" * 100)["title"] == "x" * 100


# -- reading ----------------------------------------------------------------------------------


def test_an_unknown_task_is_404():
    r = requests.get(f"{BASE}/tasks/999999")
    assert r.status_code == 404
    assert "error" in r.json()


# -- listing, filtering, pagination ------------------------------------------------------------


def test_the_list_filters_by_tag_case_insensitively_in_id_order():
    tag = new_tag()
    first, second = create(tags=[tag]), create(tags=[tag.upper(), "other"])
    create(tags=["unrelated"])
    page = listing(tag=tag)
    assert page == {"items": [first, second], "total": 2}
    assert listing(tag=tag.upper())["total"] == 2


def test_the_list_filters_by_done():
    tag = new_tag()
    open_task, done_task = create(tags=[tag]), create(tags=[tag], done=True)
    assert listing(tag=tag, done="true")["items"] == [done_task]
    assert listing(tag=tag, done="false")["items"] == [open_task]


def test_limit_and_offset_cut_the_page_and_total_counts_every_match():
    tag = new_tag()
    made = [create(tags=[tag]) for _ in range(5)]
    assert listing(tag=tag, limit=2) == {"items": made[:2], "total": 5}
    assert listing(tag=tag, limit=2, offset=2) == {"items": made[2:4], "total": 5}
    assert listing(tag=tag, limit=2, offset=4) == {"items": made[4:], "total": 5}
    assert listing(tag=tag, offset=9) == {"items": [], "total": 5}


def test_the_default_limit_is_20_and_100_is_allowed():
    tag = new_tag()
    for _ in range(21):
        create(tags=[tag])
    assert len(listing(tag=tag)["items"]) == 20
    assert len(listing(tag=tag, limit=100)["items"]) == 21


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 101}, {"limit": "x"}, {"offset": -1}, {"done": "yes"}]
)
def test_bad_list_parameters_are_400(params):
    r = requests.get(f"{BASE}/tasks", params=params)
    assert r.status_code == 400
    assert "error" in r.json()


# -- updating ---------------------------------------------------------------------------------


def test_patch_changes_what_it_is_given_and_keeps_the_rest():
    task = create(priority=5, tags=["keep"])
    r = requests.patch(f"{BASE}/tasks/{task['id']}", json={"done": True})
    assert r.status_code == 200
    assert r.json() == {**task, "done": True}
    assert requests.get(f"{BASE}/tasks/{task['id']}").json() == {**task, "done": True}


def test_an_invalid_patch_is_422_and_changes_nothing():
    task = create()
    r = requests.patch(f"{BASE}/tasks/{task['id']}", json={"priority": 9})
    assert r.status_code == 422
    assert r.json()["field"] == "priority"
    assert requests.get(f"{BASE}/tasks/{task['id']}").json() == task


def test_patch_of_an_unknown_task_is_404():
    assert requests.patch(f"{BASE}/tasks/999999", json={"done": True}).status_code == 404


# -- deleting ---------------------------------------------------------------------------------


def test_delete_is_204_then_the_task_is_gone_and_a_second_delete_is_404():
    task = create()
    r = requests.delete(f"{BASE}/tasks/{task['id']}")
    assert r.status_code == 204
    assert r.content == b""
    assert requests.get(f"{BASE}/tasks/{task['id']}").status_code == 404
    assert requests.delete(f"{BASE}/tasks/{task['id']}").status_code == 404
