"""The database refuses an overdraft itself (CHECK); the two UPDATEs run in id order."""

import os
from pathlib import Path

import psycopg
from flask import Flask, abort, jsonify, make_response, request
from psycopg.errors import CheckViolation

app = Flask(__name__)
DSN = os.environ["DATABASE_URL"]

with psycopg.connect(DSN) as conn:
    conn.execute(Path(__file__).with_name("schema.sql").read_text())


def fail(status, message):
    abort(make_response(jsonify({"error": message}), status))


def integer(body, key):
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        fail(400, f"{key} must be an integer")
    return value


@app.post("/accounts")
def new_account():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        fail(400, "expected a JSON object")
    balance = integer(body, "balance_cents")
    if balance < 0:
        fail(400, "balance_cents must not be negative")
    with psycopg.connect(DSN) as conn:
        (new_id,) = conn.execute(
            "INSERT INTO accounts (balance_cents) VALUES (%s) RETURNING id", (balance,)
        ).fetchone()
    return {"id": new_id, "balance_cents": balance}, 201


@app.get("/accounts/<int:account_id>")
def get_account(account_id):
    with psycopg.connect(DSN) as conn:
        found = conn.execute(
            "SELECT balance_cents FROM accounts WHERE id = %s", (account_id,)
        ).fetchone()
    if found is None:
        fail(404, "account not found")
    return {"id": account_id, "balance_cents": found[0]}


@app.post("/transfers")
def post_transfer():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        fail(400, "expected a JSON object")
    src, dst, amount = integer(body, "from"), integer(body, "to"), integer(body, "amount_cents")
    if amount <= 0:
        fail(400, "amount_cents must be positive")
    if src == dst:
        fail(400, "from and to must differ")
    deltas = {src: -amount, dst: amount}
    conn = psycopg.connect(DSN)
    try:
        # Row locks taken by the UPDATEs themselves, always the smaller id first.
        for account_id in sorted(deltas):
            cur = conn.execute(
                "UPDATE accounts SET balance_cents = balance_cents + %s WHERE id = %s",
                (deltas[account_id], account_id),
            )
            if cur.rowcount == 0:
                conn.rollback()
                fail(404, "account not found")
        conn.commit()
    except CheckViolation:
        conn.rollback()
        fail(409, "insufficient funds")
    except Exception:
        conn.rollback()
        raise
    finally:
        conn.close()
    return {"from": src, "to": dst, "amount_cents": amount}
