"""A JSON API for two browser front ends (app.example.com and admin.example.com:8443).

Run it:   sandbox run            (or: flask --app app run)
Try it:   curl -i localhost:5000/api/items -H 'Origin: https://app.example.com'

Its CORS rules let the wrong pages in and the right preflights fail: the TODOs below, README.md.
"""

import itertools
import json
import threading

from flask import Flask, abort, jsonify, request
from werkzeug.exceptions import HTTPException

app = Flask(__name__)

ITEMS = {}
_ids = itertools.count(1)
_lock = threading.Lock()

ALLOWED_ORIGINS = {"https://app.example.com", "https://admin.example.com:8443"}
ALLOWED_METHODS = ["GET", "POST", "PUT", "DELETE"]
ALLOWED_HEADERS = {"content-type", "authorization", "x-request-id"}
PREFLIGHT_MAX_AGE = 600


@app.errorhandler(HTTPException)
def http_error_as_json(exc):
    response = exc.get_response()
    response.set_data(json.dumps({"error": exc.description}))
    response.content_type = "application/json"
    return response


def allowed_origin():
    origin = request.headers.get("Origin", "")
    # TODO 1: this lets in http://app.example.com, https://evilapp.example.com and more. An
    # origin is allowed only when it is exactly one of ALLOWED_ORIGINS (scheme, host, port).
    return origin if origin.endswith("example.com") or origin.endswith(":8443") else None


# TODO 2: preflights. A browser sends OPTIONS with Access-Control-Request-Method (and
# -Headers) before a PUT, a DELETE or a JSON POST. Answer it (204) with
# Access-Control-Allow-Origin, -Allow-Credentials, -Allow-Methods, -Allow-Headers and
# -Max-Age: 600 when the origin, the method and every header are allowed; with none of them
# otherwise. (Flask answers OPTIONS by itself today, allowing nothing.)


@app.after_request
def cors_headers(response):
    # TODO 3: every /api answer depends on Origin: say so with Vary: Origin.
    # TODO 4: /public/ is for everyone: Access-Control-Allow-Origin: * and no credentials.
    origin = allowed_origin()
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
    return response


@app.get("/api/items")
def list_items():
    return jsonify(list(ITEMS.values()))


@app.post("/api/items")
def create_item():
    data = request.get_json(silent=True)
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name.strip():
        abort(400, description='send {"name": "..."}')
    with _lock:
        item = {"id": next(_ids), "name": name}
        ITEMS[item["id"]] = item
    return jsonify(item), 201


@app.delete("/api/items/<int:item_id>")
def delete_item(item_id):
    with _lock:
        if ITEMS.pop(item_id, None) is None:
            abort(404, description=f"no item {item_id}")
    return "", 204


@app.get("/public/status")
def status():
    return jsonify(status="ok")
