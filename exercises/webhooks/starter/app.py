"""A payments ledger fed by webhook events from the payment provider.

Right now it believes every POST /webhooks it receives: anyone who finds the URL can credit an
account, and a delivery the provider retries is applied again. Fix that (see the README).
"""

import json
import os
import threading

from flask import Flask, jsonify, request

app = Flask(__name__)
SECRET = os.environ.get("WEBHOOK_SECRET", "")  # TODO: the key the signatures are made with

balances = {}  # account -> balance in cents
lock = threading.Lock()


def refuse(status, message):
    return jsonify(error=message), status


def invalid(event):
    if not isinstance(event, dict):
        return "the event must be a JSON object"
    if not (isinstance(event.get("id"), str) and event["id"]):
        return 'the event needs an "id" (a non-empty string)'
    if not isinstance(event.get("type"), str):
        return 'the event needs a "type" (a string)'
    if event["type"] in ("payment.succeeded", "payment.refunded"):
        data = event.get("data")
        if not isinstance(data, dict) or not isinstance(data.get("account"), str):
            return '"data" must be an object with an "account" (a string)'
        amount = data.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
            return '"data.amount" must be a whole number of cents, at least 1'
    return None


@app.post("/webhooks")
def receive():
    # TODO: parse Webhook-Signature (t=...,v1=...): missing or malformed -> 400
    # TODO: HMAC-SHA256 of f"{t}." + the exact body bytes, compared in constant time -> else 401
    # TODO: refuse a t more than 300 seconds from now -> 401
    try:
        event = json.loads(request.get_data())
    except ValueError:
        return refuse(400, "the body is not JSON")
    problem = invalid(event)
    if problem:
        return refuse(400, problem)

    # TODO: an event id seen before answers {"status": "duplicate"} and is not applied again,
    # even when two deliveries of it arrive at the same moment
    with lock:
        data = event.get("data") or {}
        if event["type"] == "payment.succeeded":
            balances[data["account"]] = balances.get(data["account"], 0) + data["amount"]
        elif event["type"] == "payment.refunded":
            balances[data["account"]] = balances.get(data["account"], 0) - data["amount"]
        else:
            return jsonify(status="ignored"), 200
    return jsonify(status="processed"), 200


@app.get("/accounts/<account>")
def account(account):
    with lock:
        return jsonify(account=account, balance=balances.get(account, 0))
