"""An event feed, newest first: POST /events creates, GET /events?limit=&cursor= pages.

Run it:   sandbox run            (or: flask --app app run)
Try it:   curl -i 'http://127.0.0.1:5000/events?limit=3'

The paging works on a quiet feed, but its "cursor" is an offset in disguise: when events arrive
while a client pages, rows repeat. The TODOs below, and README.md for the exact contract.
"""

import itertools
import json
import threading

from flask import Flask, abort, jsonify, request
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


@app.get("/events")
def list_events():
    # TODO 1: the limit must be a whole number from 1 to 100 (default 10); anything else is a
    # 400. Today "abc" crashes (500) and limit=1000000 returns everything.
    limit = int(request.args.get("limit", 10))

    # TODO 2: this cursor is an offset: "skip the first N rows". Three new events at the top
    # push three old ones onto the next page again. Make it a keyset cursor: remember the id of
    # the last event shown, and start the next page at the events older than it (id < last).
    # Keep it opaque (e.g. base64 of a little JSON) and answer 400 for a cursor you cannot read.
    offset = int(request.args.get("cursor", 0))
    newest_first = list(reversed(EVENTS))
    page = newest_first[offset : offset + limit]
    more = offset + limit < len(newest_first)
    next_cursor = str(offset + limit) if more else None

    # TODO 3: when there is a next page, send a Link header too:
    #   Link: </events?limit=<limit>&cursor=<next_cursor>>; rel="next"
    return jsonify(items=page, next_cursor=next_cursor)
