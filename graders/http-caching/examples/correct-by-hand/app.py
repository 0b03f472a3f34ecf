"""Conditional requests written out by hand: header parsing, date comparison, raw headers."""

import hashlib
import json
import threading
import time
from email.utils import formatdate, parsedate_to_datetime

from flask import Flask, Response, request

app = Flask(__name__)
articles = {}
lock = threading.Lock()


def send(status, payload=None, **headers):
    body = "" if payload is None else json.dumps(payload)
    return Response(body, status, headers, mimetype="application/json")


def tag(article):
    return '"' + hashlib.md5(json.dumps(article, sort_keys=True).encode()).hexdigest() + '"'


def tags_in(header):
    return [t.strip() for t in header.split(",") if t.strip()]


def validators(entry):
    return {
        "ETag": tag(entry["doc"]),
        "Last-Modified": formatdate(entry["mtime"], usegmt=True),
        "Cache-Control": "public, max-age=60",
    }


def read_body():
    data = request.get_json(silent=True)
    ok = isinstance(data, dict) and all(
        isinstance(data.get(k), str) and data[k].strip() for k in ("title", "body"))
    return {"title": data["title"], "body": data["body"]} if ok else None


@app.post("/articles")
def create():
    fields = read_body()
    if fields is None:
        return send(400, {"error": "title and body are required"})
    with lock:
        new_id = len(articles) + 1
        articles[new_id] = {"doc": {"id": new_id, **fields}, "mtime": int(time.time())}
        entry = articles[new_id]
    return send(201, entry["doc"], Location=f"/articles/{new_id}", **validators(entry))


@app.get("/articles/<int:aid>")
def show(aid):
    entry = articles.get(aid)
    if entry is None:
        return send(404, {"error": "not found"})
    headers = validators(entry)
    inm = request.headers.get("If-None-Match")
    if inm is not None:
        current = headers["ETag"]
        # weak comparison for If-None-Match: W/"x" matches "x"
        if "*" in tags_in(inm) or current in [t.removeprefix("W/") for t in tags_in(inm)]:
            return send(304, None, **headers)
    elif request.headers.get("If-Modified-Since"):
        try:
            since = parsedate_to_datetime(request.headers["If-Modified-Since"]).timestamp()
        except (TypeError, ValueError):
            since = None
        if since is not None and since <= time.time() and entry["mtime"] <= since:
            return send(304, None, **headers)
    return send(200, entry["doc"], **headers)


@app.put("/articles/<int:aid>")
def update(aid):
    fields = read_body()
    if fields is None:
        return send(400, {"error": "title and body are required"})
    with lock:
        entry = articles.get(aid)
        if entry is None:
            return send(404, {"error": "not found"})
        if_match = request.headers.get("If-Match")
        if if_match is None:
            return send(428, {"error": "If-Match required"})
        if "*" not in tags_in(if_match) and tag(entry["doc"]) not in tags_in(if_match):
            return send(412, {"error": "stale version"})
        entry["doc"] = {"id": aid, **fields}
        entry["mtime"] = int(time.time())
        return send(200, entry["doc"], **validators(entry))


@app.get("/account")
def account():
    return send(200, {"user": "ada", "balance_cents": 100}, **{"Cache-Control": "no-store, max-age=0"})
