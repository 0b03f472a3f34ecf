"""Shop API: a customer's newest orders with a given status.

Run it:  flask --app app run
The routes are done and correct; what is slow is the database (see db.py, init_db()).
"""

import re

from flask import Flask, jsonify, request

import db

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

app = Flask(__name__)

# Runs at import time, before the first request: creates/seeds shop.db and its indexes.
db.init_db()


def bad_request(message: str):
    return jsonify(error=message), 400


@app.get("/customers/<int:customer_id>/orders")
def customer_orders(customer_id: int):
    status = request.args.get("status")
    if status not in db.STATUSES:
        return bad_request(f"status must be one of: {', '.join(db.STATUSES)}")

    raw_limit = request.args.get("limit", str(DEFAULT_LIMIT))
    if not re.fullmatch(r"[0-9]{1,6}", raw_limit) or not 1 <= int(raw_limit) <= MAX_LIMIT:
        return bad_request(f"limit must be an integer from 1 to {MAX_LIMIT}")
    limit = int(raw_limit)

    orders = db.orders_for_customer(customer_id, status, limit)
    # An unknown customer simply has no orders: 200 with an empty list.
    return jsonify(customer_id=customer_id, status=status, limit=limit, orders=orders)


@app.get("/debug/plan")
def debug_plan():
    """Development aid: how SQLite runs the orders query (never ship this to production)."""
    plan = db.query_plan(customer_id=42, status="shipped", limit=DEFAULT_LIMIT)
    return jsonify(query=" ".join(db.ORDERS_FOR_CUSTOMER_SQL.split()), plan=plan)
