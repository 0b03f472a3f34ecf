"""The list: GET /tasks with done/tag filters, limit/offset pagination and total."""

import os
import uuid

import pytest

BASE = os.environ["API_URL"].rstrip("/")


def listing(http, **params):
    r = http.get(f"{BASE}/tasks", params=params)
    assert r.status_code == 200, (params, r.status_code, r.text)
    body = r.json()
    assert set(body) == {"items", "total"}, body
    return body


def assert_400(r):
    assert r.status_code == 400, (r.status_code, r.text)
    assert isinstance(r.json().get("error"), str)


@pytest.fixture(scope="module")
def many(http):
    """101 tasks with one tag of their own."""
    tag = f"many-{uuid.uuid4().hex[:10]}"
    tasks = []
    for i in range(101):
        r = http.post(f"{BASE}/tasks", json={"title": f"many {i}", "tags": [tag]})
        assert r.status_code == 201
        tasks.append(r.json())
    return tag, tasks


def test_list_shape_and_order(http, make_task):
    a, b, c = make_task(), make_task(), make_task()
    body = listing(http, limit=100)
    ids = [t["id"] for t in body["items"]]
    assert ids == sorted(ids)
    assert isinstance(body["total"], int)
    assert body["total"] >= 3


def test_default_limit_is_20(http, many):
    tag, tasks = many
    body = listing(http, tag=tag)
    assert body["total"] == 101
    assert body["items"] == tasks[:20]


def test_limit_100_is_allowed_and_total_counts_all_pages(http, many):
    tag, tasks = many
    body = listing(http, tag=tag, limit=100)
    assert body == {"items": tasks[:100], "total": 101}
    body = listing(http, tag=tag, limit=100, offset=100)
    assert body == {"items": tasks[100:], "total": 101}


def test_limit_1_and_pages(http, many):
    tag, tasks = many
    assert listing(http, tag=tag, limit=1) == {"items": tasks[:1], "total": 101}
    assert listing(http, tag=tag, limit=1, offset=1) == {"items": tasks[1:2], "total": 101}
    assert listing(http, tag=tag, limit=7, offset=0) == {"items": tasks[:7], "total": 101}
    assert listing(http, tag=tag, limit=7, offset=7) == {"items": tasks[7:14], "total": 101}
    assert listing(http, tag=tag, limit=20, offset=90) == {"items": tasks[90:], "total": 101}
    assert listing(http, tag=tag, offset=95) == {"items": tasks[95:], "total": 101}


def test_small_pages(http, make_task, uid):
    tag = f"p{uid}"
    tasks = [make_task(tags=[tag]) for _ in range(5)]
    assert listing(http, tag=tag) == {"items": tasks, "total": 5}
    assert listing(http, tag=tag, limit=2) == {"items": tasks[0:2], "total": 5}
    assert listing(http, tag=tag, limit=2, offset=2) == {"items": tasks[2:4], "total": 5}
    assert listing(http, tag=tag, limit=2, offset=4) == {"items": tasks[4:5], "total": 5}
    assert listing(http, tag=tag, limit=5) == {"items": tasks, "total": 5}
    assert listing(http, tag=tag, limit=4) == {"items": tasks[:4], "total": 5}
    assert listing(http, tag=tag, offset=1) == {"items": tasks[1:], "total": 5}
    assert listing(http, tag=tag, offset=4) == {"items": tasks[4:], "total": 5}


def test_offset_past_the_end_is_empty_with_total(http, make_task, uid):
    tag = f"e{uid}"
    tasks = [make_task(tags=[tag]) for _ in range(3)]
    assert listing(http, tag=tag, offset=3) == {"items": [], "total": 3}
    assert listing(http, tag=tag, offset=50) == {"items": [], "total": 3}
    assert listing(http, tag=tag, offset=0) == {"items": tasks, "total": 3}


def test_no_match_is_empty(http):
    assert listing(http, tag=f"none-{uuid.uuid4().hex}") == {"items": [], "total": 0}


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": -1},
        {"limit": "abc"},
        {"limit": "2.5"},
        {"limit": ""},
        {"offset": -1},
        {"offset": "x"},
        {"offset": "1.5"},
        {"done": "yes"},
        {"done": "maybe"},
        {"done": ""},
    ],
)
def test_bad_query_is_400(http, params):
    assert_400(http.get(f"{BASE}/tasks", params=params))


def test_filter_done(http, make_task, uid):
    tag = f"f{uid}"
    t1 = make_task(tags=[tag], done=False)
    t2 = make_task(tags=[tag], done=True)
    t3 = make_task(tags=[tag], done=False)
    t4 = make_task(tags=[tag], done=True)
    t5 = make_task(tags=[tag])
    assert listing(http, tag=tag, done="true") == {"items": [t2, t4], "total": 2}
    assert listing(http, tag=tag, done="false") == {"items": [t1, t3, t5], "total": 3}
    assert listing(http, tag=tag) == {"items": [t1, t2, t3, t4, t5], "total": 5}
    assert listing(http, tag=tag, done="false", limit=1, offset=1) == {"items": [t3], "total": 3}
    assert listing(http, tag=tag, done="true", offset=1) == {"items": [t4], "total": 2}


def test_filter_done_reflects_patch(http, make_task, uid):
    tag = f"g{uid}"
    t = make_task(tags=[tag])
    assert listing(http, tag=tag, done="true") == {"items": [], "total": 0}
    r = http.patch(f"{BASE}/tasks/{t['id']}", json={"done": True})
    assert r.status_code == 200
    assert listing(http, tag=tag, done="true") == {"items": [{**t, "done": True}], "total": 1}
    assert listing(http, tag=tag, done="false") == {"items": [], "total": 0}


def test_filter_done_alone_counts_every_match(http):
    everything = listing(http, limit=100)["total"]
    done = listing(http, done="true", limit=1)["total"]
    not_done = listing(http, done="false", limit=1)["total"]
    assert done + not_done == everything


def test_filter_tag_exact_and_case_insensitive(http, make_task, uid):
    lower = f"work{uid}"
    a = make_task(tags=[lower])
    b = make_task(tags=[f"Work{uid}", "other"])
    c = make_task(tags=[f"WORK{uid}"])
    make_task(tags=[f"work{uid}x"])  # a longer tag: not the same tag
    make_task(tags=[f"x{uid}"])
    expected = {"items": [a, b, c], "total": 3}
    assert listing(http, tag=lower) == expected
    assert listing(http, tag=f"WORK{uid}") == expected
    assert listing(http, tag=f"wOrK{uid}") == expected


def test_filter_tag_among_several(http, make_task, uid):
    a = make_task(tags=[f"first{uid}", f"second{uid}"])
    b = make_task(tags=[f"second{uid}"])
    assert listing(http, tag=f"first{uid}") == {"items": [a], "total": 1}
    assert listing(http, tag=f"second{uid}") == {"items": [a, b], "total": 2}


def test_filter_tag_and_done_and_page(http, make_task, uid):
    tag = f"c{uid}"
    tasks = [make_task(tags=[tag.upper() if i % 2 else tag], done=i % 3 == 0) for i in range(9)]
    done = [t for t in tasks if t["done"]]
    assert listing(http, tag=tag, done="true") == {"items": done, "total": len(done)}
    assert listing(http, tag=tag, done="true", limit=2) == {"items": done[:2], "total": len(done)}
    assert listing(http, tag=tag, limit=4, offset=4) == {"items": tasks[4:8], "total": 9}


def test_deleted_task_leaves_the_list(http, make_task, uid):
    tag = f"r{uid}"
    a, b, c = (make_task(tags=[tag]) for _ in range(3))
    assert http.delete(f"{BASE}/tasks/{b['id']}").status_code == 204
    assert listing(http, tag=tag) == {"items": [a, c], "total": 2}
