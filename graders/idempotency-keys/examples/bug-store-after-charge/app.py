"""A payments API whose POST /charges is safe to retry, thanks to Idempotency-Key records in Redis."""

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
KEEP_S = 24 * 3600  # how long a key is remembered
WAIT_S = 4  # how long a duplicate waits for the first request to finish


def error(status, message):
    return jsonify(error=message), status


def fingerprint(body):
    """The same JSON object, whatever the order of its fields, gives the same fingerprint."""
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def invalid(body):
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    amount, currency = body.get("amount"), body.get("currency")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
        return '"amount" must be a whole number of cents, at least 1'
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
        return '"currency" must be a three-letter code such as "eur"'
    return None


def replay(record):
    response = jsonify(record["body"])
    response.status_code = record["status"]
    response.headers["Idempotent-Replayed"] = "true"
    return response


@app.post("/charges")
def create_charge():
    idem_key = request.headers.get("Idempotency-Key", "").strip()
    if not idem_key or len(idem_key) > 255:
        return error(400, "send a unique Idempotency-Key header (1 to 255 characters)")
    body = request.get_json(silent=True)
    problem = invalid(body)
    if problem:
        return error(400, problem)

    key, fp = f"idempotency:{idem_key}", fingerprint(body)
    deadline = time.monotonic() + WAIT_S
    # SET NX claims the key atomically: of N concurrent duplicates exactly one wins and charges.
    while (raw := store.get(key)) is not None:
        record = json.loads(raw)
        if record["fingerprint"] != fp:
            return error(422, "this Idempotency-Key was already used with a different body")
        if record["state"] == "done":
            return replay(record)
        if time.monotonic() > deadline:
            return error(409, "a request with this Idempotency-Key is still in progress; retry")
        time.sleep(0.05)

    try:
        charged = requests.post(f"{PROVIDER}/charges", json=body, timeout=3)
        charged.raise_for_status()
    except requests.RequestException:
        store.delete(key)  # nothing was charged for sure: a retry must be allowed to try again
        return error(502, "the payment provider failed; retry with the same Idempotency-Key")

    provider = charged.json()
    charge = {"id": provider["id"], "amount": body["amount"], "currency": body["currency"]}
    record = {"fingerprint": fp, "state": "done", "status": 201, "body": charge}
    store.set(key, json.dumps(record), ex=KEEP_S)
    return jsonify(charge), 201
