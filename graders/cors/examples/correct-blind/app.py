"""A JSON API for two browser front ends (app.example.com and admin.example.com:8443).

Run it:   sandbox run            (or: flask --app app run)
Try it:   curl -i localhost:5000/api/items -H 'Origin: https://app.example.com'

Its CORS rules let the wrong pages in and the right preflights fail: the TODOs below, README.md.
"""

import itertools
import json
import threading

from flask import Flask, abort, g, jsonify, make_response, request
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
    """The request's Origin when it is exactly one of ALLOWED_ORIGINS, else None."""
    origin = request.headers.get("Origin")
    return origin if origin in ALLOWED_ORIGINS else None


def requested_headers():
    raw = request.headers.get("Access-Control-Request-Headers", "")
    return {name.strip().lower() for name in raw.split(",") if name.strip()}


@app.before_request
def answer_preflight():
    """An OPTIONS with Access-Control-Request-Method is the browser asking first."""
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return None
    if not request.path.startswith("/api/"):
        return None
    g.preflight = True
    response = make_response("", 204)
    response.vary.update(["Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"])
    origin = allowed_origin()
    method = request.headers["Access-Control-Request-Method"]
    if origin and method in ALLOWED_METHODS and requested_headers() <= ALLOWED_HEADERS:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Access-Control-Allow-Methods"] = ", ".join(ALLOWED_METHODS)
        response.headers["Access-Control-Allow-Headers"] = ", ".join(sorted(ALLOWED_HEADERS))
        response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    return response


@app.after_request
def cors_headers(response):
    if g.get("preflight"):
        return response  # the preflight decided its headers itself
    if request.path.startswith("/public/"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers.pop("Access-Control-Allow-Credentials", None)
        return response
    if request.path.startswith("/api/"):
        response.vary.add("Origin")
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
