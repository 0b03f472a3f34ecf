"""ETags from a version counter; werkzeug's parsed conditional headers on the request."""

import threading
from datetime import datetime, timezone

from flask import Flask, abort, jsonify, request
from werkzeug.exceptions import HTTPException

app = Flask(__name__)
rows = {}
guard = threading.Lock()


@app.errorhandler(HTTPException)
def fail(e):
    return jsonify(error=e.description), e.code


class Article:
    def __init__(self, aid, title, body):
        self.id, self.version = aid, 0
        self.update(title, body)

    def update(self, title, body):
        self.title, self.body = title, body
        self.version += 1
        self.changed = datetime.now(timezone.utc).replace(microsecond=0)

    @property
    def etag(self):
        return f"a{self.id}v{self.version}"  # unquoted here; set_etag quotes it

    def response(self, status=200):
        resp = jsonify(id=self.id, title=self.title, body=self.body)
        resp.status_code = status
        resp.set_etag(self.etag)
        resp.last_modified = self.changed
        resp.headers["Cache-Control"] = "max-age=60"
        return resp


def fields():
    d = request.get_json(silent=True)
    t, b = (d.get("title"), d.get("body")) if isinstance(d, dict) else (None, None)
    if not (isinstance(t, str) and t.strip() and isinstance(b, str) and b.strip()):
        abort(400, "title and body must be non-blank strings")
    return t, b


@app.post("/articles")
def post():
    with guard:
        a = Article(len(rows) + 1, *fields())
        rows[a.id] = a
    r = a.response(201)
    r.headers["Location"] = f"/articles/{a.id}"
    return r


def get_row(aid):
    if aid not in rows:
        abort(404, "no such article")
    return rows[aid]


@app.get("/articles/<int:aid>")
def get(aid):
    a = get_row(aid)
    not_modified = False
    if request.if_none_match:
        not_modified = request.if_none_match.contains_weak(a.etag)
    elif request.if_modified_since is not None:
        not_modified = a.changed <= request.if_modified_since
    if not_modified:
        r = a.response(304)
        r.set_data(b"")
        return r
    return a.response()


@app.put("/articles/<int:aid>")
def put(aid):
    title, body = fields()
    with guard:
        a = get_row(aid)
        if not request.if_match:
            abort(428, "If-Match is required")
        if not request.if_match.contains(a.etag):
            abort(412, "someone else changed it")
        a.update(title, body)
        return a.response()


@app.get("/account")
def me():
    resp = jsonify(user="ada", balance_cents=500)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
