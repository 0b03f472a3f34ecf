"""A declarative schema walked recursively; pointers built from the walk."""

import re
import threading

from flask import Flask, jsonify, make_response, request
from werkzeug.exceptions import HTTPException

app = Flask(__name__)
lock = threading.Lock()
saved = {}


def text(v):
    return isinstance(v, str) and bool(v.strip())


SCHEMA = {
    "email": (True, lambda v: isinstance(v, str) and re.fullmatch(r"[^@\s]+@[^@\s]+", v) is not None),
    "shipping": (True, {
        "country": (True, lambda v: isinstance(v, str) and re.fullmatch("[A-Z]{2}", v) is not None),
        "postcode": (True, text),
    }),
    "items": (True, [{
        "sku": (True, text),
        "quantity": (True, lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1),
    }]),
    "note": (False, lambda v: v is None or (isinstance(v, str) and len(v) <= 200)),
}


def walk(value, schema, where, out):
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            out.append({"pointer": where or "/", "detail": "expected an object"})
            return
        for key, (required, sub) in schema.items():
            if key not in value:
                if required:
                    out.append({"pointer": f"{where}/{key}", "detail": "is required"})
                continue
            walk(value[key], sub, f"{where}/{key}", out)
    elif isinstance(schema, list):
        if not isinstance(value, list) or not 1 <= len(value) <= 20:
            out.append({"pointer": where, "detail": "expected a list of 1 to 20 entries"})
            return
        for i, entry in enumerate(value):
            walk(entry, schema[0], f"{where}/{i}", out)
    elif not schema(value):
        out.append({"pointer": where, "detail": "is not valid"})


def problem(status, title, detail, **extension):
    resp = make_response(
        jsonify(type="about:blank" if status != 422 else "/problems/invalid-order",
                title=title, status=status, detail=detail, **extension), status)
    resp.mimetype = "application/problem+json"
    return resp


@app.errorhandler(HTTPException)
def on_http_error(e):
    resp = problem(e.code, e.name, e.description)
    if "Allow" in e.get_response().headers:
        resp.headers["Allow"] = e.get_response().headers["Allow"]
    return resp


@app.get("/orders")
def all_orders():
    return jsonify(list(saved.values()))


@app.post("/orders")
def new_order():
    if request.content_type is None or request.content_type.split(";")[0].strip() != "application/json":
        return problem(415, "Unsupported Media Type", "only application/json is accepted")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, "Bad Request", "the body is not a JSON object")
    errors = []
    walk(body, SCHEMA, "", errors)
    if errors:
        return problem(422, "Unprocessable order", f"{len(errors)} invalid field(s)", errors=errors)
    with lock:
        oid = len(saved) + 1
        saved[oid] = {"id": oid, **body}
    return jsonify(saved[oid]), 201
