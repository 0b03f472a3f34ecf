"""Articles with validators (ETag, Last-Modified), conditional GETs and conditional PUTs."""

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
    # HTTP dates have whole seconds: store whole seconds, or If-Modified-Since never matches.
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
    response.set_etag(etag_of(entry["article"]), weak=True)  # BUG: a weak W/"..." tag  # quoted, strong: ETag: "3f2a…"
    response.last_modified = entry["modified"]
    # Public, the same for everyone: caches may keep it a minute without asking again.
    response.cache_control.max_age = 60
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
    # make_conditional answers 304 Not Modified, with the validators and no body, when
    # If-None-Match holds the current ETag; If-Modified-Since counts only without If-None-Match.
    return representation(find(article_id)).make_conditional(request)


@app.put("/articles/<int:article_id>")
def replace_article(article_id):
    fields = article_fields()
    with _lock:  # check and write under one lock: two PUTs with the same ETag cannot both win
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
    # Private data: no cache anywhere (browser, proxy, CDN) may store it, even briefly.
    response.cache_control.no_store = True
    return response
