"""Shop order intake: the storefront posts orders; the API stores and serves them.

Everything lives in ONE wide table, `orders`, with a row per order line: the customer's email and
name and the product's sku, name and price are copied into every row. It works, until a copy
disagrees with another one. Your job (README.md): split it into customers, products, orders and
order_items with keys and constraints, keeping the HTTP API exactly as it is.

Run it:  DATABASE_URL=postgresql://… flask --app app run
"""

import os

import psycopg
from flask import Flask, jsonify, request
from psycopg.rows import dict_row

app = Flask(__name__)
DATABASE_URL = os.environ["DATABASE_URL"]


def connect() -> psycopg.Connection:
    return psycopg.connect(DATABASE_URL, row_factory=dict_row)


# TODO: replace this one wide table with customers, products, orders and order_items (README),
# with primary keys, foreign keys, UNIQUE, NOT NULL and CHECK constraints. Keep it idempotent: it
# runs at every start, on a database that may already hold the tables.
SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    order_id         integer,
    customer_email   text,
    customer_name    text,
    product_sku      text,
    product_name     text,
    unit_price_cents integer,
    quantity         integer
);
"""

# Runs at import time, before the first request.
with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
    conn.execute(SCHEMA)


def bad_request(message: str):
    return jsonify(error=message), 400


def not_found(message: str):
    return jsonify(error=message), 404


def is_text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def is_count(value, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def invalid(body) -> str | None:
    """Why an order body is invalid, or None. Validating here is good; the database must agree."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    customer = body.get("customer")
    if not isinstance(customer, dict) or not is_text(customer.get("email")):
        return "customer.email must be a non-empty string"
    if not is_text(customer.get("name")):
        return "customer.name must be a non-empty string"
    items = body.get("items")
    if not isinstance(items, list) or not items:
        return "items must be a non-empty list"
    skus = set()
    for item in items:
        if not isinstance(item, dict) or not is_text(item.get("sku")):
            return "each item needs a non-empty sku"
        if not is_text(item.get("name")):
            return "each item needs a non-empty name"
        if not is_count(item.get("price_cents"), 0):
            return "price_cents must be a whole number >= 0"
        if not is_count(item.get("quantity"), 1):
            return "quantity must be a whole number >= 1"
        if item["sku"] in skus:
            return f"sku {item['sku']} appears twice in one order"
        skus.add(item["sku"])
    return None


# TODO: read from the new tables (joins) instead of the copies.
def load_orders(conn, where: str, params: tuple) -> list[dict]:
    rows = conn.execute(
        "SELECT order_id, customer_email, customer_name, product_sku, product_name,"
        f" unit_price_cents, quantity FROM orders WHERE {where} ORDER BY order_id, product_sku",
        params,
    ).fetchall()
    orders: dict[int, dict] = {}
    for row in rows:
        order = orders.setdefault(
            row["order_id"],
            {
                "id": row["order_id"],
                "customer": {"email": row["customer_email"], "name": row["customer_name"]},
                "items": [],
                "total_cents": 0,
            },
        )
        order["items"].append(
            {
                "sku": row["product_sku"],
                "name": row["product_name"],
                "unit_price_cents": row["unit_price_cents"],
                "quantity": row["quantity"],
            }
        )
        order["total_cents"] += row["unit_price_cents"] * row["quantity"]
    return list(orders.values())


# TODO: upsert the customer and the products, then insert one order and its items.
@app.post("/orders")
def create_order():
    body = request.get_json(silent=True)
    problem = invalid(body)
    if problem:
        return bad_request(problem)
    customer = body["customer"]
    with connect() as conn:
        # The copies must agree: rename the customer and the products in every earlier row.
        conn.execute(
            "UPDATE orders SET customer_name = %s WHERE customer_email = %s",
            (customer["name"], customer["email"]),
        )
        for item in body["items"]:
            conn.execute(
                "UPDATE orders SET product_name = %s WHERE product_sku = %s",
                (item["name"], item["sku"]),
            )
        # No sequence, so two orders posted at once can get the same number.
        (order_id,) = conn.execute("SELECT COALESCE(MAX(order_id), 0) + 1 FROM orders").fetchone().values()
        for item in body["items"]:
            conn.execute(
                "INSERT INTO orders (order_id, customer_email, customer_name, product_sku,"
                " product_name, unit_price_cents, quantity) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (
                    order_id,
                    customer["email"],
                    customer["name"],
                    item["sku"],
                    item["name"],
                    item["price_cents"],
                    item["quantity"],
                ),
            )
        (order,) = load_orders(conn, "order_id = %s", (order_id,))
    return jsonify(order), 201


@app.get("/orders/<int:order_id>")
def get_order(order_id: int):
    with connect() as conn:
        found = load_orders(conn, "order_id = %s", (order_id,))
    if not found:
        return not_found(f"no order {order_id}")
    return jsonify(found[0])


@app.get("/customers/<email>/orders")
def customer_orders(email: str):
    with connect() as conn:
        found = load_orders(conn, "customer_email = %s", (email,))
    if not found:
        return not_found(f"no customer {email}")
    return jsonify(customer=found[0]["customer"], orders=found)


@app.get("/products/<sku>")
def get_product(sku: str):
    with connect() as conn:
        row = conn.execute(
            # The current price is the one of the latest order line: there is nowhere else to keep it.
            "SELECT product_sku AS sku, product_name AS name, unit_price_cents AS price_cents,"
            " (SELECT SUM(quantity) FROM orders WHERE product_sku = %s) AS units_sold"
            " FROM orders WHERE product_sku = %s ORDER BY order_id DESC LIMIT 1",
            (sku, sku),
        ).fetchone()
    if row is None:
        return not_found(f"no product {sku}")
    return jsonify(row)
