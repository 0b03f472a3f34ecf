"""Grader for "Databases: add the right index".

The app serves GET /customers/<id>/orders?status=...&limit=... from shop.db (in its working
directory). The grader opens that file read-only while the app runs and:

* checks that the data is still all there (no "fixing" the query by shrinking the table);
* compares the endpoint's JSON with its own run of the canonical query (README.md);
* runs EXPLAIN QUERY PLAN on the canonical query and checks that SQLite SEARCHes an index on
  (customer_id, status) and needs no temp B-tree for ORDER BY;
* reads PRAGMA index_info to check the index's columns and their order.

Partial credit (of 16): the starter (no index) scores 9; an index on customer_id alone 11 (it
SEARCHes, but filters status row by row and sorts in a temp B-tree); (customer_id, status) 12;
(customer_id, created_at) 13; (customer_id, status, created_at), in either order of the first
two, 16. Indexes that SQLite walks end to end (created_at) or that barely narrow (status) score 9.

Mutants (`sandbox verify add-index --mutants`) that survive are equivalent: the wording of the
400 messages; /debug/plan's sample customer and status (every customer and status get the same
plan); a removed conn.close() (CPython closes a connection nobody references); `rand() < 0.05`
-> `<=` (equal only if random() returns exactly 0.05; SEED_FINGERPRINT shows the data unchanged).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

import pytest

from sandbox.grading import describe, open_sqlite_readonly

STATUSES = ("pending", "paid", "shipped", "delivered", "cancelled")
COLUMNS = ("id", "customer_id", "status", "created_at", "total_cents")
MIN_ROWS = 100_000
# Aggregates over the starter's deterministic seed (db.py, _seed): the README says to keep it.
SEED_FINGERPRINT = {
    "orders": 120_000,
    "sum of ids": 7_200_060_000,
    "sum of customer ids": 56_939_801,
    "sum of total_cents": 3_015_090_101,
    "first created_at": "2023-01-01T00:21:29Z",
    "last created_at": "2024-12-30T23:42:54Z",
    "orders of wholesale customers (ids 1..20)": 8_286,
    "pending": 11_929,
    "paid": 18_053,
    "shipped": 23_933,
    "delivered": 60_052,
    "cancelled": 6_033,
}

# The canonical query, exactly as README.md documents it (and as db.py runs it).
CANONICAL_SQL = (
    "SELECT id, customer_id, status, created_at, total_cents "
    "FROM orders "
    "WHERE customer_id = ? AND status = ? "
    "ORDER BY created_at DESC "
    "LIMIT ?"
)

_SCAN = re.compile(r"^SCAN (TABLE )?orders\b")
_SEARCH = re.compile(r"^SEARCH (TABLE )?orders USING (COVERING )?INDEX (\S+)(?: \((.*)\))?")
_TEMP_SORT = re.compile(r"USE TEMP B-TREE FOR (RIGHT PART OF )?ORDER BY")


# -- fixtures: the database the app left, and test cases derived from it ------------------------


@pytest.fixture(scope="module")
def shop(app) -> Iterator[sqlite3.Connection]:
    path = app.workdir / "shop.db"
    assert path.is_file(), (
        "After start-up there is no shop.db in the app's working directory. init_db() must "
        "create (and seed) shop.db in the current directory when the app starts."
    )
    conn = open_sqlite_readonly(path)
    found = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "orders" in found, (
        f"shop.db has no `orders` table (tables found: {sorted(found) or 'none'}). "
        "Keep the table that init_db() creates; add an index, do not rename or drop the table."
    )
    columns = {row["name"] for row in conn.execute("SELECT name FROM pragma_table_info('orders')")}
    missing = [c for c in COLUMNS if c not in columns]
    assert not missing, (
        f"The `orders` table in shop.db lacks the column(s) {missing}. "
        f"Keep the table as the starter defines it: {', '.join(COLUMNS)}."
    )
    yield conn
    conn.close()


def expected_orders(
    shop: sqlite3.Connection, customer_id: int, status: str, limit: int
) -> list[dict]:
    return [dict(row) for row in shop.execute(CANONICAL_SQL, (customer_id, status, limit))]


def group_counts(shop: sqlite3.Connection) -> list[tuple[int, str, int]]:
    return [
        (row[0], row[1], row[2])
        for row in shop.execute(
            "SELECT customer_id, status, COUNT(*) FROM orders GROUP BY customer_id, status "
            "ORDER BY customer_id, status"
        )
    ]


@pytest.fixture(scope="module")
def cases(shop) -> dict:
    """(customer_id, status) pairs to test, chosen from the data itself (not hard-coded)."""
    counts = group_counts(shop)
    assert counts, "The `orders` table in shop.db is empty; init_db() must seed it at start-up."
    by_status: dict[str, list[tuple[int, int]]] = {}
    for customer_id, status, n in counts:
        by_status.setdefault(status, []).append((customer_id, n))
    pairs: list[tuple[int, str]] = []
    for status in STATUSES:
        rows = by_status.get(status, [])
        if not rows:
            continue
        biggest = max(rows, key=lambda r: (r[1], -r[0]))  # most orders with this status
        middle = sorted(rows)[len(rows) // 2]  # an ordinary customer, by id
        pairs += [(biggest[0], status), (middle[0], status)]
    big = [(c, s, n) for c, s, n in counts if n > 100]
    small = [(c, s, n) for c, s, n in counts if 1 <= n < 20]
    (max_customer,) = shop.execute("SELECT MAX(customer_id) FROM orders").fetchone()
    return {
        "pairs": pairs,
        "big": big[0] if big else None,
        "small": small[len(small) // 2] if small else None,
        "unknown_customer": int(max_customer) + 1000,
    }


def assert_full_table(shop: sqlite3.Connection) -> None:
    (count,) = shop.execute("SELECT COUNT(*) FROM orders").fetchone()
    assert count >= MIN_ROWS, (
        f"shop.db holds {count} orders, fewer than {MIN_ROWS:,}, so the index checks do not "
        "count: the index has to serve the full table. Keep the seed data as it is (do not "
        "shrink N_ORDERS or delete rows)."
    )


def plans(shop: sqlite3.Connection, cases: dict) -> dict[str, list[str]]:
    """EXPLAIN QUERY PLAN of the canonical query, for every status and a couple of customers.

    Only on the full table: an index is graded on the data it has to serve, never on a shrunk one.
    """
    assert_full_table(shop)
    # A big (wholesale) customer and an ordinary one; plans may differ with the values bound.
    customers = sorted({c for c, _ in cases["pairs"][:2]}) or [1]
    out = {}
    for status in STATUSES:
        for customer_id in customers:
            rows = shop.execute("EXPLAIN QUERY PLAN " + CANONICAL_SQL, (customer_id, status, 20))
            out[f"customer_id={customer_id}, status={status!r}"] = [row["detail"] for row in rows]
    return out


def show_plan(lines: list[str]) -> str:
    return " | ".join(lines) or "(empty plan)"


def indexes_on_orders(shop: sqlite3.Connection) -> list[dict]:
    out = []
    for idx in shop.execute("SELECT name, origin, partial FROM pragma_index_list('orders')"):
        cols = [
            row["name"]
            for row in shop.execute(
                "SELECT seqno, name FROM pragma_index_info(?) ORDER BY seqno", (idx["name"],)
            )
        ]
        out.append(
            {
                "name": idx["name"],
                "origin": idx["origin"],
                "partial": idx["partial"],
                "columns": cols,
            }
        )
    return out


def show_indexes(indexes: list[dict]) -> str:
    if not indexes:
        return "no index at all on `orders` (only the rowid / INTEGER PRIMARY KEY)"
    text = ", ".join(
        f"{i['name']}({', '.join(str(c) for c in i['columns'])})"
        + (" WHERE … (partial)" if i["partial"] else "")
        for i in indexes
    )
    if any(i["partial"] for i in indexes):
        text += (
            ". Note: SQLite uses a partial index (CREATE INDEX … WHERE …) only for queries whose "
            "WHERE clause implies its condition, and this endpoint takes any status"
        )
    return text


def get_orders(app, customer_id: int, status: str | None = None, limit: str | int | None = None):
    params = {}
    if status is not None:
        params["status"] = status
    if limit is not None:
        params["limit"] = str(limit)
    path = f"/customers/{customer_id}/orders"
    shown = path + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
    return app.get(path, params=params), shown


def first_difference(got: list, want: list) -> str:
    """A short, learner-readable account of how two order lists differ."""
    for k, (g, w) in enumerate(zip(got, want, strict=False)):
        if g != w:
            return f"order #{k + 1} is {g!r}, expected {w!r}"
    if len(got) != len(want):
        return f"{len(got)} orders came back, expected {len(want)}"
    return "the lists are equal"


def ids(orders: list) -> list:
    return [o.get("id") if isinstance(o, dict) else o for o in orders]


def orders_of(r, shown: str) -> list:
    assert r.status_code == 200, f"GET {shown} returned {describe(r)}; expected 200 with JSON"
    try:
        body = r.json()
    except ValueError:
        raise AssertionError(f"GET {shown} returned {describe(r)}; expected a JSON body") from None
    assert isinstance(body, dict) and isinstance(body.get("orders"), list), (
        f'GET {shown} returned {describe(r)}; expected a JSON object with an "orders" list'
    )
    return body["orders"]


# -- the data and the API ------------------------------------------------------------------------


def seed_fingerprint(shop: sqlite3.Connection) -> dict:
    row = shop.execute(
        "SELECT COUNT(*), SUM(id), SUM(customer_id), SUM(total_cents), MIN(created_at), "
        "MAX(created_at), SUM(customer_id <= 20) FROM orders"
    ).fetchone()
    keys = [k for k in SEED_FINGERPRINT if k not in STATUSES]
    found = dict(zip(keys, tuple(row), strict=True))
    counts = dict(shop.execute("SELECT status, COUNT(*) FROM orders GROUP BY status").fetchall())
    found.update({status: counts.get(status, 0) for status in STATUSES})
    return found


@pytest.mark.points(1)
def test_orders_table_still_holds_all_the_data(shop):
    """The orders table still holds the starter's 120,000 seeded rows, unchanged."""
    (count,) = shop.execute("SELECT COUNT(*) FROM orders").fetchone()
    assert count >= MIN_ROWS, (
        f"shop.db holds {count} orders; expected at least {MIN_ROWS:,}. The point of this "
        "exercise is to make the query fast on a big table: keep the seed data as it is "
        "(do not shrink N_ORDERS or delete rows) and add an index instead."
    )
    (customers,) = shop.execute("SELECT COUNT(DISTINCT customer_id) FROM orders").fetchone()
    assert customers >= 500, (
        f"The orders in shop.db belong to only {customers} distinct customers; the seed makes "
        "1,000. Keep the seed data as the starter generates it."
    )
    present = {row[0] for row in shop.execute("SELECT DISTINCT status FROM orders")}
    assert set(STATUSES) <= present, (
        f"shop.db has orders with statuses {sorted(present)}; expected all of {list(STATUSES)}. "
        "Keep the seed data as the starter generates it."
    )
    found = seed_fingerprint(shop)
    differs = [
        f"{k}: {found[k]!r}, expected {v!r}" for k, v in SEED_FINGERPRINT.items() if found[k] != v
    ]
    assert not differs, (
        "The orders in shop.db are not the starter's seed data ("
        + "; ".join(differs)
        + "). Keep _seed() and its parameters in db.py as they are; if you hand in a shop.db, "
        "hand in one the unchanged app built (or none: the app builds it at start-up)."
    )


@pytest.mark.points(3)
def test_orders_match_the_database(app, shop, cases):
    """Each customer/status returns the newest orders, exactly as the canonical query does."""
    assert cases["pairs"], "Found no (customer, status) pairs in shop.db to test with."
    for customer_id, status in cases["pairs"]:
        r, shown = get_orders(app, customer_id, status)
        got = orders_of(r, shown)
        want = expected_orders(shop, customer_id, status, 20)
        assert got == want, (
            f"GET {shown}: {first_difference(got, want)}. Expected the {len(want)} newest "
            f"orders of customer {customer_id} with status {status!r}, newest first, each an "
            f"object with the keys {list(COLUMNS)}: ids {ids(want)}; got ids {ids(got)}."
        )


@pytest.mark.points(1)
def test_limit_is_honoured(app, shop, cases):
    """limit defaults to 20, caps the number of orders, and all come back when there are fewer."""
    assert cases["big"], (
        "No customer in shop.db has more than 100 orders with one status; the seed makes "
        "wholesale customers (ids 1..20) that do. Keep the seed data as the starter generates it."
    )
    customer_id, status, n = cases["big"]
    for limit in (None, 1, 7, 100):
        r, shown = get_orders(app, customer_id, status, limit)
        got = orders_of(r, shown)
        want = expected_orders(shop, customer_id, status, 20 if limit is None else limit)
        expected_len = "20 (the default)" if limit is None else limit
        assert got == want, (
            f"GET {shown} returned {len(got)} orders; customer {customer_id} has {n} orders with "
            f"status {status!r}, so expected the newest {expected_len}, newest first. "
            "Found: "
            f"{first_difference(got, want)}."
        )
    if cases["small"]:
        customer_id, status, n = cases["small"]
        r, shown = get_orders(app, customer_id, status, 100)
        got = orders_of(r, shown)
        want = expected_orders(shop, customer_id, status, 100)
        assert got == want, (
            f"GET {shown} returned {len(got)} orders; customer {customer_id} has only {n} orders "
            f"with status {status!r}, so expected all {n} of them, newest first. Found: "
            f"{first_difference(got, want)}."
        )


@pytest.mark.points(1)
def test_bad_or_missing_status_is_400(app, cases):
    """A missing or unknown status is rejected with 400 and a JSON error."""
    customer_id = cases["pairs"][0][0] if cases["pairs"] else 1
    for status in (None, "", "refunded", "SHIPPED", "shipped' OR '1'='1"):
        r, shown = get_orders(app, customer_id, status)
        assert r.status_code == 400, (
            f"GET {shown} returned {describe(r)}; expected 400: status is required and must be "
            f"one of {list(STATUSES)} (lower case)."
        )
        try:
            body = r.json()
        except ValueError:
            body = None
        assert isinstance(body, dict) and "error" in body, (
            f'GET {shown} returned {describe(r)}; expected a JSON body like {{"error": "..."}}'
        )


@pytest.mark.points(1)
def test_bad_limit_is_400(app, cases):
    """A limit that is not an integer from 1 to 100 is rejected with 400 and a JSON error."""
    customer_id = cases["pairs"][0][0] if cases["pairs"] else 1
    for limit in ("0", "-1", "101", "1000000", "abc", "2.5", ""):
        r, shown = get_orders(app, customer_id, "shipped", limit)
        assert r.status_code == 400, (
            f"GET {shown} returned {describe(r)}; expected 400: limit must be an integer "
            "from 1 to 100 (default 20)."
        )
        try:
            body = r.json()
        except ValueError:
            body = None
        assert isinstance(body, dict) and "error" in body, (
            f'GET {shown} returned {describe(r)}; expected a JSON body like {{"error": "..."}}'
        )


@pytest.mark.points(1)
def test_unknown_customer_gets_an_empty_list(app, cases):
    """A customer with no orders gets 200 and an empty orders list (not 404, not 500)."""
    customer_id = cases["unknown_customer"]
    for status in ("shipped", "pending"):
        r, shown = get_orders(app, customer_id, status)
        try:
            body = r.json()
        except ValueError:
            body = None
        assert r.status_code == 200 and isinstance(body, dict) and body.get("orders") == [], (
            f"GET {shown} returned {describe(r)}; customer {customer_id} has no orders, so "
            'expected 200 with a JSON object whose "orders" is [] (the endpoint filters orders; '
            "it does not look customers up, so an unknown customer is not a 404)."
        )


@pytest.mark.points(1)
def test_debug_plan_shows_the_real_plan(app, shop):
    """GET /debug/plan answers the query and the plan SQLite really uses for it."""
    r = app.get("/debug/plan")
    try:
        body = r.json()
    except ValueError:
        body = None
    assert r.status_code == 200 and isinstance(body, dict), (
        f'GET /debug/plan returned {describe(r)}; expected 200 with {{"query": …, "plan": […]}}'
    )
    query = " ".join(CANONICAL_SQL.split())
    assert body.get("query") == query, (
        f"GET /debug/plan answered query={body.get('query')!r}; expected the endpoint's query, "
        f"on one line: {query!r}. Keep ORDERS_FOR_CUSTOMER_SQL and the route as they are."
    )
    want = [
        row["detail"]
        for row in shop.execute("EXPLAIN QUERY PLAN " + CANONICAL_SQL, (42, "shipped", 20))
    ]
    assert body.get("plan") == want, (
        f"GET /debug/plan answered plan={body.get('plan')!r}; SQLite's EXPLAIN QUERY PLAN of the "
        f"query for customer 42, status 'shipped' says {want!r}. Keep query_plan() in db.py as "
        "it is: it is how you see what your index changes."
    )


# -- the index -----------------------------------------------------------------------------------


@pytest.mark.points(2)
def test_query_searches_an_index_instead_of_scanning(shop, cases):
    """EXPLAIN QUERY PLAN shows SEARCH orders USING INDEX … (customer_id=?), not SCAN orders."""
    for label, lines in plans(shop, cases).items():
        scans = [line for line in lines if _SCAN.search(line)]
        matches = [m for m in map(_SEARCH.search, lines) if m]
        constraints = (matches[0].group(4) or "") if matches else ""
        if scans or not matches:
            advice = (
                'Expected "SEARCH orders USING INDEX …": "SCAN orders" means SQLite reads every '
                "row of the table (or every entry of an index) on each request. Add, in "
                "init_db(), an index whose FIRST column is one the WHERE clause compares with `=`."
            )
        else:
            advice = (
                "SQLite searches an index, but not by customer: status has only 5 distinct "
                "values, so an index that starts with status alone still reads a large part of "
                "the table. The selective filter here is customer_id=?; the index SQLite uses "
                "must let it jump to one customer's orders."
            )
        assert not scans and "customer_id=?" in constraints, (
            f"EXPLAIN QUERY PLAN of the orders query ({label}) says: {show_plan(lines)}. "
            f"{advice} Indexes on orders now: {show_indexes(indexes_on_orders(shop))}."
        )


@pytest.mark.points(1)
def test_index_narrows_to_customer_and_status(shop, cases):
    """The index lookup uses both equality filters: customer_id=? AND status=?."""
    for label, lines in plans(shop, cases).items():
        matches = [m for m in map(_SEARCH.search, lines) if m]
        constraints = (matches[0].group(4) or "") if matches else ""
        assert "customer_id=?" in constraints and "status=?" in constraints, (
            f"EXPLAIN QUERY PLAN of the orders query ({label}) says: {show_plan(lines)}. "
            'Expected SQLite to SEARCH the index with "(customer_id=? AND status=?)": the index '
            "should start with both columns the WHERE clause compares with `=`, so SQLite jumps "
            "straight to this customer's orders with this status instead of reading all of the "
            f"customer's orders. Indexes on orders now: {show_indexes(indexes_on_orders(shop))}."
        )


@pytest.mark.points(2)
def test_rows_come_out_of_the_index_already_sorted(shop, cases):
    """No USE TEMP B-TREE FOR ORDER BY: the index delivers rows in created_at order."""
    for label, lines in plans(shop, cases).items():
        searches = [line for line in lines if _SEARCH.search(line)]
        sorts = [line for line in lines if _TEMP_SORT.search(line)]
        assert searches and not sorts, (
            f"EXPLAIN QUERY PLAN of the orders query ({label}) says: {show_plan(lines)}. "
            + (
                "SQLite does not SEARCH an index for this query yet (see the test about SCAN "
                "orders); fix that first. "
                if not searches
                else ""
            )
            + (
                '"USE TEMP B-TREE FOR ORDER BY" means SQLite collects every matching row and sorts '
                "them on each request before it can apply LIMIT. If the index continues, right "
                "after the columns compared with `=`, with the ORDER BY column, its entries are "
                "already in that order: SQLite reads the newest LIMIT of them and stops. "
                if sorts
                else ""
            )
            + f"Indexes on orders now: {show_indexes(indexes_on_orders(shop))}."
        )


@pytest.mark.points(2)
def test_index_columns_are_in_a_usable_order(shop):
    """shop.db has an index on orders whose columns are (customer_id, status) then created_at."""
    assert_full_table(shop)
    indexes = indexes_on_orders(shop)
    good = [
        i
        for i in indexes
        if not i["partial"]
        and len(i["columns"]) >= 3
        and set(i["columns"][:2]) == {"customer_id", "status"}
        and i["columns"][2] == "created_at"
    ]
    assert good, (
        f"PRAGMA index_info on the indexes of `orders` in shop.db shows: {show_indexes(indexes)}. "
        "Expected one (non-partial) index whose first two columns are customer_id and status "
        "(in either order: both are compared with `=`) and whose third column is created_at "
        "(the ORDER BY column). Column order matters: an index is sorted by its first column, "
        "then the second, and so on, so SQLite can only use a leading part of it. Create it in "
        "init_db() with CREATE INDEX IF NOT EXISTS, and keep the table and its data as they are."
    )
