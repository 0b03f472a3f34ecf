"""A payments API: POST /charges charges a card at the payment provider. Make it safe to retry.

The provider is at UPSTREAM_URL, Redis at REDIS_URL. README.md has the exact contract.
"""

import os

import redis
import requests
from flask import Flask, jsonify, request

app = Flask(__name__)
store = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
PROVIDER = os.environ["UPSTREAM_URL"]


def invalid(body):
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    amount, currency = body.get("amount"), body.get("currency")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
        return '"amount" must be a whole number of cents, at least 1'
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
        return '"currency" must be a three-letter code such as "eur"'
    return None


@app.post("/charges")
def create_charge():
    # TODO 1: require an Idempotency-Key header (400 without one).
    body = request.get_json(silent=True)
    problem = invalid(body)
    if problem:
        return jsonify(error=problem), 400

    # TODO 2: before charging, look the key up in Redis. Seen with the same body: answer the
    # stored status and body again, with Idempotent-Replayed: true, and do NOT charge. Seen with
    # a different body: 422. Claim the key atomically (SET NX) so that concurrent duplicates
    # charge once. Remember keys for 24 hours.
    # TODO 3: when the provider fails, answer 502 and forget the key, so a retry may charge.
    charged = requests.post(f"{PROVIDER}/charges", json=body, timeout=3)
    charged.raise_for_status()
    charge = {"id": charged.json()["id"], "amount": body["amount"], "currency": body["currency"]}
    return jsonify(charge), 201
