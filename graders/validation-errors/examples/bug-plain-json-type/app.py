"""An order API whose every error is an RFC 9457 problem document (application/problem+json)."""

import itertools
import re
import threading

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

app = Flask(__name__)

ORDERS = {}
_ids = itertools.count(1)
_lock = threading.Lock()

VALIDATION_TYPE = "https://backend-sandbox.example/problems/validation"
EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
COUNTRY = re.compile(r"[A-Z]{2}")


def problem(status, title, detail, type_="about:blank", **extra):
    """An RFC 9457 problem details response. "about:blank" means: the status says it all."""
    body = {"type": type_, "title": title, "status": status, "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = status
    response.content_type = "application/json"  # BUG: not application/problem+json
    return response


@app.errorhandler(HTTPException)
def http_error_as_problem(exc):
    response = problem(exc.code, exc.name, exc.description)
    # Keep the headers the error carries, e.g. Allow on a 405.
    for name, value in exc.get_response().headers.items():
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response


def is_whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_text(value):
    return isinstance(value, str) and value.strip() != ""


def order_errors(order):
    """Every problem with the order at once, each as {"pointer": JSON Pointer, "detail": ...}."""
    errors = []

    def bad(pointer, detail):
        errors.append({"pointer": pointer, "detail": detail})

    email = order.get("email")
    if not isinstance(email, str) or not EMAIL.fullmatch(email):
        bad("/email", "required: an address like name@example.com")

    shipping = order.get("shipping")
    if not isinstance(shipping, dict):
        bad("/shipping", "required: an object with country and postcode")
    else:
        if not isinstance(shipping.get("country"), str) or not COUNTRY.fullmatch(
            shipping["country"]
        ):
            bad("/shipping/country", "required: two capital letters, like DE")
        if not is_text(shipping.get("postcode")):
            bad("/shipping/postcode", "required: a non-blank string")

    items = order.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= 20:
        bad("/items", "required: a list of 1 to 20 items")
    else:
        for i, item in enumerate(items):
            # The pointer names the exact member: /items/1/quantity is the second item's quantity.
            if not isinstance(item, dict):
                bad(f"/items/{i}", "each item is an object with sku and quantity")
                continue
            if not is_text(item.get("sku")):
                bad(f"/items/{i}/sku", "required: a non-blank string")
            if not is_whole(item.get("quantity")) or item["quantity"] < 1:
                bad(f"/items/{i}/quantity", "required: a whole number of at least 1")

    note = order.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 200):
        bad("/note", "optional: a string of at most 200 characters")
    return errors


@app.get("/orders")
def list_orders():
    return jsonify(list(ORDERS.values()))


@app.post("/orders")
def create_order():
    # 415: we cannot read this media type at all.
    if request.mimetype != "application/json":
        return problem(415, "Unsupported Media Type", "send the order as application/json")
    # 400: it claims to be JSON but is not a JSON object: we cannot even look at the fields.
    order = request.get_json(silent=True)
    if not isinstance(order, dict):
        return problem(400, "Bad Request", "the body must be a JSON object")
    # 422: well-formed, but the content breaks the rules. Report every field, not the first.
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
