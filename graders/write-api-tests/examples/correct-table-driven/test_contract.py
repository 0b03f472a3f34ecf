"""Table-driven: each row is a request and the answer the README promises."""

import json
import os
import urllib.request
import uuid

URL = os.environ["API_URL"]


def call(method, path, body=None, raw=None):
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    req = urllib.request.Request(URL + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            payload = r.read()
            return r.status, dict(r.headers), json.loads(payload) if payload else None
    except urllib.error.HTTPError as e:
        payload = e.read()
        return e.code, dict(e.headers), json.loads(payload) if payload else None


def make(**fields):
    status, _, task = call("POST", "/tasks", {"title": uuid.uuid4().hex, **fields})
    assert status == 201
    return task


INVALID = [
    ({"title": " "}, "title"),
    ({"title": "a" * 101}, "title"),
    ({"title": []}, "title"),
    ({"priority": 2}, "title"),
    ({"title": "a", "priority": 6}, "priority"),
    ({"title": "a", "priority": 0}, "priority"),
    ({"title": "a", "priority": True}, "priority"),
    ({"title": "a", "done": None}, "done"),
    ({"title": "a", "tags": ["ok", ""]}, "tags"),
    ({"title": "a", "owner": "me"}, "owner"),
]


def test_invalid_bodies():
    for body, field in INVALID:
        status, _, answer = call("POST", "/tasks", body)
        assert status == 422 and answer["field"] == field and answer["error"], body
    for raw in (b"nope", b"[1]", b'"s"', b"null"):
        status, _, answer = call("POST", "/tasks", raw=raw)
        assert status == 400 and "error" in answer, raw


def test_creation():
    status, headers, task = call("POST", "/tasks", {"title": "x" * 100, "priority": 5})
    assert status == 201
    assert headers["Location"] == f"/tasks/{task['id']}"
    assert task == {"id": task["id"], "title": "x" * 100, "priority": 5, "done": False, "tags": []}
    assert call("GET", headers["Location"])[2] == task
    assert make(priority=1)["priority"] == 1


def test_listing():
    tag = uuid.uuid4().hex
    tasks = [make(tags=[tag if i % 2 else tag.upper()], done=i == 3) for i in range(6)]
    expect = [
        (f"?tag={tag}", tasks, 6),
        (f"?tag={tag}&limit=1", tasks[:1], 6),
        (f"?tag={tag}&limit=4&offset=3", tasks[3:], 6),
        (f"?tag={tag}&offset=6", [], 6),
        (f"?tag={tag}&done=true", [tasks[3]], 1),
        (f"?tag={tag}&done=false&limit=2", [tasks[0], tasks[1]], 5),
    ]
    for query, items, total in expect:
        status, _, body = call("GET", "/tasks" + query)
        assert status == 200 and body == {"items": items, "total": total}, query
    for _ in range(15):
        make(tags=[tag])
    assert len(call("GET", f"/tasks?tag={tag}")[2]["items"]) == 20
    assert len(call("GET", f"/tasks?tag={tag}&limit=100")[2]["items"]) == 21
    for query in ("limit=0", "limit=101", "offset=-1", "done=TRUE", "offset=x"):
        assert call("GET", "/tasks?" + query)[0] == 400, query


def test_changes():
    task = make(priority=2, tags=["a"])
    path = f"/tasks/{task['id']}"
    status, _, body = call("PATCH", path, {"done": True})
    assert (status, body) == (200, {**task, "done": True})
    assert call("PATCH", path, {"priority": 7})[0] == 422
    assert call("GET", path)[2] == {**task, "done": True}
    assert call("PATCH", "/tasks/987654321", {"done": True})[0] == 404
    status, _, body = call("DELETE", path)
    assert (status, body) == (204, None)
    assert call("DELETE", path)[0] == 404
    assert call("GET", path)[0] == 404
