"""Shop order intake: the storefront posts orders; the API stores and serves them.

Everything lives in ONE wide table, `orders`, with a row per order line: the customer's email and
name and the product's sku, name and price are copied into every row. It works, until a copy
disagrees with another one. Your job (README.md): split it into customers, products, orders and
order_items with keys and constraints, keeping the HTTP API exactly as it is.

Run it:  DATABASE_URL=postgresql://… flask --app app run
"""

import os
from pathlib import Path

import psycopg
from flask import Flask, jsonify, request
from psycopg.rows import dict_row

app = Flask(__name__)
DATABASE_URL = os.environ["DATABASE_URL"]


def connect() -> psycopg.Connection:
    return psycopg.connect(DATABASE_URL, row_factory=dict_row)


SCHEMA = Path(__file__).with_name("schema.sql").read_text()

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


ORDER_ROWS = """
SELECT o.id AS order_id, c.email, c.name AS customer_name,
       p.sku, p.name AS product_name, i.unit_price_cents, i.quantity
FROM orders o
JOIN customers c ON c.id = o.customer_id
LEFT JOIN order_items i ON i.order_id = o.id
LEFT JOIN products p ON p.id = i.product_id
WHERE {where}
ORDER BY o.id, p.sku
"""


def load_orders(conn, where: str, params: tuple) -> list[dict]:
    orders: dict[int, dict] = {}
    for row in conn.execute(ORDER_ROWS.format(where=where), params).fetchall():
        order = orders.setdefault(
            row["order_id"],
            {
                "id": row["order_id"],
                "customer": {"email": row["email"], "name": row["customer_name"]},
                "items": [],
                "total_cents": 0,
            },
        )
        if row["sku"] is not None:
            order["items"].append(
                {
                    "sku": row["sku"],
                    "name": row["product_name"],
                    "unit_price_cents": row["unit_price_cents"],
                    "quantity": row["quantity"],
                }
            )
            order["total_cents"] += int(row["unit_price_cents"]) * int(row["quantity"])
    return list(orders.values())


@app.post("/orders")
def create_order():
    body = request.get_json(silent=True)
    problem = invalid(body)
    if problem:
        return bad_request(problem)
    customer = body["customer"]
    with connect() as conn:  # one transaction: committed at the end, rolled back on error
        (customer_id,) = conn.execute(
            "INSERT INTO customers (email, name) VALUES (%s, %s)"
            " ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name RETURNING id",
            (customer["email"], customer["name"]),
        ).fetchone().values()
        (order_id,) = conn.execute(
            "INSERT INTO orders (customer_id) VALUES (%s) RETURNING id", (customer_id,)
        ).fetchone().values()
        for item in body["items"]:
            (product_id,) = conn.execute(
                "INSERT INTO products (sku, name, price_cents) VALUES (%s, %s, %s)"
                " ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name,"
                " price_cents = EXCLUDED.price_cents RETURNING id",
                (item["sku"], item["name"], item["price_cents"]),
            ).fetchone().values()
            conn.execute(
                "INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)"
                " VALUES (%s, %s, %s, %s)",
                (order_id, product_id, item["quantity"], item["price_cents"]),
            )
        (order,) = load_orders(conn, "o.id = %s", (order_id,))
    return jsonify(order), 201


@app.get("/orders/<int:order_id>")
def get_order(order_id: int):
    with connect() as conn:
        found = load_orders(conn, "o.id = %s", (order_id,))
    if not found:
        return not_found(f"no order {order_id}")
    return jsonify(found[0])


@app.get("/customers/<email>/orders")
def customer_orders(email: str):
    with connect() as conn:
        customer = conn.execute(
            "SELECT email, name FROM customers WHERE email = %s", (email,)
        ).fetchone()
        if customer is None:
            return not_found(f"no customer {email}")
        found = load_orders(conn, "c.email = %s", (email,))
    return jsonify(customer=customer, orders=found)


@app.get("/products/<sku>")
def get_product(sku: str):
    with connect() as conn:
        row = conn.execute(
            "SELECT p.sku, p.name, p.price_cents, COALESCE(SUM(i.quantity), 0)::bigint AS units_sold"
            " FROM products p LEFT JOIN order_items i ON i.product_id = p.id"
            " WHERE p.sku = %s GROUP BY p.id",
            (sku,),
        ).fetchone()
    if row is None:
        return not_found(f"no product {sku}")
    return jsonify(row)
