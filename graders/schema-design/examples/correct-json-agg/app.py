"""A correct solution written differently: schema inline, named table constraints, serial ids,
an order_items id of its own, and the order JSON built by PostgreSQL (json_build_object)."""

import os

import psycopg
from flask import Flask, jsonify, request

app = Flask(__name__)
URL = os.environ["DATABASE_URL"]

STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS customers (
        id serial,
        email varchar(320),
        name varchar(200),
        CONSTRAINT customers_pk PRIMARY KEY (id),
        CONSTRAINT customers_email_unique UNIQUE (email),
        CONSTRAINT customers_email_present CHECK (email IS NOT NULL),
        CONSTRAINT customers_name_present CHECK (name IS NOT NULL))""",
    """CREATE TABLE IF NOT EXISTS products (
        id serial PRIMARY KEY,
        sku varchar(64) NOT NULL,
        name varchar(200) NOT NULL,
        price_cents int NOT NULL,
        CONSTRAINT products_sku_unique UNIQUE (sku),
        CONSTRAINT products_price_not_negative CHECK (price_cents >= 0))""",
    """CREATE TABLE IF NOT EXISTS orders (
        id serial PRIMARY KEY,
        customer_id int NOT NULL,
        placed_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id)
            ON DELETE RESTRICT)""",
    """CREATE TABLE IF NOT EXISTS order_items (
        id serial PRIMARY KEY,
        order_id int NOT NULL REFERENCES orders (id),
        product_id int NOT NULL REFERENCES products (id),
        quantity int NOT NULL CONSTRAINT quantity_positive CHECK (quantity >= 1),
        unit_price_cents int NOT NULL CONSTRAINT unit_price_not_negative CHECK (unit_price_cents >= 0),
        UNIQUE (order_id, product_id))""",
]

with psycopg.connect(URL, autocommit=True) as conn:
    for statement in STATEMENTS:
        conn.execute(statement)

ORDER_JSON = """
SELECT json_build_object(
    'id', o.id,
    'customer', json_build_object('email', c.email, 'name', c.name),
    'items', (SELECT json_agg(json_build_object('sku', p.sku, 'name', p.name,
                      'unit_price_cents', i.unit_price_cents, 'quantity', i.quantity) ORDER BY p.sku)
              FROM order_items i JOIN products p ON p.id = i.product_id WHERE i.order_id = o.id),
    'total_cents', (SELECT sum(i.unit_price_cents * i.quantity)::int FROM order_items i
                    WHERE i.order_id = o.id))
FROM orders o JOIN customers c ON c.id = o.customer_id
"""


def problem(body):
    def text(v):
        return isinstance(v, str) and bool(v.strip())

    def whole(v, low):
        return type(v) is int and v >= low

    if not isinstance(body, dict) or not isinstance(body.get("customer"), dict):
        return "customer is required"
    c = body["customer"]
    if not text(c.get("email")) or not text(c.get("name")):
        return "customer needs email and name"
    items = body.get("items")
    if not isinstance(items, list) or len(items) == 0:
        return "items must be a non-empty list"
    if not all(isinstance(i, dict) for i in items):
        return "items must be objects"
    for i in items:
        if not (text(i.get("sku")) and text(i.get("name"))):
            return "each item needs sku and name"
        if not whole(i.get("price_cents"), 0) or not whole(i.get("quantity"), 1):
            return "bad price_cents or quantity"
    if len({i["sku"] for i in items}) != len(items):
        return "duplicate sku"
    return None


@app.post("/orders")
def create_order():
    body = request.get_json(silent=True)
    why = problem(body)
    if why:
        return {"error": why}, 400
    with psycopg.connect(URL) as conn:
        cid = conn.execute(
            "INSERT INTO customers (email, name) VALUES (%(email)s, %(name)s) ON CONFLICT (email)"
            " DO UPDATE SET name = excluded.name RETURNING id",
            body["customer"],
        ).fetchone()[0]
        oid = conn.execute("INSERT INTO orders (customer_id) VALUES (%s) RETURNING id", [cid]).fetchone()[0]
        for i in body["items"]:
            pid = conn.execute(
                "INSERT INTO products (sku, name, price_cents) VALUES (%(sku)s, %(name)s, %(price_cents)s)"
                " ON CONFLICT (sku) DO UPDATE SET name = excluded.name, price_cents = excluded.price_cents"
                " RETURNING id",
                i,
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)"
                " VALUES (%s, %s, %s, %s)",
                [oid, pid, i["quantity"], i["price_cents"]],
            )
        order = conn.execute(ORDER_JSON + " WHERE o.id = %s", [oid]).fetchone()[0]
    return order, 201


@app.get("/orders/<int:oid>")
def get_order(oid):
    with psycopg.connect(URL) as conn:
        row = conn.execute(ORDER_JSON + " WHERE o.id = %s", [oid]).fetchone()
    return row[0] if row else ({"error": "no such order"}, 404)


@app.get("/customers/<email>/orders")
def customer_orders(email):
    with psycopg.connect(URL) as conn:
        c = conn.execute("SELECT email, name FROM customers WHERE email = %s", [email]).fetchone()
        if c is None:
            return {"error": "no such customer"}, 404
        rows = conn.execute(ORDER_JSON + " WHERE c.email = %s ORDER BY o.id", [email]).fetchall()
    return jsonify(customer={"email": c[0], "name": c[1]}, orders=[r[0] for r in rows])


@app.get("/products/<sku>")
def product(sku):
    with psycopg.connect(URL) as conn:
        row = conn.execute(
            "SELECT sku, name, price_cents,"
            " (SELECT coalesce(sum(quantity), 0)::int FROM order_items WHERE product_id = p.id)"
            " FROM products p WHERE sku = %s",
            [sku],
        ).fetchone()
    if row is None:
        return {"error": "no such product"}, 404
    return dict(zip(["sku", "name", "price_cents", "units_sold"], row))
