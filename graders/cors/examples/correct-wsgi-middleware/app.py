"""CORS as a WSGI middleware around the Flask app: the views know nothing about it."""

import threading

from flask import Flask, abort, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

api = Flask(__name__)
store, lock = {}, threading.Lock()


@api.errorhandler(HTTPException)
def err(e):
    return jsonify(error=e.description), e.code


@api.get("/api/items")
def index():
    return jsonify(list(store.values()))


@api.post("/api/items")
def add():
    data = request.get_json(silent=True)
    if not (isinstance(data, dict) and isinstance(data.get("name"), str) and data["name"].strip()):
        abort(400, "name required")
    with lock:
        new = {"id": len(store) + 1, "name": data["name"]}
        store[new["id"]] = new
    return jsonify(new), 201


@api.delete("/api/items/<int:n>")
def remove(n):
    with lock:
        if store.pop(n, None) is None:
            abort(404, "unknown item")
    return "", 204


@api.get("/public/status")
def public():
    return jsonify(status="ok")


class Cors:
    origins = frozenset({"https://app.example.com", "https://admin.example.com:8443"})
    methods = frozenset({"GET", "POST", "PUT", "DELETE"})
    headers = frozenset({"content-type", "authorization", "x-request-id"})

    def __init__(self, wsgi):
        self.wsgi = wsgi

    def __call__(self, environ, start_response):
        req = Request(environ)
        origin = req.headers.get("Origin")
        ok_origin = origin in self.origins
        if req.path.startswith("/public/"):
            def public_start(status, headers, exc_info=None):
                return start_response(status, headers + [("Access-Control-Allow-Origin", "*")], exc_info)
            return self.wsgi(environ, public_start)
        if req.method == "OPTIONS" and "Access-Control-Request-Method" in req.headers:
            resp = Response(status=204, headers={"Vary": "Origin"})
            asked = {h.strip().lower() for h in req.headers.get("Access-Control-Request-Headers", "").split(",") if h.strip()}
            if ok_origin and req.headers["Access-Control-Request-Method"] in self.methods and asked <= self.headers:
                resp.headers.update({
                    "Access-Control-Allow-Origin": origin,
                    "Access-Control-Allow-Credentials": "true",
                    "Access-Control-Allow-Methods": ", ".join(sorted(self.methods)),
                    "Access-Control-Allow-Headers": ", ".join(sorted(self.headers)),
                    "Access-Control-Max-Age": "600",
                })
            return resp(environ, start_response)

        def cors_start(status, headers, exc_info=None):
            extra = [("Vary", "Origin")]
            if ok_origin:
                extra += [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true")]
            return start_response(status, headers + extra, exc_info)

        return self.wsgi(environ, cors_start)


api.wsgi_app = Cors(api.wsgi_app)
app = api
