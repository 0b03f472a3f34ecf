"""Grader for triggers-views: a product's history written by a trigger, a sales report read from
a view, both in PostgreSQL, so they hold for every writer and every reader.

Contract (exercises/triggers-views/README.md). The grader uses the API (products, sales, history,
report) and, behind the app's back with a superuser connection, updates and deletes products (and
expects audit rows), inserts products and random sales (and expects the view's numbers), and reads
the catalog (pg_trigger, information_schema.views) and the statements the app runs.

Partial credit (of 19): the starter (history written in Python, report computed in Python) keeps
the API, the audited API changes, the refusals, a live report and the report's JSON: 7.

Mutants (`sandbox verify triggers-views --mutants`: 146 of 156 caught) that survive are
equivalent: the wording of the error messages (a literal part dropped from an f-string: 'sku ' /
' exists', 'no product ' (x4), 'product ' / ' has sales: it cannot be deleted'; the message stays
non-empty); `autocommit=True` -> False for the set-up connection (psycopg's `with` block commits
at its end); DELETE's `return "", 204` -> `"XX", 204` (Werkzeug sends no body with a 204).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from sandbox.grading import expect, unique, unique_int

PRODUCT_KEYS = ("id", "sku", "name", "price_cents")
REPORT_COLUMNS = ("product_id", "sku", "name", "sale_count", "units_sold", "revenue_cents")


# -- helpers ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def db(app, postgres) -> Iterator[psycopg.Connection]:
    """A superuser connection (autocommit, rows as dicts) to the app's database."""
    with postgres.admin() as conn:
        conn.row_factory = dict_row  # type: ignore[assignment]
        yield conn


def sku() -> str:
    return f"SKU-{secrets.token_hex(4).upper()}"


def literal(conn: psycopg.Connection, sql: str, params: tuple) -> str:
    return psycopg.ClientCursor(conn).mogrify(sql, params)


def run(conn: psycopg.Connection, sql: str, params: tuple = ()) -> list[dict]:
    """A statement of the grader's that must succeed; its failure says which and why."""
    try:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else []
    except psycopg.Error as exc:
        raise AssertionError(
            f"The grader's own statement {literal(conn, sql, params)} failed: "
            f"{type(exc).__name__}: {str(exc).strip()}. Keep the starter's tables (products, "
            "sales, product_audit) as they are: the grader writes to them directly."
        ) from None


def insert_product(conn: psycopg.Connection, price: int | None = None) -> dict:
    (row,) = run(
        conn,
        "INSERT INTO products (sku, name, price_cents) VALUES (%s, %s, %s)"
        " RETURNING id, sku, name, price_cents",
        (sku(), unique("product"), unique_int(100, 90_000) if price is None else price),
    )
    return row


def audit_rows(conn: psycopg.Connection, product_id: int) -> list[dict]:
    return run(
        conn,
        "SELECT product_id, operation, old_row, new_row FROM product_audit"
        " WHERE product_id = %s ORDER BY id",
        (product_id,),
    )


def row_part(value: Any) -> Any:
    """The product's keys of a jsonb row (extra keys are not graded), or the value as it is."""
    if isinstance(value, dict):
        return {k: value.get(k) for k in PRODUCT_KEYS}
    return value


def show_audit(rows: list[dict]) -> str:
    if not rows:
        return "no rows"
    return "; ".join(
        f"(operation={r['operation']!r}, old_row={json.dumps(r['old_row'])}, "
        f"new_row={json.dumps(r['new_row'])})"
        for r in rows
    )


def triggers_on_products(conn: psycopg.Connection) -> str:
    rows = run(
        conn,
        "SELECT tgname, pg_get_triggerdef(oid) AS definition FROM pg_trigger"
        " WHERE tgrelid = 'public.products'::regclass AND NOT tgisinternal ORDER BY tgname",
    )
    if not rows:
        return "products has no trigger at all"
    return "the triggers on products: " + "; ".join(r["definition"] for r in rows)


def expect_audit(
    conn: psycopg.Connection, product_id: int, done: str, want: list[dict], why: str
) -> None:
    got = [
        {
            "product_id": r["product_id"],
            "operation": r["operation"],
            "old_row": row_part(r["old_row"]),
            "new_row": row_part(r["new_row"]),
        }
        for r in audit_rows(conn, product_id)
    ]
    if got != want:
        raise AssertionError(
            f"After {done}, product_audit holds for product_id {product_id}: {show_audit(got)}; "
            f"expected {show_audit(want)}. Why it matters: {why}. {triggers_on_products(conn)}."
        )


def change(product_id: int, operation: str, old: dict, new: dict | None) -> dict:
    return {
        "product_id": product_id,
        "operation": operation,
        "old_row": row_part(old),
        "new_row": row_part(new),
    }


def history_entry(operation: str, old: dict, new: dict | None) -> dict:
    return {"operation": operation, "old": old, "new": new}


def entry_part(entry: Any) -> Any:
    if not isinstance(entry, dict):
        return entry
    return {
        "operation": entry.get("operation"),
        "old": row_part(entry.get("old")),
        "new": row_part(entry.get("new")),
    }


def expect_history(app, product_id: int, want: list[dict], why: str) -> None:
    r = app.get(f"/products/{product_id}/history")
    expect.status(r, 200, why="a product's history is always answered, even after a DELETE")
    body = expect.json_object(r, "product_id", "history")
    got = body["history"]
    if not isinstance(got, list) or [entry_part(e) for e in got] != [entry_part(e) for e in want]:
        expect.fail(r, f'"history": {json.dumps(want)}', why)


def expect_error(r) -> None:
    """A JSON object whose "error" is a non-empty message."""
    body = expect.json_object(r, "error")
    if not isinstance(body["error"], str) or not body["error"].strip():
        expect.fail(r, 'a JSON error with a message: {"error": "…"}')


def post_product(app, price: int | None = None) -> dict:
    price = unique_int(100, 90_000) if price is None else price
    body = {"sku": sku(), "name": unique("product"), "price_cents": price}
    r = app.post("/products", json=body)
    expect.status(r, 201, why="POST /products creates the product")
    product = expect.json_object(r, *PRODUCT_KEYS)
    if {k: product[k] for k in ("sku", "name", "price_cents")} != body:
        expect.fail(r, f"the product {json.dumps(body)} with its id")
    return product


# -- the API ---------------------------------------------------------------------------------


@pytest.mark.points(1)
def test_the_products_api_works(app, checks):
    """POST, GET, PATCH and DELETE /products and POST /sales answer as before (201, 200, 204, 404)."""
    with checks.case("POST then GET /products/<id>, a price of 0"):
        free = post_product(app, price=0)
        r = app.get(f"/products/{free['id']}")
        if expect.json_body(r) != free:
            expect.fail(r, f"the product as created: {json.dumps(free)}")
    with checks.case("POST /sales of 1 unit"):
        r = app.post("/sales", json={"product_id": free["id"], "quantity": 1})
        expect.status(r, 201, why="POST /sales records a sale (1 unit is a valid quantity)")
        sale = expect.json_object(r, "id", "product_id", "quantity", "unit_price_cents")
        if [sale["product_id"], sale["quantity"], sale["unit_price_cents"]] != [free["id"], 1, 0]:
            expect.fail(r, f"a sale of product {free['id']}: quantity 1 at its price, 0")
    product = post_product(app)
    with checks.case("PATCH /products/<id>, to a price of 0"):
        r = app.patch(f"/products/{product['id']}", json={"price_cents": 0})
        expect.status(r, 200, why="PATCH changes the product (0 is a valid price)")
        if expect.json_body(r) != {**product, "price_cents": 0}:
            expect.fail(
                r, f"the product with its new price: {json.dumps({**product, 'price_cents': 0})}"
            )
    with checks.case("DELETE /products/<id>"):
        expect.status(app.delete(f"/products/{product['id']}"), 204, why="DELETE removes it")
        expect.status(app.get(f"/products/{product['id']}"), 404, why="it is gone")
        expect.status(app.delete(f"/products/{product['id']}"), 404, why="it is gone")


@pytest.mark.points(2)
def test_a_change_through_the_api_is_audited_once(app, db):
    """A PATCH and a DELETE through the API each leave exactly one audit row, and the history shows them."""
    product = post_product(app)
    pid = product["id"]
    new_name = unique("renamed")
    r = app.patch(f"/products/{pid}", json={"name": new_name})
    expect.status(r, 200, why="PATCH changes the product")
    renamed = {**product, "name": new_name}
    expect.status(app.delete(f"/products/{pid}"), 204, why="DELETE removes an unsold product")
    expect_audit(
        db,
        pid,
        f"PATCH /products/{pid} then DELETE /products/{pid}",
        [change(pid, "UPDATE", product, renamed), change(pid, "DELETE", renamed, None)],
        "one row per change, written once: by the trigger (remove the Python INSERTs, or each "
        "change is recorded twice)",
    )
    expect_history(
        app,
        pid,
        [history_entry("UPDATE", product, renamed), history_entry("DELETE", renamed, None)],
        "the history is product_audit's rows for the product, oldest first",
    )


@pytest.mark.points(1)
def test_invalid_input_is_refused(app, db, checks):
    """Bad bodies are 400, unknown products 404, a duplicate sku or deleting a sold product 409."""
    product = post_product(app)
    pid = product["id"]
    missing = pid + unique_int(1_000_000, 2_000_000)
    sold_one = post_product(app)
    r = app.post("/sales", json={"product_id": sold_one["id"], "quantity": 1})
    expect.status(r, 201, why="POST /sales records a sale")
    cases: list[tuple[str, str, str, Any, int]] = [
        (
            "POST /products without a name",
            "POST",
            "/products",
            {"sku": sku(), "price_cents": 5},
            400,
        ),
        (
            "POST /products with a blank sku",
            "POST",
            "/products",
            {"sku": " ", "name": "n", "price_cents": 5},
            400,
        ),
        (
            "POST /products with price_cents -1",
            "POST",
            "/products",
            {"sku": sku(), "name": "n", "price_cents": -1},
            400,
        ),
        (
            'POST /products with price_cents "5"',
            "POST",
            "/products",
            {"sku": sku(), "name": "n", "price_cents": "5"},
            400,
        ),
        (
            "POST /products with a sku that exists",
            "POST",
            "/products",
            {"sku": product["sku"], "name": "n", "price_cents": 5},
            409,
        ),
        ("PATCH with an empty object", "PATCH", f"/products/{pid}", {}, 400),
        ("PATCH with an unknown field", "PATCH", f"/products/{pid}", {"sku": sku()}, 400),
        ("PATCH with a blank name", "PATCH", f"/products/{pid}", {"name": ""}, 400),
        ("PATCH with price_cents -1", "PATCH", f"/products/{pid}", {"price_cents": -1}, 400),
        ("PATCH an unknown product", "PATCH", f"/products/{missing}", {"name": "n"}, 404),
        ("DELETE an unknown product", "DELETE", f"/products/{missing}", None, 404),
        ("DELETE a product that has sales", "DELETE", f"/products/{sold_one['id']}", None, 409),
        ("POST /sales with quantity 0", "POST", "/sales", {"product_id": pid, "quantity": 0}, 400),
        (
            "POST /sales with quantity true",
            "POST",
            "/sales",
            {"product_id": pid, "quantity": True},
            400,
        ),
        ("POST /sales without a product_id", "POST", "/sales", {"quantity": 1}, 400),
        (
            "POST /sales for an unknown product",
            "POST",
            "/sales",
            {"product_id": missing, "quantity": 1},
            404,
        ),
    ]
    for method, path in (("POST", "/products"), ("PATCH", f"/products/{pid}"), ("POST", "/sales")):
        with checks.case(f"{method} {path} with a body that is not JSON"):
            r = app.request(
                method, path, data="{not json", headers={"Content-Type": "application/json"}
            )
            expect.status(r, 400, why="a body that does not parse is invalid")
            expect_error(r)
    for label, method, path, body, status in cases:
        with checks.case(label):
            r = app.request(method, path, json=body)
            expect.status(r, status, why=f"{label} is refused, as the README lists")
            expect_error(r)
    with checks.case("nothing refused changed the product"):
        r = app.get(f"/products/{pid}")
        if expect.json_body(r) != product:
            expect.fail(r, f"the product unchanged: {json.dumps(product)}")
        expect_audit(db, pid, "only refused changes", [], "a refused change changes nothing")


# -- the trigger -----------------------------------------------------------------------------


@pytest.mark.points(2)
def test_an_update_behind_the_apps_back_is_audited(app, db):
    """An UPDATE the grader runs directly leaves an UPDATE audit row with the old and new row."""
    product = insert_product(db)
    pid, price = product["id"], product["price_cents"] + unique_int(1, 500)
    sql = "UPDATE products SET price_cents = %s WHERE id = %s"
    run(db, sql, (price, pid))
    updated = {**product, "price_cents": price}
    expect_audit(
        db,
        pid,
        literal(db, sql, (price, pid)),
        [change(pid, "UPDATE", product, updated)],
        "an audit trail that only the app writes misses every other writer (a script, a psql "
        "session, another service); a trigger on products sees them all",
    )
    expect_history(
        app,
        pid,
        [history_entry("UPDATE", product, updated)],
        "the history shows every change, the ones made behind the app's back too",
    )


@pytest.mark.points(2)
def test_a_delete_behind_the_apps_back_is_audited(app, db):
    """A DELETE the grader runs directly leaves a DELETE audit row (new_row NULL) that outlives it."""
    product = insert_product(db)
    pid = product["id"]
    sql = "DELETE FROM products WHERE id = %s"
    run(db, sql, (pid,))
    expect_audit(
        db,
        pid,
        literal(db, sql, (pid,)),
        [change(pid, "DELETE", product, None)],
        "a deleted row is the one you most need the history of; the audit row keeps it",
    )
    expect_history(
        app,
        pid,
        [history_entry("DELETE", product, None)],
        "the history of a deleted product is still answered",
    )


@pytest.mark.points(1)
def test_every_row_of_a_multi_row_update_is_audited(db, checks):
    """One UPDATE of three rows leaves three audit rows (a FOR EACH ROW trigger)."""
    products = [insert_product(db) for _ in range(3)]
    ids = [p["id"] for p in products]
    sql = "UPDATE products SET price_cents = price_cents + 1 WHERE id = ANY (%s)"
    run(db, sql, (ids,))
    for product in products:
        with checks.case(f"product {product['id']}"):
            expect_audit(
                db,
                product["id"],
                literal(db, sql, (ids,)),
                [
                    change(
                        product["id"],
                        "UPDATE",
                        product,
                        {**product, "price_cents": product["price_cents"] + 1},
                    )
                ],
                "a statement-level trigger (FOR EACH STATEMENT) runs once per statement and has "
                "no OLD row; FOR EACH ROW runs once per changed row",
            )


@pytest.mark.points(1)
def test_an_insert_is_not_audited(db):
    """INSERT adds no audit row: only UPDATE and DELETE are audited."""
    product = insert_product(db)
    expect_audit(
        db,
        product["id"],
        "an INSERT INTO products",
        [],
        "the trigger fires on UPDATE OR DELETE, as the README states; a new product is not a change",
    )


@pytest.mark.points(1)
def test_the_trigger_is_in_the_catalog(db):
    """pg_trigger shows a row-level trigger on products firing on UPDATE and DELETE."""
    rows = run(
        db,
        "SELECT tgname, pg_get_triggerdef(oid) AS definition, tgtype FROM pg_trigger"
        " WHERE tgrelid = 'public.products'::regclass AND NOT tgisinternal",
    )
    # tgtype bits: 1 row-level, 8 DELETE, 16 UPDATE (pg_trigger.h).
    row_level = [r for r in rows if r["tgtype"] & 1]
    updates = [r for r in row_level if r["tgtype"] & 16]
    deletes = [r for r in row_level if r["tgtype"] & 8]
    assert updates and deletes, (
        f"pg_trigger shows {triggers_on_products(db)}; expected a FOR EACH ROW trigger on "
        "products that fires on UPDATE and one (the same, or another) on DELETE, as "
        "CREATE OR REPLACE TRIGGER … AFTER UPDATE OR DELETE ON products FOR EACH ROW EXECUTE "
        "FUNCTION … creates."
    )


# -- the view --------------------------------------------------------------------------------


def expected_report(products: list[dict], sales: list[tuple[int, int, int]]) -> list[dict]:
    lines = {
        p["id"]: {
            "product_id": p["id"],
            "sku": p["sku"],
            "name": p["name"],
            "sale_count": 0,
            "units_sold": 0,
            "revenue_cents": 0,
        }
        for p in products
    }
    for product_id, quantity, price in sales:
        line = lines[product_id]
        line["sale_count"] += 1
        line["units_sold"] += quantity
        line["revenue_cents"] += quantity * price
    return sorted(lines.values(), key=lambda line: line["product_id"])


@pytest.fixture(scope="module")
def sold(db) -> dict:
    """Products and random sales the grader inserts directly; one product is never sold."""
    products = [insert_product(db) for _ in range(4)]
    sales = []
    for product in products[:3]:
        for _ in range(unique_int(1, 6)):
            quantity, price = unique_int(1, 20), unique_int(0, 5_000)
            run(
                db,
                "INSERT INTO sales (product_id, quantity, unit_price_cents) VALUES (%s, %s, %s)",
                (product["id"], quantity, price),
            )
            sales.append((product["id"], quantity, price))
    return {"products": products, "sales": sales, "report": expected_report(products, sales)}


def view_rows(conn: psycopg.Connection, ids: list[int]) -> list[dict]:
    try:
        rows = conn.execute(
            "SELECT product_id, sku, name, sale_count, units_sold, revenue_cents FROM sales_report"
            " WHERE product_id = ANY (%s) ORDER BY product_id",
            (ids,),
        ).fetchall()
    except psycopg.Error as exc:
        raise AssertionError(
            f"SELECT {', '.join(REPORT_COLUMNS)} FROM sales_report failed: {type(exc).__name__}: "
            f"{str(exc).strip()}. The README names the view and its columns."
        ) from None
    return [
        {k: (int(v) if k in REPORT_COLUMNS[3:] and v is not None else v) for k, v in r.items()}
        for r in rows
    ]


@pytest.mark.points(1)
def test_the_report_is_a_view(db):
    """sales_report is a view (not a table) with the README's columns."""
    rows = run(
        db,
        "SELECT c.relkind, array_agg(a.attname::text ORDER BY a.attnum) AS columns FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
        " WHERE n.nspname = 'public' AND c.relname = 'sales_report' GROUP BY c.relkind",
    )
    kinds = {"r": "a table", "m": "a materialized view", "v": "a view", "p": "a table"}
    found = (
        f"sales_report is {kinds.get(rows[0]['relkind'], rows[0]['relkind'])} with the columns "
        f"{rows[0]['columns']}"
        if rows
        else "there is no sales_report in the schema public"
    )
    missing = [c for c in REPORT_COLUMNS if not rows or c not in rows[0]["columns"]]
    assert rows and rows[0]["relkind"] == "v" and not missing, (
        f"pg_class shows: {found}; expected a view (CREATE OR REPLACE VIEW sales_report AS "
        f"SELECT …) with the columns {list(REPORT_COLUMNS)}. A view is a stored query: it is "
        "computed when read, so it is never stale (a table or a materialized view is filled once "
        "and goes stale)."
    )


@pytest.mark.points(3)
def test_the_view_matches_the_sales(db, sold, checks):
    """The view's numbers match random sales the grader inserted: counts, units, revenue, zeros."""
    ids = [p["id"] for p in sold["products"]]
    got = {r["product_id"]: r for r in view_rows(db, ids)}
    for want in sold["report"]:
        pid = want["product_id"]
        label = "a product never sold" if want["sale_count"] == 0 else f"product {pid}"
        with checks.case(label):
            mine = [s for s in sold["sales"] if s[0] == pid]
            assert got.get(pid) == want, (
                f"SELECT … FROM sales_report WHERE product_id = {pid} gives "
                f"{json.dumps(got.get(pid)) if pid in got else 'no row'}; expected {json.dumps(want)}. "
                f"The grader inserted {len(mine)} sales for it, (quantity, unit_price_cents): "
                f"{[s[1:] for s in mine]}: sale_count counts them, units_sold adds the quantities, "
                "revenue_cents adds quantity × unit_price_cents"
                + (
                    "; a product with no sales has a row of zeros (a LEFT JOIN from products, "
                    "COALESCE(SUM(…), 0))"
                    if not mine
                    else ""
                )
                + "."
            )


@pytest.mark.points(2)
def test_the_report_endpoint_reads_the_view(app, db, postgres, sold, checks):
    """GET /reports/sales answers the view's rows, in product_id order, by querying sales_report."""
    ids = {p["id"] for p in sold["products"]}
    with postgres.count_statements() as counted:
        r = app.get("/reports/sales")
    with checks.case("the JSON"):
        expect.status(r, 200, why="the report is always answered")
        body = expect.json_object(r, "products")
        lines = body["products"]
        if not isinstance(lines, list) or not all(isinstance(x, dict) for x in lines):
            expect.fail(r, '"products": a list of objects')
        mine = [{k: x.get(k) for k in REPORT_COLUMNS} for x in lines if x.get("product_id") in ids]
        if mine != sold["report"]:
            expect.fail(
                r,
                f"among them, these lines for the grader's products: {json.dumps(sold['report'])}",
            )
        order = [x.get("product_id") for x in lines]
        if not all(isinstance(v, int) for v in order) or order != sorted(order):
            expect.fail(r, "the lines sorted by product_id (integers)")
    with checks.case("the statement"):
        reads = [q for q, _ in counted.statements if "sales_report" in q.lower()]
        assert reads, (
            f"During GET /reports/sales {counted.describe()}\nNone of them reads sales_report; "
            "expected the endpoint to SELECT from the view, so that the app and every other "
            "reader of the numbers share one definition of them."
        )


@pytest.mark.points(1)
def test_the_report_follows_new_sales(app, db):
    """A sale made through the API and one inserted directly both show in the next report."""
    product = post_product(app)
    quantity = unique_int(1, 9)
    r = app.post("/sales", json={"product_id": product["id"], "quantity": quantity})
    expect.status(r, 201, why="POST /sales records a sale at the product's current price")
    sale = expect.json_object(r, "id", "product_id", "quantity", "unit_price_cents")
    want_sale = {
        "product_id": product["id"],
        "quantity": quantity,
        "unit_price_cents": product["price_cents"],
    }
    if {k: sale[k] for k in want_sale} != want_sale:
        expect.fail(r, f"the sale {json.dumps(want_sale)} with its id")
    direct_quantity, direct_price = unique_int(1, 9), unique_int(0, 5_000)
    run(
        db,
        "INSERT INTO sales (product_id, quantity, unit_price_cents) VALUES (%s, %s, %s)",
        (product["id"], direct_quantity, direct_price),
    )
    want = {
        "product_id": product["id"],
        "sku": product["sku"],
        "name": product["name"],
        "sale_count": 2,
        "units_sold": quantity + direct_quantity,
        "revenue_cents": quantity * product["price_cents"] + direct_quantity * direct_price,
    }
    r = app.get("/reports/sales")
    body = expect.json_object(r, "products")
    lines = body["products"] if isinstance(body["products"], list) else []
    got = [x for x in lines if isinstance(x, dict) and x.get("product_id") == product["id"]]
    if [{k: x.get(k) for k in REPORT_COLUMNS} for x in got] != [want]:
        expect.fail(
            r,
            f"the line {json.dumps(want)}",
            "a view is computed when it is read: new sales show at once, whoever recorded them",
        )


@pytest.mark.points(1)
def test_a_restart_keeps_one_trigger_and_the_view(app, db):
    """After a restart (the set-up runs again), one change still leaves exactly one audit row."""
    app.restart()
    product = insert_product(db)
    pid, price = product["id"], product["price_cents"] + 1
    run(db, "UPDATE products SET price_cents = %s WHERE id = %s", (price, pid))
    expect_audit(
        db,
        pid,
        "a restart of the app, then an UPDATE of the product",
        [change(pid, "UPDATE", product, {**product, "price_cents": price})],
        "the set-up runs at every start: CREATE OR REPLACE keeps one function, one trigger and "
        "one view (a trigger created under a new name each time would audit twice)",
    )
    r = app.get("/reports/sales")
    expect.status(r, 200, why="the view still answers after the set-up ran again")
