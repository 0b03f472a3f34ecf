"""Data access: a select-then-write style instead of ON CONFLICT, two queries per order read."""

import os
from pathlib import Path

import psycopg

URL = os.environ["DATABASE_URL"]


def setup():
    with psycopg.connect(URL) as conn:
        conn.execute(Path(__file__).with_name("schema.sql").read_text())


def _customer_id(conn, email, name):
    row = conn.execute("select id from customers where email = %s for update", (email,)).fetchone()
    if row:
        conn.execute("update customers set name = %s where id = %s", (name, row[0]))
        return row[0]
    return conn.execute(
        "insert into customers (email, name) values (%s, %s) returning id", (email, name)
    ).fetchone()[0]


def _product_id(conn, sku, name, price):
    row = conn.execute("select id from products where sku = %s for update", (sku,)).fetchone()
    if row:
        conn.execute("update products set name = %s, price_cents = %s where id = %s", (name, price, row[0]))
        return row[0]
    return conn.execute(
        "insert into products (sku, name, price_cents) values (%s, %s, %s) returning id",
        (sku, name, price),
    ).fetchone()[0]


def create(customer, items):
    with psycopg.connect(URL) as conn, conn.transaction():
        cid = _customer_id(conn, customer["email"], customer["name"])
        oid = conn.execute("insert into orders (customer_id) values (%s) returning id", (cid,)).fetchone()[0]
        for it in items:
            pid = _product_id(conn, it["sku"], it["name"], it["price_cents"])
            conn.execute(
                "insert into order_items values (%s, %s, %s, %s)",
                (oid, pid, it["quantity"], it["price_cents"]),
            )
        return _order(conn, oid)


def _order(conn, oid):
    head = conn.execute(
        "select o.id, c.email, c.name from orders o join customers c on c.id = o.customer_id"
        " where o.id = %s",
        (oid,),
    ).fetchone()
    if head is None:
        return None
    lines = conn.execute(
        "select p.sku, p.name, i.unit_price_cents, i.quantity from order_items i"
        " join products p on p.id = i.product_id where i.order_id = %s",
        (oid,),
    ).fetchall()
    items = sorted(
        ({"sku": s, "name": n, "unit_price_cents": int(u), "quantity": int(q)} for s, n, u, q in lines),
        key=lambda line: line["sku"],
    )
    return {
        "id": head[0],
        "customer": {"email": head[1], "name": head[2]},
        "items": items,
        "total_cents": sum(i["unit_price_cents"] * i["quantity"] for i in items),
    }


def order(oid):
    with psycopg.connect(URL) as conn:
        return _order(conn, oid)


def customer_orders(email):
    with psycopg.connect(URL) as conn:
        row = conn.execute("select id, email, name from customers where email = %s", (email,)).fetchone()
        if row is None:
            return None
        ids = [r[0] for r in conn.execute("select id from orders where customer_id = %s order by id", (row[0],))]
        return {"customer": {"email": row[1], "name": row[2]}, "orders": [_order(conn, i) for i in ids]}


def product(sku):
    with psycopg.connect(URL) as conn:
        row = conn.execute(
            "select p.sku, p.name, p.price_cents, coalesce(sum(i.quantity), 0) from products p"
            " left join order_items i on i.product_id = p.id where p.sku = %s group by p.id",
            (sku,),
        ).fetchone()
    if row is None:
        return None
    return {"sku": row[0], "name": row[1], "price_cents": int(row[2]), "units_sold": int(row[3])}
