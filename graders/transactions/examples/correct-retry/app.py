"""Conditional UPDATEs in one transaction, in request order; a deadlock is retried."""

import os
import random
import time
from pathlib import Path

import psycopg
from flask import Flask, jsonify, request
from psycopg import errors

app = Flask(__name__)
URL = os.environ["DATABASE_URL"]

with psycopg.connect(URL, autocommit=True) as c:
    c.execute(Path(__file__).with_name("schema.sql").read_text())


class Refused(Exception):
    def __init__(self, status, message):
        self.status, self.message = status, message


def whole(v):
    return type(v) is int


@app.route("/accounts", methods=["POST"])
def create():
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not whole(data.get("balance_cents")) or data["balance_cents"] < 0:
        return jsonify(error="balance_cents: a whole number of cents, not negative"), 400
    with psycopg.connect(URL) as conn:
        row = conn.execute(
            "INSERT INTO accounts (balance_cents) VALUES (%s) RETURNING id, balance_cents",
            (data["balance_cents"],),
        ).fetchone()
    return jsonify(id=row[0], balance_cents=row[1]), 201


@app.route("/accounts/<int:n>")
def show(n):
    with psycopg.connect(URL) as conn:
        row = conn.execute("SELECT id, balance_cents FROM accounts WHERE id = %s", (n,)).fetchone()
    if not row:
        return jsonify(error="unknown account"), 404
    return jsonify(id=row[0], balance_cents=row[1])


def move(conn, src, dst, amount):
    with conn.transaction():
        debited = conn.execute(
            "UPDATE accounts SET balance_cents = balance_cents - %s"
            " WHERE id = %s AND balance_cents >= %s RETURNING id",
            (amount, src, amount),
        ).fetchone()
        if debited is None:
            exists = conn.execute("SELECT 1 FROM accounts WHERE id = %s", (src,)).fetchone()
            raise Refused(409, "insufficient funds") if exists else Refused(404, "unknown account")
        credited = conn.execute(
            "UPDATE accounts SET balance_cents = balance_cents + %s WHERE id = %s RETURNING id",
            (amount, dst),
        ).fetchone()
        if credited is None:
            raise Refused(404, "unknown account")  # raising inside transaction(): rolled back


@app.route("/transfers", methods=["POST"])
def transfers():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify(error="expected a JSON object"), 400
    src, dst, amount = data.get("from"), data.get("to"), data.get("amount_cents")
    if not all(whole(v) for v in (src, dst, amount)) or amount < 1 or src == dst:
        return jsonify(error="from, to: two different account ids; amount_cents > 0"), 400
    with psycopg.connect(URL, autocommit=True) as conn:
        for attempt in range(20):
            try:
                move(conn, src, dst, amount)
                break
            except (errors.DeadlockDetected, errors.SerializationFailure):
                time.sleep(random.uniform(0, 0.02 * (attempt + 1)))  # then try again
            except Refused as refused:
                return jsonify(error=refused.message), refused.status
        else:
            return jsonify(error="too busy, try again"), 503
    return jsonify({"from": src, "to": dst, "amount_cents": amount})
