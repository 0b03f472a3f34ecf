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
    return datetime.now(timezone.utc)


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
    # TODO 1: send Last-Modified (entry["modified"]; HTTP dates have whole seconds) and
    # Cache-Control: max-age=60 (response.cache_control has attributes for its directives).
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
    # TODO 2: conditional GET. If-None-Match holding the current ETag: 304 Not Modified, no
    # body. If-Modified-Since not older than Last-Modified (and no If-None-Match): 304 too.
    return representation(find(article_id))


@app.put("/articles/<int:article_id>")
def replace_article(article_id):
    fields = article_fields()
    with _lock:
        entry = find(article_id)
        # TODO 3: no lost updates. Without If-Match: 428. With an If-Match that is not the
        # current ETag (someone changed the article since this client read it): 412, no change.
        entry["article"] = {"id": article_id, **fields}
        entry["modified"] = now()
        return representation(entry)


@app.get("/account")
def account():
    # TODO 4: private data: no cache may store it (Cache-Control: no-store).
    return jsonify(user="ada", balance_cents=12_345, iban="DE00 0000 0000 0000 0000 00")
