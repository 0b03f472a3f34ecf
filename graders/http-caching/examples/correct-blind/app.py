"""Articles (POST /articles, GET and PUT /articles/<id>) and a private GET /account.

Run it:   sandbox run            (or: flask --app app run)
Try it:   curl -i localhost:5000/articles/1      (after a POST, see README.md)

Every article already carries an ETag. Nothing uses it yet: the TODOs below, and README.md.
"""

import hashlib
import itertools
import json
import threading
from datetime import datetime, timezone

from flask import Flask, abort, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

app = Flask(__name__)

ARTICLES = {}  # id -> {"article": {...}, "modified": datetime}
_ids = itertools.count(1)
_lock = threading.Lock()


@app.errorhandler(HTTPException)
def http_error_as_json(exc):
    response = exc.get_response()
    response.set_data(json.dumps({"error": exc.description}))
    response.content_type = "application/json"
    return response


def now():
    """The current time in whole seconds: all an HTTP date can carry."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def etag_of(article):
    """A strong validator: the same bytes give the same tag, any change gives a new one."""
    return hashlib.sha256(json.dumps(article, sort_keys=True).encode()).hexdigest()[:20]


def article_fields():
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), str) and data[k].strip() for k in ("title", "body")
    ):
        abort(400, description='send {"title": "...", "body": "..."}, both non-blank strings')
    return {"title": data["title"], "body": data["body"]}


def find(article_id):
    entry = ARTICLES.get(article_id)
    if entry is None:
        abort(404, description=f"no article {article_id}")
    return entry


def representation(entry, status=200):
    response = jsonify(entry["article"])
    response.status_code = status
    response.set_etag(etag_of(entry["article"]))
    response.last_modified = entry["modified"]
    response.cache_control.max_age = 60
    return response


def client_copy_is_current(entry):
    """Does the conditional GET say the client already has this version?"""
    if request.if_none_match:  # when present, If-None-Match decides alone (RFC 9110 13.1.3)
        return request.if_none_match.contains_weak(etag_of(entry["article"]))
    since = request.if_modified_since  # None when absent or not a valid date
    return since is not None and entry["modified"] <= since


def not_modified(entry):
    response = representation(entry, status=304)
    response.set_data(b"")
    response.headers.pop("Content-Type", None)
    response.headers.pop("Content-Length", None)
    return response


@app.post("/articles")
def create_article():
    fields = article_fields()
    with _lock:
        article = {"id": next(_ids), **fields}
        ARTICLES[article["id"]] = {"article": article, "modified": now()}
    response = representation(ARTICLES[article["id"]], status=201)
    response.headers["Location"] = url_for("get_article", article_id=article["id"])
    return response


@app.get("/articles/<int:article_id>")
def get_article(article_id):
    with _lock:
        entry = find(article_id)
        entry = {"article": dict(entry["article"]), "modified": entry["modified"]}
    if client_copy_is_current(entry):
        return not_modified(entry)
    return representation(entry)


@app.put("/articles/<int:article_id>")
def replace_article(article_id):
    fields = article_fields()
    with _lock:
        entry = find(article_id)
        if not request.if_match:
            abort(428, description="send If-Match with the ETag you last read")
        if not request.if_match.contains(etag_of(entry["article"])):
            abort(412, description="the article changed since you read it: GET it again")
        entry["article"] = {"id": article_id, **fields}
        entry["modified"] = now()
        return representation(entry)


@app.get("/account")
def account():
    response = jsonify(user="ada", balance_cents=12_345, iban="DE00 0000 0000 0000 0000 00")
    response.cache_control.no_store = True
    return response
