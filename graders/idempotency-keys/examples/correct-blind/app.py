"""A payments API whose POST /charges is idempotent under an Idempotency-Key kept in Redis."""

import hashlib
import json
import os
import time

import redis
import requests
from flask import Flask, jsonify, request

app = Flask(__name__)
store = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
PROVIDER = os.environ["UPSTREAM_URL"]
KEEP_S = 24 * 3600
WAIT_S = 4.0


def invalid(body):
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    amount, currency = body.get("amount"), body.get("currency")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
        return '"amount" must be a whole number of cents, at least 1'
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
        return '"currency" must be a three-letter code such as "eur"'
    return None


def fingerprint(body):
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def replay(record):
    response = jsonify(record["body"])
    response.status_code = record["status"]
    response.headers["Idempotent-Replayed"] = "true"
    return response


@app.post("/charges")
def create_charge():
    idem = request.headers.get("Idempotency-Key", "")
    if not idem or len(idem) > 255:
        return jsonify(error="send an Idempotency-Key header of 1..255 characters"), 400
    body = request.get_json(silent=True)
    problem = invalid(body)
    if problem:
        return jsonify(error=problem), 400

    key = f"idempotency:{idem}"
    fp = fingerprint(body)
    running = json.dumps({"fingerprint": fp, "state": "running"})
    deadline = time.monotonic() + WAIT_S
    while not store.set(key, running, nx=True, ex=KEEP_S):
        raw = store.get(key)
        if raw is None:
            continue  # released or expired between our SET and GET: try to claim again
        record = json.loads(raw)
        if record["fingerprint"] != fp:
            return jsonify(error="this Idempotency-Key was used with a different request body"), 422
        if record["state"] == "done":
            return replay(record)
        if time.monotonic() > deadline:
            return jsonify(error="a request with this Idempotency-Key is in progress; retry later"), 409
        time.sleep(0.05)

    try:
        charged = requests.post(
            f"{PROVIDER}/charges",
            json={"amount": body["amount"], "currency": body["currency"]},
            timeout=3,
        )
        ok = charged.status_code < 400
        charge_id = charged.json()["id"] if ok else None
    except (requests.RequestException, ValueError, KeyError, TypeError):
        ok = False
    if not ok:
        store.delete(key)
        return jsonify(error="the payment provider failed; nothing was charged, retry later"), 502

    charge = {"id": charge_id, "amount": body["amount"], "currency": body["currency"]}
    done = {"fingerprint": fp, "state": "done", "status": 201, "body": charge}
    store.set(key, json.dumps(done), ex=KEEP_S)
    return jsonify(charge), 201
