from flask import Flask, abort, jsonify, request

import db

app = Flask(__name__)
db.setup()


@app.errorhandler(400)
@app.errorhandler(404)
def as_json(error):
    return jsonify(error=error.description), error.code


def _nonblank(value):
    return isinstance(value, str) and value.strip()


def _whole(value, low):
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _check(body):
    if not isinstance(body, dict):
        abort(400, "JSON object expected")
    customer = body.get("customer")
    if not isinstance(customer, dict) or not _nonblank(customer.get("email")) or not _nonblank(customer.get("name")):
        abort(400, "customer.email and customer.name are required")
    items = body.get("items")
    if not isinstance(items, list) or not items:
        abort(400, "items must be a non-empty list")
    seen = set()
    for it in items:
        if not isinstance(it, dict) or not _nonblank(it.get("sku")) or not _nonblank(it.get("name")):
            abort(400, "each item needs a sku and a name")
        if not _whole(it.get("price_cents"), 0):
            abort(400, "price_cents must be >= 0")
        if not _whole(it.get("quantity"), 1):
            abort(400, "quantity must be >= 1")
        if it["sku"] in seen:
            abort(400, "duplicate sku")
        seen.add(it["sku"])
    return customer, items


@app.route("/orders", methods=["POST"])
def post_order():
    customer, items = _check(request.get_json(silent=True))
    return jsonify(db.create(customer, items)), 201


@app.route("/orders/<int:order_id>")
def get_order(order_id):
    found = db.order(order_id)
    if found is None:
        abort(404, "no such order")
    return jsonify(found)


@app.route("/customers/<email>/orders")
def list_orders(email):
    found = db.customer_orders(email)
    if found is None:
        abort(404, "no such customer")
    return jsonify(found)


@app.route("/products/<sku>")
def get_product(sku):
    found = db.product(sku)
    if found is None:
        abort(404, "no such product")
    return jsonify(found)
