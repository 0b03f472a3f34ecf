"""Contract tests for the tasks API described in the exercise README."""

import os
import uuid

import pytest

BASE = os.environ["API_URL"].rstrip("/")
JSON = {"Content-Type": "application/json"}


def assert_error(r, status, field=None):
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert isinstance(body, dict)
    assert isinstance(body.get("error"), str) and body["error"]
    if field is not None:
        assert body.get("field") == field, body


def assert_location(r, task_id):
    location = r.headers.get("Location")
    assert location in (f"/tasks/{task_id}", f"{BASE}/tasks/{task_id}"), location


# -- creating ------------------------------------------------------------------------------


def test_create_answers_201_with_defaults_and_location(http, uid):
    title = f"write tests {uid}"
    r = http.post(f"{BASE}/tasks", json={"title": title})
    assert r.status_code == 201, r.text
    task = r.json()
    assert isinstance(task["id"], int) and not isinstance(task["id"], bool)
    assert task == {"id": task["id"], "title": title, "priority": 3, "done": False, "tags": []}
    assert_location(r, task["id"])


def test_create_with_all_fields_keeps_them(http, uid):
    body = {"title": f"full {uid}", "priority": 5, "done": True, "tags": ["a", f"t{uid}"]}
    r = http.post(f"{BASE}/tasks", json=body)
    assert r.status_code == 201, r.text
    task = r.json()
    assert task == {"id": task["id"], **body}
    assert_location(r, task["id"])
    got = http.get(f"{BASE}/tasks/{task['id']}")
    assert got.status_code == 200
    assert got.json() == task


@pytest.mark.parametrize("field,value", [("priority", 1), ("priority", 5), ("done", False), ("tags", [])])
def test_create_each_default_can_be_overridden(http, uid, field, value):
    r = http.post(f"{BASE}/tasks", json={"title": f"t {uid}", field: value})
    assert r.status_code == 201, r.text
    assert r.json()[field] == value


def test_each_created_task_gets_a_new_id_and_location(http, uid):
    r1 = http.post(f"{BASE}/tasks", json={"title": f"one {uid}"})
    r2 = http.post(f"{BASE}/tasks", json={"title": f"two {uid}"})
    assert r1.status_code == r2.status_code == 201
    a, b = r1.json(), r2.json()
    assert a["id"] != b["id"]
    assert_location(r1, a["id"])
    assert_location(r2, b["id"])
    assert http.get(f"{BASE}/tasks/{a['id']}").json()["title"] == f"one {uid}"
    assert http.get(f"{BASE}/tasks/{b['id']}").json()["title"] == f"two {uid}"


def test_title_boundaries_are_valid(http):
    for title in ("x", "y" * 100, "  padded  "):
        r = http.post(f"{BASE}/tasks", json={"title": title})
        assert r.status_code == 201, (title, r.text)
        assert r.json()["title"] == title


# -- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body,field",
    [
        ({}, "title"),
        ({"priority": 2}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "z" * 101}, "title"),
        ({"title": 42}, "title"),
        ({"title": None}, "title"),
        ({"title": ["a"]}, "title"),
        ({"title": "ok", "priority": 0}, "priority"),
        ({"title": "ok", "priority": 6}, "priority"),
        ({"title": "ok", "priority": -1}, "priority"),
        ({"title": "ok", "priority": True}, "priority"),
        ({"title": "ok", "priority": "2"}, "priority"),
        ({"title": "ok", "priority": 2.5}, "priority"),
        ({"title": "ok", "priority": None}, "priority"),
        ({"title": "ok", "done": "yes"}, "done"),
        ({"title": "ok", "done": 1}, "done"),
        ({"title": "ok", "done": None}, "done"),
        ({"title": "ok", "tags": "work"}, "tags"),
        ({"title": "ok", "tags": [""]}, "tags"),
        ({"title": "ok", "tags": [1]}, "tags"),
        ({"title": "ok", "tags": ["a", None]}, "tags"),
        ({"title": "ok", "id": 7}, "id"),
        ({"title": "ok", "colour": "red"}, "colour"),
    ],
)
def test_create_invalid_field_is_422_with_field(http, body, field):
    before = http.get(f"{BASE}/tasks", params={"limit": 1}).json()["total"]
    r = http.post(f"{BASE}/tasks", json=body)
    assert_error(r, 422, field)
    after = http.get(f"{BASE}/tasks", params={"limit": 1}).json()["total"]
    assert after == before


@pytest.mark.parametrize("data", ["[]", '[{"title": "x"}]', '"a string"', "42", "null", "{not json", ""])
def test_create_body_not_an_object_is_400(http, data):
    r = http.post(f"{BASE}/tasks", data=data, headers=JSON)
    assert_error(r, 400)


# -- reading -------------------------------------------------------------------------------


def test_get_unknown_id_is_404(http, make_task):
    task = make_task()
    assert_error(http.get(f"{BASE}/tasks/{task['id'] + 100000}"), 404)


def test_unknown_path_is_404(http):
    assert_error(http.get(f"{BASE}/nowhere-{uuid.uuid4().hex}"), 404)


# -- updating ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"title": "renamed"},
        {"priority": 1},
        {"priority": 5},
        {"done": True},
        {"tags": ["x", "y"]},
        {"tags": []},
        {"title": "both", "done": True},
    ],
)
def test_patch_changes_only_given_fields(http, make_task, uid, change):
    task = make_task(title=f"orig {uid}", priority=2, done=False, tags=[f"t{uid}"])
    r = http.patch(f"{BASE}/tasks/{task['id']}", json=change)
    assert r.status_code == 200, r.text
    expected = {**task, **change}
    assert r.json() == expected
    got = http.get(f"{BASE}/tasks/{task['id']}")
    assert got.status_code == 200
    assert got.json() == expected


def test_patch_done_back_to_false(http, make_task):
    task = make_task(done=True, priority=4, tags=["k"])
    r = http.patch(f"{BASE}/tasks/{task['id']}", json={"done": False})
    assert r.status_code == 200
    assert r.json() == {**task, "done": False}


def test_patch_twice_accumulates(http, make_task):
    task = make_task(priority=2)
    http.patch(f"{BASE}/tasks/{task['id']}", json={"priority": 4})
    r = http.patch(f"{BASE}/tasks/{task['id']}", json={"done": True})
    assert r.status_code == 200
    assert r.json() == {**task, "priority": 4, "done": True}


def test_patch_title_of_100_chars_is_valid(http, make_task):
    task = make_task()
    r = http.patch(f"{BASE}/tasks/{task['id']}", json={"title": "q" * 100})
    assert r.status_code == 200
    assert r.json() == {**task, "title": "q" * 100}


@pytest.mark.parametrize(
    "change,field",
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "w" * 101}, "title"),
        ({"title": 5}, "title"),
        ({"priority": 0}, "priority"),
        ({"priority": 6}, "priority"),
        ({"priority": True}, "priority"),
        ({"priority": "2"}, "priority"),
        ({"done": "true"}, "done"),
        ({"tags": "a"}, "tags"),
        ({"tags": [""]}, "tags"),
        ({"id": 999}, "id"),
        ({"owner": "me"}, "owner"),
    ],
)
def test_patch_invalid_field_is_422_and_changes_nothing(http, make_task, uid, change, field):
    task = make_task(title=f"keep {uid}", priority=2, done=False, tags=["keep"])
    r = http.patch(f"{BASE}/tasks/{task['id']}", json=change)
    assert_error(r, 422, field)
    assert http.get(f"{BASE}/tasks/{task['id']}").json() == task


def test_patch_valid_and_invalid_field_together_changes_nothing(http, make_task):
    task = make_task(priority=2)
    r = http.patch(f"{BASE}/tasks/{task['id']}", json={"title": "new title", "priority": 9})
    assert_error(r, 422, "priority")
    assert http.get(f"{BASE}/tasks/{task['id']}").json() == task


@pytest.mark.parametrize("data", ["[]", '"x"', "{oops", ""])
def test_patch_body_not_an_object_is_400(http, make_task, data):
    task = make_task()
    r = http.patch(f"{BASE}/tasks/{task['id']}", data=data, headers=JSON)
    assert_error(r, 400)
    assert http.get(f"{BASE}/tasks/{task['id']}").json() == task


def test_patch_unknown_id_is_404(http, make_task):
    task = make_task()
    assert_error(http.patch(f"{BASE}/tasks/{task['id'] + 100000}", json={"done": True}), 404)


# -- deleting ------------------------------------------------------------------------------


def test_delete_is_204_empty_then_gone(http, make_task, uid):
    keep = make_task(tags=[f"d{uid}"])
    task = make_task(tags=[f"d{uid}"])
    r = http.delete(f"{BASE}/tasks/{task['id']}")
    assert r.status_code == 204
    assert r.content == b""
    assert_error(http.get(f"{BASE}/tasks/{task['id']}"), 404)
    assert_error(http.delete(f"{BASE}/tasks/{task['id']}"), 404)
    assert_error(http.patch(f"{BASE}/tasks/{task['id']}", json={"done": True}), 404)
    # the other task is untouched, and the list no longer holds the deleted one
    assert http.get(f"{BASE}/tasks/{keep['id']}").json() == keep
    listing = http.get(f"{BASE}/tasks", params={"tag": f"d{uid}"}).json()
    assert listing == {"items": [keep], "total": 1}


def test_delete_unknown_id_is_404(http, make_task):
    task = make_task()
    assert_error(http.delete(f"{BASE}/tasks/{task['id'] + 100000}"), 404)
