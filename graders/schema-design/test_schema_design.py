"""Grader for schema-design: one wide orders table split into customers, products, orders and
order_items, with keys and constraints that PostgreSQL itself enforces.

Contract (exercises/schema-design/README.md). The HTTP API is the starter's, unchanged: POST
/orders, GET /orders/<id>, GET /customers/<email>/orders, GET /products/<sku>. The grader also
works behind the app's back with a superuser connection: it reads the schema (information_schema,
pg_catalog), inserts valid rows and serves them through the API, renames a customer or a product
in one row and expects every order to show it, and inserts rows that break a rule, naming the
constraint that should have refused each one.

Partial credit (of 24): the starter (the one wide table) keeps the API and the restart, 7.

Mutants (`sandbox verify schema-design --mutants`: 151 of 158 caught) that survive are
equivalent: the wording of error messages (a literal part dropped from an f-string: 'no order ',
'no customer ', 'no product ', 'sku ' / ' appears twice in one order'; the message stays
non-empty); `autocommit=True` -> False for the set-up connection (psycopg's `with` block commits
at its end); invalid()'s final `return None` -> `return ''` (both falsy: "no problem").
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest

from sandbox.grading import expect, unique, unique_email, unique_int

TABLES = {
    "customers": ("id", "email", "name"),
    "products": ("id", "sku", "name", "price_cents"),
    "orders": ("id", "customer_id"),
    "order_items": ("order_id", "product_id", "quantity", "unit_price_cents"),
}
UNIQUE = "23505"
FOREIGN_KEY = "23503"
NOT_NULL = "23502"
CHECK = "23514"
STATE_NAMES = {
    UNIQUE: "unique_violation",
    FOREIGN_KEY: "foreign_key_violation",
    NOT_NULL: "not_null_violation",
    CHECK: "check_violation",
}


# -- data ------------------------------------------------------------------------------------


def sku() -> str:
    """Upper-case hex after a common prefix: every collation sorts these the same way."""
    return f"SKU-{secrets.token_hex(4).upper()}"


def item(**over: Any) -> dict[str, Any]:
    return {
        "sku": sku(),
        "name": unique("product"),
        "price_cents": unique_int(100, 50_000),
        "quantity": unique_int(1, 6),
        **over,
    }


def order_body(email: str | None = None, name: str | None = None, items: list | None = None):
    return {
        "customer": {"email": email or unique_email("shopper"), "name": name or unique("Name")},
        "items": items if items is not None else [item(), item()],
    }


def expected_order(order_id: int, customer: dict, lines: list[dict]) -> dict:
    """The order's JSON as the README states it: items sorted by sku, the total of the lines."""
    items = sorted(
        (
            {
                "sku": line["sku"],
                "name": line["name"],
                "unit_price_cents": line["unit_price_cents"],
                "quantity": line["quantity"],
            }
            for line in lines
        ),
        key=lambda line: line["sku"],
    )
    return {
        "id": order_id,
        "customer": {"email": customer["email"], "name": customer["name"]},
        "items": items,
        "total_cents": sum(line["unit_price_cents"] * line["quantity"] for line in lines),
    }


def sold(body: dict) -> list[dict]:
    """The lines of a posted order body as the order shows them (price -> unit_price_cents)."""
    return [
        {
            "sku": i["sku"],
            "name": i["name"],
            "unit_price_cents": i["price_cents"],
            "quantity": i["quantity"],
        }
        for i in body["items"]
    ]


def post_order(app, body: dict) -> dict:
    r = app.post("/orders", json=body)
    expect.status(r, 201, why="a valid order is stored and answered with 201 Created")
    order = expect.json_object(r, "id", "customer", "items", "total_cents")
    if not isinstance(order["id"], int) or isinstance(order["id"], bool):
        expect.fail(r, 'an integer "id"')
    return order


def expect_error(r) -> None:
    """A JSON object whose "error" is a non-empty message."""
    body = expect.json_object(r, "error")
    if not isinstance(body["error"], str) or not body["error"].strip():
        expect.fail(r, 'a JSON error with a message: {"error": "…"}')


def same_json(r, want: Any, why: str) -> None:
    got = expect.json_body(r)
    if got != want:
        expect.fail(r, f"this JSON: {json.dumps(want)}", why)


# -- the database, behind the app's back -----------------------------------------------------


@pytest.fixture(scope="module")
def db(app, postgres) -> Iterator[psycopg.Connection]:
    """A superuser connection (autocommit) to the app's database, after the app has started."""
    with postgres.admin() as conn:
        yield conn


def literal(conn: psycopg.Connection, sql: str, params: tuple) -> str:
    return psycopg.ClientCursor(conn).mogrify(sql, params)


def table_rules(conn: psycopg.Connection, table: str) -> str:
    """What the table has now: its constraints, NOT NULL columns and unique indexes."""
    if not table_exists(conn, table):
        return f"there is no table {table} in the schema public"
    rules = [
        f"{name} {definition}"
        for name, definition in conn.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass ORDER BY contype, conname",
            (f"public.{table}",),
        )
    ]
    rules += [
        definition
        for (definition,) in conn.execute(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " WHERE i.indrelid = %s::regclass AND i.indisunique"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            (f"public.{table}",),
        )
    ]
    not_null = [
        column
        for (column,) in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public'"
            " AND table_name = %s AND is_nullable = 'NO' ORDER BY ordinal_position",
            (table,),
        )
    ]
    shown = "; ".join(rules) or "no constraints at all"
    return f"{table} has now: {shown}; NOT NULL columns: {', '.join(not_null) or 'none'}"


def table_exists(conn: psycopg.Connection, table: str) -> bool:
    return bool(
        conn.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'"
            " AND table_name = %s",
            (table,),
        ).fetchone()
    )


def run(conn: psycopg.Connection, sql: str, params: tuple = ()) -> list[tuple]:
    """A statement the grader expects to succeed; its failure says which and why."""
    try:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else []
    except psycopg.Error as exc:
        if isinstance(exc, psycopg.errors.NotNullViolation):
            advice = (
                "The grader writes only the columns the README lists: any other column needs a "
                "DEFAULT (an identity or serial id, a created_at DEFAULT now())."
            )
        else:
            advice = (
                "The README names the tables and columns (in the schema public) the grader "
                "reads and writes, and the rows it expects to be accepted."
            )
        raise AssertionError(
            f"The grader's own statement {literal(conn, sql, params)} failed: "
            f"{type(exc).__name__}: {str(exc).strip()}. {advice}"
        ) from None


def refused(
    conn: psycopg.Connection,
    sql: str,
    params: tuple,
    states: tuple[str, ...],
    rule: str,
    table: str = "",
) -> None:
    """The statement must fail with one of these SQLSTATEs; say which rule should refuse it.

    The message lists the rules of `table` (by default the one written to: INSERT INTO <t>).
    """
    table = table or sql.split()[2]
    shown = literal(conn, sql, params)
    wanted = " or ".join(f"{s} {STATE_NAMES[s]}" for s in states)
    try:
        conn.execute(sql, params)  # autocommit: deferred constraints are checked here too
    except psycopg.Error as exc:
        if exc.sqlstate in states:
            return
        by = exc.diag.constraint_name
        raise AssertionError(
            f"{shown} was refused, but by SQLSTATE {exc.sqlstate} ({str(exc).strip()}"
            + (f"; constraint {by}" if by else "")
            + f"), not by {rule} (expected SQLSTATE {wanted}). {table_rules(conn, table)}."
        ) from None
    raise AssertionError(
        f"{shown} was accepted; expected {rule} to refuse it (SQLSTATE {wanted}). Why it "
        "matters: the app's checks guard only the app's own writes; a constraint holds for "
        f"every writer (a script, another service, a migration). {table_rules(conn, table)}."
    )


class Baseline:
    """Valid rows the grader inserts directly: a customer, a product, an order with one line."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.email, self.sku = unique_email("direct"), sku()
        ((self.customer_id,),) = run(
            conn,
            "INSERT INTO customers (email, name) VALUES (%s, %s) RETURNING id",
            (self.email, unique("Direct")),
        )
        ((self.product_id,),) = run(
            conn,
            "INSERT INTO products (sku, name, price_cents) VALUES (%s, %s, %s) RETURNING id",
            (self.sku, unique("product"), 1250),
        )
        ((self.order_id,),) = run(
            conn, "INSERT INTO orders (customer_id) VALUES (%s) RETURNING id", (self.customer_id,)
        )
        run(
            conn,
            "INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)"
            " VALUES (%s, %s, %s, %s)",
            (self.order_id, self.product_id, 1, 1250),
        )

    def product(self, conn: psycopg.Connection) -> int:
        """Another valid product, for an order line that must differ only in the tested value."""
        ((product_id,),) = run(
            conn,
            "INSERT INTO products (sku, name, price_cents) VALUES (%s, %s, %s) RETURNING id",
            (sku(), unique("product"), 990),
        )
        return int(product_id)

    def order(self, conn: psycopg.Connection) -> int:
        ((order_id,),) = run(
            conn, "INSERT INTO orders (customer_id) VALUES (%s) RETURNING id", (self.customer_id,)
        )
        return int(order_id)


@contextmanager
def baseline_of(conn: psycopg.Connection) -> Iterator[Baseline]:
    try:
        yield Baseline(conn)
    except AssertionError as exc:
        raise AssertionError(
            f"The grader could not insert valid rows, so it cannot test what the constraints "
            f"refuse: {exc}"
        ) from None


def line_sql() -> str:
    return (
        "INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)"
        " VALUES (%s, %s, %s, %s)"
    )


# -- the API, unchanged ----------------------------------------------------------------------


@pytest.mark.points(2)
def test_post_order_answers_201_with_the_order(app):
    """POST /orders answers 201 with the order: its id, customer, items sorted by sku, total."""
    body = order_body(items=[item(), item(price_cents=0), item(quantity=1)])
    r = app.post("/orders", json=body)
    expect.status(r, 201, why="a valid order is stored and answered with 201 Created")
    got = expect.json_object(r, "id", "customer", "items", "total_cents")
    same_json(
        r,
        expected_order(got["id"], body["customer"], sold(body)),
        "the API is unchanged: the storefront reads this JSON",
    )


@pytest.mark.points(1)
def test_get_order_returns_it_again(app):
    """GET /orders/<id> answers the same JSON as the POST did; an unknown id is 404."""
    posted = post_order(app, order_body())
    same_json(app.get(f"/orders/{posted['id']}"), posted, "an order reads back as it was stored")
    r = app.get(f"/orders/{posted['id'] + unique_int(1_000_000, 2_000_000)}")
    expect.status(r, 404, why="no order has that id")
    expect_error(r)


@pytest.mark.points(1)
def test_a_returning_customer_is_renamed_everywhere(app):
    """A later order with the same email and a new name renames the customer in every order."""
    email = unique_email("returning")
    first = post_order(app, order_body(email, unique("Old")))
    second_body = order_body(email, unique("New"))
    second = post_order(app, second_body)
    customer = second_body["customer"]
    renamed = {**first, "customer": customer}
    same_json(
        app.get(f"/orders/{first['id']}"),
        renamed,
        "the customer has one name, the latest one given: the first order shows it too",
    )
    same_json(
        app.get(f"/customers/{email}/orders"),
        {"customer": customer, "orders": [renamed, second]},
        "a customer's orders, oldest first (by id), each showing the customer's current name",
    )
    r = app.get(f"/customers/{unique_email('nobody')}/orders")
    expect.status(r, 404, why="no customer has that email")
    expect_error(r)


@pytest.mark.points(1)
def test_a_product_has_one_name_and_its_latest_price(app):
    """A product shows its latest name and price; each order line keeps the price it was sold at."""
    code = sku()
    old = post_order(app, order_body(items=[item(sku=code, price_cents=500, quantity=2)]))
    new_line = item(sku=code, price_cents=700, quantity=3)
    post_order(app, order_body(items=[new_line]))
    same_json(
        app.get(f"/products/{code}"),
        {"sku": code, "name": new_line["name"], "price_cents": 700, "units_sold": 5},
        "the product's current name and price are the latest given; units_sold adds every line",
    )
    want = {**old, "items": [{**old["items"][0], "name": new_line["name"]}]}
    same_json(
        app.get(f"/orders/{old['id']}"),
        want,
        "an old order shows the product's current name but the price it was sold at (500)",
    )
    r = app.get(f"/products/{sku()}")
    expect.status(r, 404, why="no product has that sku")
    expect_error(r)


BAD_BODIES: list[tuple[str, Any]] = [
    ("a JSON list instead of an object", []),
    ("no customer", {"items": [item()]}),
    ("a blank customer email", order_body(email=" ")),
    ("no customer name", {"customer": {"email": unique_email()}, "items": [item()]}),
    ("an empty items list", order_body(items=[])),
    ("quantity 0", order_body(items=[item(), item(quantity=0)])),
    ('quantity "2" (a string)', order_body(items=[item(quantity="2")])),
    ("price_cents -1", order_body(items=[item(), item(price_cents=-1)])),
    ("price_cents true", order_body(items=[item(price_cents=True)])),
    ("an item without a name", order_body(items=[{"sku": sku(), "price_cents": 5, "quantity": 1}])),
    ("an item with a blank sku", order_body(items=[item(), item(sku="")])),
]


@pytest.mark.points(1)
def test_invalid_orders_are_400_and_store_nothing(app, checks):
    """An invalid order answers 400 with a JSON error, and leaves nothing behind."""
    code = sku()
    dup = order_body(items=[item(sku=code), item(sku=code)])
    with checks.case("a body that is not JSON"):
        r = app.post("/orders", data="{not json", headers={"Content-Type": "application/json"})
        expect.status(r, 400, why="a body that does not parse is invalid")
        expect_error(r)
    for label, body in [*BAD_BODIES, ("the same sku twice", dup)]:
        with checks.case(label):
            r = app.post("/orders", json=body)
            expect.status(r, 400, why=f"an order with {label} is invalid")
            expect_error(r)
            email = body.get("customer", {}).get("email") if isinstance(body, dict) else None
            if isinstance(email, str) and email.strip():
                expect.status(
                    app.get(f"/customers/{email}/orders"),
                    404,
                    why="a refused order stores nothing, not even its customer (one transaction)",
                )


# -- the schema ------------------------------------------------------------------------------


@pytest.mark.points(2)
def test_the_four_tables_have_their_columns(db, checks):
    """customers, products, orders and order_items exist in public with the README's columns."""
    found: dict[str, list[str]] = {}
    for table, column in db.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
    ):
        found.setdefault(table, []).append(column)
    for table, columns in TABLES.items():
        with checks.case(table):
            missing = [c for c in columns if c not in found.get(table, [])]
            assert table in found and not missing, (
                "information_schema.columns shows "
                + (
                    f"table {table} with columns {found[table]}, missing {missing}"
                    if table in found
                    else f"no table {table} (tables in public: {sorted(found) or 'none'})"
                )
                + f"; expected {table} with at least the columns {list(columns)}, as the README "
                "names them (the grader reads and writes them)."
            )


@pytest.mark.points(1)
def test_every_table_has_a_primary_key(db, checks):
    """Each table has a primary key; customers, products and orders on their id column."""
    for table in TABLES:
        with checks.case(table):
            rows = db.execute(
                "SELECT a.attname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
                " JOIN pg_namespace n ON n.oid = t.relnamespace"
                " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY (c.conkey)"
                " WHERE c.contype = 'p' AND n.nspname = 'public' AND t.relname = %s",
                (table,),
            ).fetchall()
            columns = sorted(r[0] for r in rows)
            ok = bool(columns) and (table == "order_items" or columns == ["id"])
            assert ok, (
                "pg_constraint shows "
                + (
                    f"a primary key on {table}({', '.join(columns)})"
                    if columns
                    else "no primary key"
                )
                + f" for {table}; expected "
                + (
                    "a primary key (its own id, or (order_id, product_id))"
                    if table == "order_items"
                    else "PRIMARY KEY (id): the id the API answers and other tables refer to"
                )
                + ". A primary key is what makes a row one thing: unique, never NULL. "
                + table_rules(db, table)
                + "."
            )


def foreign_keys(conn: psycopg.Connection, table: str) -> list[tuple[str, str, str]]:
    """(column, referenced table, referenced column) of each foreign key on the table."""
    return [
        (str(a), str(b), str(c))
        for a, b, c in conn.execute(
            "SELECT att.attname, ref.relname, ratt.attname FROM pg_constraint con"
            " JOIN pg_class rel ON rel.oid = con.conrelid"
            " JOIN pg_namespace n ON n.oid = rel.relnamespace"
            " JOIN pg_class ref ON ref.oid = con.confrelid"
            " CROSS JOIN LATERAL unnest(con.conkey, con.confkey) AS k(attnum, refnum)"
            " JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = k.attnum"
            " JOIN pg_attribute ratt ON ratt.attrelid = con.confrelid AND ratt.attnum = k.refnum"
            " WHERE con.contype = 'f' AND n.nspname = 'public' AND rel.relname = %s",
            (table,),
        )
    ]


def references(conn: psycopg.Connection, table: str, column: str, target: str) -> None:
    keys = foreign_keys(conn, table)
    if (column, target, "id") not in keys:
        shown = ", ".join(f"{c} -> {t}({rc})" for c, t, rc in keys) or "none"
        raise AssertionError(
            f"pg_constraint shows the foreign keys of {table}: {shown}; expected {table}.{column} "
            f"REFERENCES {target}(id), so that PostgreSQL refuses a {column} no {target} row has."
        )


@pytest.mark.points(3)
def test_foreign_keys_refuse_orphans(db, checks):
    """Foreign keys refuse a row that points nowhere, and deleting a row that orders still use."""
    with baseline_of(db) as base:
        missing = base.customer_id + base.product_id + base.order_id + 10_000_000
        with checks.case("orders.customer_id -> customers(id)"):
            references(db, "orders", "customer_id", "customers")
            refused(
                db,
                "INSERT INTO orders (customer_id) VALUES (%s)",
                (missing,),
                (FOREIGN_KEY,),
                "a FOREIGN KEY orders.customer_id REFERENCES customers(id)",
            )
        with checks.case("order_items.order_id -> orders(id)"):
            references(db, "order_items", "order_id", "orders")
            refused(
                db,
                line_sql(),
                (missing, base.product(db), 1, 100),
                (FOREIGN_KEY,),
                "a FOREIGN KEY order_items.order_id REFERENCES orders(id)",
            )
        with checks.case("order_items.product_id -> products(id)"):
            references(db, "order_items", "product_id", "products")
            refused(
                db,
                line_sql(),
                (base.order(db), missing, 1, 100),
                (FOREIGN_KEY,),
                "a FOREIGN KEY order_items.product_id REFERENCES products(id)",
            )
        # The product first: deleting the customer may cascade (the bug this tests) to the
        # baseline order and its line, which would let the product go too.
        with checks.case("deleting a product that order lines refer to"):
            refused(
                db,
                "DELETE FROM products WHERE id = %s",
                (base.product_id,),
                (FOREIGN_KEY,),
                "the FOREIGN KEY order_items.product_id (without ON DELETE CASCADE: a sale is "
                "not deleted with its product)",
                table="order_items",
            )
        with checks.case("deleting a customer who has orders"):
            refused(
                db,
                "DELETE FROM customers WHERE id = %s",
                (base.customer_id,),
                (FOREIGN_KEY,),
                "the FOREIGN KEY orders.customer_id (without ON DELETE CASCADE: an order history "
                "is not deleted with its customer)",
                table="orders",
            )


@pytest.mark.points(2)
def test_unique_keys_refuse_duplicates(db, checks):
    """UNIQUE refuses a second customer with the same email and a second product with the same sku."""
    with baseline_of(db) as base:
        with checks.case("customers.email"):
            refused(
                db,
                "INSERT INTO customers (email, name) VALUES (%s, %s)",
                (base.email, unique("Twin")),
                (UNIQUE,),
                "a UNIQUE constraint on customers.email (one customer per email)",
            )
        with checks.case("products.sku"):
            refused(
                db,
                "INSERT INTO products (sku, name, price_cents) VALUES (%s, %s, %s)",
                (base.sku, unique("product"), 100),
                (UNIQUE,),
                "a UNIQUE constraint on products.sku (one product per sku)",
            )


@pytest.mark.points(2)
def test_not_null_refuses_missing_values(db, checks):
    """NOT NULL refuses a customer, product, order or order line with a required value missing."""
    with baseline_of(db) as base:
        statements: list[tuple[str, str, tuple]] = [
            ("customers.email", "INSERT INTO customers (email, name) VALUES (%s, %s)", (None, "n")),
            (
                "customers.name",
                "INSERT INTO customers (email, name) VALUES (%s, %s)",
                (unique_email(), None),
            ),
            (
                "products.sku",
                "INSERT INTO products (sku, name, price_cents) VALUES (%s, %s, %s)",
                (None, "n", 1),
            ),
            (
                "products.name",
                "INSERT INTO products (sku, name, price_cents) VALUES (%s, %s, %s)",
                (sku(), None, 1),
            ),
            (
                "products.price_cents",
                "INSERT INTO products (sku, name, price_cents) VALUES (%s, %s, %s)",
                (sku(), "n", None),
            ),
            ("orders.customer_id", "INSERT INTO orders (customer_id) VALUES (%s)", (None,)),
        ]
        for label, sql, params in statements:
            with checks.case(label):
                refused(db, sql, params, (NOT_NULL, CHECK), f"NOT NULL on {label}")
        with checks.case("order_items.quantity"):
            refused(
                db,
                line_sql(),
                (base.order(db), base.product(db), None, 100),
                (NOT_NULL, CHECK),
                "NOT NULL on order_items.quantity",
            )
        with checks.case("order_items.unit_price_cents"):
            refused(
                db,
                line_sql(),
                (base.order(db), base.product(db), 1, None),
                (NOT_NULL, CHECK),
                "NOT NULL on order_items.unit_price_cents",
            )


@pytest.mark.points(2)
def test_check_constraints_refuse_bad_numbers(db, checks):
    """CHECK refuses quantity < 1 and negative prices, and allows a price of 0."""
    with baseline_of(db) as base:
        for quantity in (0, -unique_int(1, 50)):
            with checks.case(f"order_items.quantity = {quantity}"):
                refused(
                    db,
                    line_sql(),
                    (base.order(db), base.product(db), quantity, 100),
                    (CHECK,),
                    "a CHECK (quantity > 0) on order_items",
                )
        with checks.case("order_items.unit_price_cents = -1"):
            refused(
                db,
                line_sql(),
                (base.order(db), base.product(db), 1, -1),
                (CHECK,),
                "a CHECK (unit_price_cents >= 0) on order_items",
            )
        with checks.case("products.price_cents = -1"):
            refused(
                db,
                "INSERT INTO products (sku, name, price_cents) VALUES (%s, %s, %s)",
                (sku(), "n", -1),
                (CHECK,),
                "a CHECK (price_cents >= 0) on products",
            )
        with checks.case("a price of 0 is allowed (a free item)"):
            run(
                db,
                "INSERT INTO products (sku, name, price_cents) VALUES (%s, %s, %s)",
                (sku(), "free", 0),
            )
            run(db, line_sql(), (base.order(db), base.product(db), 1, 0))


# -- one fact, one place ---------------------------------------------------------------------


@pytest.mark.points(2)
def test_rows_written_behind_the_apps_back_are_served(app, db, checks):
    """Rows the grader inserts into the four tables come back through the API, as JSON."""
    customer = {"email": unique_email("direct"), "name": unique("Direct")}
    ((customer_id,),) = run(
        db,
        "INSERT INTO customers (email, name) VALUES (%s, %s) RETURNING id",
        (customer["email"], customer["name"]),
    )
    products = [
        {"sku": sku(), "name": unique("product"), "price": unique_int(0, 9_000)} for _ in range(3)
    ]
    for p in products:
        ((p["id"],),) = run(
            db,
            "INSERT INTO products (sku, name, price_cents) VALUES (%s, %s, %s) RETURNING id",
            (p["sku"], p["name"], p["price"]),
        )
    orders = []
    for chosen in (products[:2], products[1:2]):
        ((order_id,),) = run(
            db, "INSERT INTO orders (customer_id) VALUES (%s) RETURNING id", (customer_id,)
        )
        lines = []
        for p in chosen:
            line = {
                "sku": p["sku"],
                "name": p["name"],
                "unit_price_cents": unique_int(0, 9_000),
                "quantity": unique_int(1, 9),
            }
            run(db, line_sql(), (order_id, p["id"], line["quantity"], line["unit_price_cents"]))
            lines.append(line)
        orders.append(expected_order(int(order_id), customer, lines))
    why = "the API reads the four tables: whoever wrote the rows"
    with checks.case("GET /orders/<id>"):
        same_json(app.get(f"/orders/{orders[0]['id']}"), orders[0], why)
    with checks.case("GET /customers/<email>/orders"):
        same_json(
            app.get(f"/customers/{customer['email']}/orders"),
            {"customer": customer, "orders": orders},
            why,
        )
    with checks.case("GET /products/<sku>"):
        p = products[1]
        units = sum(i["quantity"] for o in orders for i in o["items"] if i["sku"] == p["sku"])
        same_json(
            app.get(f"/products/{p['sku']}"),
            {"sku": p["sku"], "name": p["name"], "price_cents": p["price"], "units_sold": units},
            why,
        )
    with checks.case("a product never sold"):
        p = products[2]
        same_json(
            app.get(f"/products/{p['sku']}"),
            {"sku": p["sku"], "name": p["name"], "price_cents": p["price"], "units_sold": 0},
            "a product exists before its first sale (units_sold 0): no order needed to keep it",
        )
    with checks.case("a customer without orders"):
        lonely = {"email": unique_email("lonely"), "name": unique("Lonely")}
        run(
            db,
            "INSERT INTO customers (email, name) VALUES (%s, %s)",
            (lonely["email"], lonely["name"]),
        )
        same_json(
            app.get(f"/customers/{lonely['email']}/orders"),
            {"customer": lonely, "orders": []},
            "a customer exists before their first order: 200 with no orders",
        )


def one_row(conn: psycopg.Connection, sql: str, params: tuple, what: str) -> tuple:
    rows = run(conn, sql, params)
    if len(rows) != 1:
        raise AssertionError(
            f"{literal(conn, sql, params)} found {len(rows)} rows; expected exactly one: {what}."
        )
    return rows[0]


@pytest.mark.points(1)
def test_the_api_stores_each_fact_once(app, db, checks):
    """Two orders of one customer for one product make one customers row and one products row."""
    email, code = unique_email("once"), sku()
    first = order_body(email, items=[item(sku=code), item()])
    second = order_body(email, items=[item(sku=code)])
    ids = [post_order(app, first)["id"], post_order(app, second)["id"]]
    with checks.case("customers"):
        row = one_row(
            db,
            "SELECT id, name FROM customers WHERE email = %s",
            (email,),
            "one customer per email",
        )
        assert row[1] == second["customer"]["name"], (
            f"customers holds the name {row[1]!r} for {email}; expected the latest one given, "
            f"{second['customer']['name']!r}."
        )
        counted = run(db, "SELECT count(*) FROM orders WHERE customer_id = %s", (row[0],))
        assert counted == [(2,)], (
            f"orders holds {counted[0][0]} rows whose customer_id is {email}'s id {row[0]}; "
            f"expected the 2 orders posted ({ids})."
        )
    with checks.case("products"):
        row = one_row(
            db,
            "SELECT name, price_cents FROM products WHERE sku = %s",
            (code,),
            "one product per sku",
        )
        latest = second["items"][0]
        assert row == (latest["name"], latest["price_cents"]), (
            f"products holds {row} for {code}; expected its latest name and price "
            f"{(latest['name'], latest['price_cents'])}."
        )
    with checks.case("order_items"):
        rows = run(
            db,
            "SELECT i.order_id, i.quantity, i.unit_price_cents FROM order_items i"
            " JOIN products p ON p.id = i.product_id WHERE p.sku = %s ORDER BY i.order_id",
            (code,),
        )
        want = [
            (ids[0], first["items"][0]["quantity"], first["items"][0]["price_cents"]),
            (ids[1], second["items"][0]["quantity"], second["items"][0]["price_cents"]),
        ]
        assert rows == want, (
            f"order_items holds (order_id, quantity, unit_price_cents) {rows} for {code}; "
            f"expected one line per order, at the price it was sold at: {want}."
        )


@pytest.mark.points(2)
def test_a_name_changed_in_one_row_shows_everywhere(app, db, checks):
    """Renaming a customer or a product in its one row shows in every order: no copies elsewhere."""
    email, code = unique_email("rename"), sku()
    line, customer_name = item(sku=code), unique("Name")
    bodies = [order_body(email, customer_name, items=[dict(line)]) for _ in range(2)]
    orders = [post_order(app, body) for body in bodies]
    name, product_name = unique("Renamed"), unique("renamed")
    with checks.case("UPDATE customers SET name"):
        run(db, "UPDATE customers SET name = %s WHERE email = %s", (name, email))
        for order in orders:
            same_json(
                app.get(f"/orders/{order['id']}"),
                {**order, "customer": {"email": email, "name": name}},
                "the customer's name is kept once, in customers: orders show it by a join",
            )
    with checks.case("UPDATE products SET name"):
        run(db, "UPDATE products SET name = %s WHERE sku = %s", (product_name, code))
        for order in orders:
            same_json(
                app.get(f"/orders/{order['id']}"),
                {
                    **order,
                    "customer": {"email": email, "name": name},
                    "items": [{**order["items"][0], "name": product_name}],
                },
                "the product's name is kept once, in products: order lines show it by a join",
            )


@pytest.mark.points(1)
def test_the_schema_is_created_again_safely(app):
    """Restarting the app runs the schema again and keeps every row (idempotent, IF NOT EXISTS)."""
    order = post_order(app, order_body())
    app.restart()
    same_json(
        app.get(f"/orders/{order['id']}"),
        order,
        "the schema runs at every start, on a database that already holds the tables and data",
    )
