"""Bank accounts on PostgreSQL. Transfers work one at a time; under load, or when the database
fails half-way, they lose or invent money."""

import os
from pathlib import Path

import psycopg
from flask import Flask, request

app = Flask(__name__)
DATABASE_URL = os.environ["DATABASE_URL"]


def connect() -> psycopg.Connection:
    # autocommit: every statement is committed on its own, the moment it runs.
    return psycopg.connect(DATABASE_URL, autocommit=True)


with connect() as conn:  # at import time: the grader imports the app, then serves it
    conn.execute(Path(__file__).with_name("schema.sql").read_text(encoding="utf-8"))


def error(status: int, message: str):
    return {"error": message}, status


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@app.post("/accounts")
def open_account():
    body = request.get_json(silent=True)
    balance = body.get("balance_cents") if isinstance(body, dict) else None
    if not is_int(balance) or balance < 0:
        return error(400, "balance_cents must be an integer >= 0")
    with connect() as conn:
        (account_id,) = conn.execute(
            "INSERT INTO accounts (balance_cents) VALUES (%s) RETURNING id", (balance,)
        ).fetchone()
    return {"id": account_id, "balance_cents": balance}, 201


@app.get("/accounts/<int:account_id>")
def show_account(account_id: int):
    with connect() as conn:
        row = conn.execute(
            "SELECT balance_cents FROM accounts WHERE id = %s", (account_id,)
        ).fetchone()
    if row is None:
        return error(404, "no such account")
    return {"id": account_id, "balance_cents": row[0]}


@app.post("/transfers")
def transfer():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error(400, "send a JSON object")
    source, target, amount = body.get("from"), body.get("to"), body.get("amount_cents")
    if not (is_int(source) and is_int(target) and is_int(amount)):
        return error(400, "from, to and amount_cents must be integers")
    if amount <= 0 or source == target:
        return error(400, "amount_cents must be > 0, between two different accounts")
    if not all(-(2**63) <= i < 2**63 for i in (source, target)):
        return error(404, "no such account")
    # One transaction (no autocommit): committed when the block ends, rolled back if it raises.
    with psycopg.connect(DATABASE_URL) as conn:
        # Lock both rows, always in id order, so opposite transfers queue instead of deadlocking.
        rows = conn.execute(
            "SELECT id, balance_cents FROM accounts WHERE id = ANY(%s::bigint[])"
            " ORDER BY id FOR UPDATE",
            ([source, target],),
        ).fetchall()
        balances = dict(rows)
        if source not in balances or target not in balances:
            return error(404, "no such account")
        if balances[source] < amount:
            return error(409, "insufficient funds")
        conn.execute(
            "UPDATE accounts SET balance_cents = balance_cents - %s WHERE id = %s", (amount, source)
        )
        conn.execute(
            "UPDATE accounts SET balance_cents = balance_cents + %s WHERE id = %s", (amount, target)
        )
    return {"from": source, "to": target, "amount_cents": amount}
