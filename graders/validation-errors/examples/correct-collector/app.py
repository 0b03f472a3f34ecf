"""A validator object that walks the order with a path stack; "#/..." pointers (RFC 9457 style)."""

import json
import re
from contextlib import contextmanager

from flask import Flask, Response, request

app = Flask(__name__)
orders = []


def problem_response(status, title, detail, **more):
    doc = {"type": "tag:shop.example,2026:problem:" + ("invalid-order" if status == 422 else "http"),
           "title": title, "status": status, "detail": detail, **more}
    return Response(json.dumps(doc), status=status, content_type="application/problem+json")


@app.errorhandler(404)
def not_found(e):
    return problem_response(404, "Not Found", "no such resource")


@app.errorhandler(405)
def not_allowed(e):
    r = problem_response(405, "Method Not Allowed", "try another method")
    r.headers["Allow"] = ", ".join(e.valid_methods or [])
    return r


class Validator:
    def __init__(self):
        self.path, self.errors = [], []

    @contextmanager
    def at(self, key):
        self.path.append(str(key))
        try:
            yield
        finally:
            self.path.pop()

    def error(self, detail):
        self.errors.append({"pointer": "#/" + "/".join(self.path), "detail": detail})

    def text(self, obj, key, pattern=r".*\S.*", detail="must be a non-blank string"):
        with self.at(key):
            v = obj.get(key)
            if not (isinstance(v, str) and re.fullmatch(pattern, v)):
                self.error(detail)


def validate(order):
    v = Validator()
    v.text(order, "email", r"[^@\s]+@[^@\s]+", "must look like name@domain")
    with v.at("shipping"):
        s = order.get("shipping")
        if isinstance(s, dict):
            v.text(s, "country", r"[A-Z][A-Z]", "must be two capital letters")
            v.text(s, "postcode")
        else:
            v.error("must be an object")
    with v.at("items"):
        items = order.get("items")
        if not isinstance(items, list) or len(items) == 0 or len(items) > 20:
            v.error("must be a list of 1 to 20 items")
        else:
            for n, item in enumerate(items):
                with v.at(n):
                    if not isinstance(item, dict):
                        v.error("must be an object")
                        continue
                    v.text(item, "sku")
                    with v.at("quantity"):
                        q = item.get("quantity")
                        if type(q) is not int or q < 1:
                            v.error("must be an integer >= 1")
    if "note" in order and order["note"] is not None:
        with v.at("note"):
            if not isinstance(order["note"], str) or len(order["note"]) > 200:
                v.error("at most 200 characters")
    return v.errors


@app.route("/orders", methods=["GET", "POST"])
def orders_view():
    if request.method == "GET":
        return Response(json.dumps(orders), content_type="application/json")
    if not request.is_json:
        return problem_response(415, "Unsupported Media Type", "use application/json")
    try:
        order = json.loads(request.get_data(as_text=True))
    except ValueError:
        return problem_response(400, "Bad Request", "malformed JSON")
    if type(order) is not dict:
        return problem_response(400, "Bad Request", "expected an object")
    errors = validate(order)
    if errors:
        return problem_response(422, "Invalid order", "fix the listed fields", errors=errors)
    saved = {"id": len(orders) + 1, **{k: order[k] for k in ("email", "shipping", "items", "note") if k in order}}
    orders.append(saved)
    return Response(json.dumps(saved), status=201, content_type="application/json")
