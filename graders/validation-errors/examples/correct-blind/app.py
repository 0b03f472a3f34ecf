"""An order API: POST /orders validates an order, GET /orders lists the accepted ones.

Run it:   sandbox run            (or: flask --app app run)
Try it:   curl -i -X POST localhost:5000/orders -H 'Content-Type: application/json' -d '{}'

Errors already come back as RFC 9457 problem documents for 404 and 405. The order validation
stops at the first mistake and answers a bare 400: the TODOs below, and README.md.
"""

import itertools
import re
import threading

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

app = Flask(__name__)

ORDERS = {}
_ids = itertools.count(1)
_lock = threading.Lock()

EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
COUNTRY = re.compile(r"[A-Z]{2}")


def problem(status, title, detail, type_="about:blank", **extra):
    """An RFC 9457 problem details response. "about:blank" means: the status says it all."""
    body = {"type": type_, "title": title, "status": status, "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = status
    response.content_type = "application/problem+json"
    return response


@app.errorhandler(HTTPException)
def http_error_as_problem(exc):
    response = problem(exc.code, exc.name, exc.description)
    # Keep the headers the error carries, e.g. Allow on a 405.
    for name, value in exc.get_response().headers.items():
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response


VALIDATION_TYPE = "https://shop.example/problems/validation"


def _is_whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _non_blank(value):
    return isinstance(value, str) and bool(value.strip())


def order_errors(order):
    """Every rule the order breaks, as [{"pointer": ..., "detail": ...}]."""
    errors = []

    def wrong(pointer, detail):
        errors.append({"pointer": pointer, "detail": detail})

    email = order.get("email")
    if not isinstance(email, str) or not EMAIL.fullmatch(email):
        wrong("/email", "required: an address like name@example.com")

    shipping = order.get("shipping")
    if not isinstance(shipping, dict):
        wrong("/shipping", "required: an object with country and postcode")
    else:
        country = shipping.get("country")
        if not isinstance(country, str) or not COUNTRY.fullmatch(country):
            wrong("/shipping/country", "required: two capital letters, like DE")
        if not _non_blank(shipping.get("postcode")):
            wrong("/shipping/postcode", "required: a non-blank string")

    items = order.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= 20:
        wrong("/items", "required: a list of 1 to 20 items")
    else:
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                wrong(f"/items/{i}", "each item must be an object with sku and quantity")
                continue
            if not _non_blank(item.get("sku")):
                wrong(f"/items/{i}/sku", "required: a non-blank string")
            quantity = item.get("quantity")
            if not _is_whole(quantity) or quantity < 1:
                wrong(f"/items/{i}/quantity", "required: a whole number of at least 1")

    note = order.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 200):
        wrong("/note", "optional: a string of at most 200 characters")
    return errors


@app.get("/orders")
def list_orders():
    return jsonify(list(ORDERS.values()))


@app.post("/orders")
def create_order():
    if request.mimetype != "application/json":
        return problem(415, "Unsupported Media Type", "send the order as application/json")
    order = request.get_json(silent=True)
    if not isinstance(order, dict):
        return problem(400, "Bad Request", "the body must be a JSON object")
    errors = order_errors(order)
    if errors:
        return problem(
            422,
            "Your order is not valid",
            f"{len(errors)} field(s) need fixing; see errors",
            type_=VALIDATION_TYPE,
            errors=errors,
        )
    with _lock:
        stored = {"id": next(_ids), **{k: order[k] for k in ("email", "shipping", "items")}}
        if "note" in order:
            stored["note"] = order["note"]
        ORDERS[stored["id"]] = stored
    return jsonify(stored), 201
