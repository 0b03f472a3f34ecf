import pytest


class TestCreate:
    def test_status_body_and_location(self, api):
        r = api.post("/tasks", json={"title": "hello", "tags": ["x", "y"], "done": True})
        assert r.status_code == 201
        body = r.json()
        assert body["title"] == "hello" and body["tags"] == ["x", "y"] and body["done"] is True
        assert body["priority"] == 3
        assert r.headers.get("Location") == "/tasks/%d" % body["id"]

    def test_defaults(self, api):
        task = api.make()
        assert task["priority"] == 3 and task["done"] is False and task["tags"] == []

    def test_read_back(self, api):
        task = api.make(priority=4)
        assert api.get(f"/tasks/{task['id']}").json() == task


class TestValidation:
    def test_not_an_object(self, api):
        for raw in ("{", "[]", "3", ""):
            r = api.post("/tasks", data=raw, headers={"Content-Type": "application/json"})
            assert r.status_code == 400, raw

    def test_title_rules(self, api):
        for title in ("", "  \t ", None, 1, "y" * 101):
            r = api.post("/tasks", json={"title": title})
            assert (r.status_code, r.json().get("field")) == (422, "title"), title
        assert api.make(title="y" * 100)["title"] == "y" * 100

    def test_priority_rules(self, api):
        for bad in (0, 6, -1, "3", 2.5, False):
            r = api.post("/tasks", json={"title": "p", "priority": bad})
            assert (r.status_code, r.json().get("field")) == (422, "priority"), bad
        for good in (1, 2, 3, 4, 5):
            assert api.make(priority=good)["priority"] == good

    def test_other_fields(self, api):
        cases = [({"done": 1}, "done"), ({"tags": [3]}, "tags"), ({"id": 5}, "id")]
        for extra, field in cases:
            r = api.post("/tasks", json={"title": "f", **extra})
            assert (r.status_code, r.json().get("field")) == (422, field)


class TestList:
    def test_tag_filter_ignores_case(self, api, tag):
        a = api.make(tags=[tag.upper()])
        b = api.make(tags=["zzz", tag])
        body = api.get("/tasks", params={"tag": tag.capitalize()}).json()
        assert body["items"] == [a, b] and body["total"] == 2

    def test_done_filter(self, api, tag):
        a, b, c = api.make(tags=[tag]), api.make(tags=[tag], done=True), api.make(tags=[tag])
        assert api.get("/tasks", params={"tag": tag, "done": "false"}).json()["items"] == [a, c]
        assert api.get("/tasks", params={"tag": tag, "done": "true"}).json()["items"] == [b]

    def test_pages(self, api, tag):
        made = [api.make(tags=[tag]) for _ in range(7)]
        seen = []
        for offset in range(0, 7, 3):
            body = api.get("/tasks", params={"tag": tag, "limit": 3, "offset": offset}).json()
            assert body["total"] == 7
            seen += body["items"]
        assert seen == made
        one = api.get("/tasks", params={"tag": tag, "limit": 1}).json()
        assert one["items"] == made[:1]

    def test_default_limit(self, api, tag):
        for _ in range(22):
            api.make(tags=[tag])
        assert len(api.get("/tasks", params={"tag": tag}).json()["items"]) == 20

    @pytest.mark.parametrize("query", ["limit=0", "limit=101", "offset=-2", "done=1", "limit=a"])
    def test_bad_query(self, api, query):
        assert api.get("/tasks?" + query).status_code == 400


class TestChange:
    def test_patch_keeps_the_rest(self, api):
        task = api.make(priority=1, tags=["k"])
        r = api.patch(f"/tasks/{task['id']}", json={"title": "renamed"})
        assert r.status_code == 200
        assert r.json() == dict(task, title="renamed")

    def test_patch_invalid_changes_nothing(self, api):
        task = api.make()
        assert api.patch(f"/tasks/{task['id']}", json={"title": ""}).status_code == 422
        assert api.patch(f"/tasks/{task['id']}", data="x",
                         headers={"Content-Type": "application/json"}).status_code == 400
        assert api.get(f"/tasks/{task['id']}").json() == task

    def test_delete_twice(self, api):
        task = api.make()
        first = api.delete(f"/tasks/{task['id']}")
        assert first.status_code == 204 and not first.content
        assert api.delete(f"/tasks/{task['id']}").status_code == 404
        assert api.get(f"/tasks/{task['id']}").status_code == 404

    def test_unknown_ids(self, api):
        assert api.get("/tasks/123456789").status_code == 404
        assert api.patch("/tasks/123456789", json={}).status_code == 404
        assert api.delete("/tasks/123456789").status_code == 404
