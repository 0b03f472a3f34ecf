"""In-memory feed; ids sorted, the page boundary found by bisect; hex cursors."""

import bisect
import threading
from urllib.parse import urlencode

from flask import Flask, Response, json, request

app = Flask(__name__)
ids, titles = [], {}
mutex = threading.Lock()


def answer(status, payload, **headers):
    return Response(json.dumps(payload), status, headers, mimetype="application/json")


@app.route("/events", methods=["POST"])
def post():
    data = request.get_json(silent=True)
    if not (isinstance(data, dict) and isinstance(data.get("title"), str) and data["title"].strip()):
        return answer(400, {"error": "a title is required"})
    with mutex:
        new = (ids[-1] if ids else 0) + 1
        ids.append(new)
        titles[new] = data["title"]
    return answer(201, {"id": new, "title": data["title"]})


@app.route("/events", methods=["GET"])
def feed():
    raw_limit = request.args.get("limit", "10")
    if not raw_limit.isascii() or not raw_limit.isdigit() or not 0 < int(raw_limit) <= 100:
        return answer(400, {"error": "limit: 1..100"})
    limit = int(raw_limit)
    cursor = request.args.get("cursor")
    with mutex:
        end = len(ids)
        if cursor is not None:
            if not cursor.startswith("c_"):
                return answer(400, {"error": "unknown cursor"})
            try:
                end = bisect.bisect_left(ids, int(cursor[2:], 16))
            except ValueError:
                return answer(400, {"error": "unknown cursor"})
        start = max(0, end - limit)
        chunk = [{"id": i, "title": titles[i]} for i in reversed(ids[start:end])]
        more = start > 0
    next_cursor = f"c_{chunk[-1]['id']:x}" if more and chunk else None
    headers = {}
    if next_cursor:
        headers["Link"] = f'</events?{urlencode({"limit": limit, "cursor": next_cursor})}>; rel=next'
    return answer(200, {"items": chunk, "next_cursor": next_cursor}, **headers)
