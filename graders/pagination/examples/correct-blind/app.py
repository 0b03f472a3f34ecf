"""An event feed, newest first: POST /events creates, GET /events?limit=&cursor= pages.

Run it:   sandbox run            (or: flask --app app run)
Try it:   curl -i 'http://127.0.0.1:5000/events?limit=3'

The paging works on a quiet feed, but its "cursor" is an offset in disguise: when events arrive
while a client pages, rows repeat. The TODOs below, and README.md for the exact contract.
"""

import base64
import binascii
import itertools
import json
import re
import threading
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

app = Flask(__name__)

EVENTS = []  # appended in id order, so the list is always sorted by id
_ids = itertools.count(1)
_lock = threading.Lock()


@app.errorhandler(HTTPException)
def http_error_as_json(exc):
    response = exc.get_response()
    response.set_data(json.dumps({"error": exc.description}))
    response.content_type = "application/json"
    return response


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


MAX_LIMIT = 100
DEFAULT_LIMIT = 10
_WHOLE = re.compile(r"[0-9]+")


def parse_limit(raw):
    if raw is None:
        return DEFAULT_LIMIT
    if not _WHOLE.fullmatch(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        abort(400, description=f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(raw)


def encode_cursor(before_id):
    raw = json.dumps({"before": before_id}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    """The id the page must start below, or a 400 for anything we did not hand out."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode())
        before = data["before"]
        if set(data) != {"before"} or not isinstance(before, int) or isinstance(before, bool) or before < 1:
            raise ValueError
        return before
    except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error):
        abort(400, description="the cursor is not one this API gave out")


@app.get("/events")
def list_events():
    limit = parse_limit(request.args.get("limit"))
    cursor = request.args.get("cursor")
    before = decode_cursor(cursor) if cursor is not None else None

    with _lock:
        snapshot = list(EVENTS)
    older = [e for e in reversed(snapshot) if before is None or e["id"] < before]
    page = older[:limit]
    next_cursor = encode_cursor(page[-1]["id"]) if len(older) > limit else None

    response = jsonify(items=page, next_cursor=next_cursor)
    if next_cursor is not None:
        query = urlencode({"limit": limit, "cursor": next_cursor})
        response.headers["Link"] = f'<{url_for("list_events")}?{query}>; rel="next"'
    return response
