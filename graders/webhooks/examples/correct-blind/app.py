"""A payments ledger fed by webhook events from the payment provider.

Right now it believes every POST /webhooks it receives: anyone who finds the URL can credit an
account, and a delivery the provider retries is applied again. Fix that (see the README).
"""

import hashlib
import hmac
import json
import os
import re
import threading
import time

from flask import Flask, jsonify, request

app = Flask(__name__)
SECRET = os.environ["WEBHOOK_SECRET"].encode("utf-8")
TOLERANCE_S = 300

balances = {}  # account -> balance in cents
applied = set()  # ids of the events applied (kept for the process's life)
lock = threading.Lock()


def parse_signature(header):
    """Webhook-Signature: t=<digits>,v1=<hex>[,v1=...][,other=...] -> (t, [v1...]) or None."""
    t, signatures = None, []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            continue
        name, value = name.strip(), value.strip()
        if name == "t" and t is None:
            t = value
        elif name == "v1":
            signatures.append(value)
    if t is None or not re.fullmatch(r"[0-9]+", t) or not signatures:
        return None
    return int(t), signatures


def signed_by_us(t, signatures, body):
    expected = hmac.new(SECRET, f"{t}.".encode() + body, hashlib.sha256).hexdigest().encode()
    found = False
    for candidate in signatures:  # check them all: no early exit that times the right one
        if hmac.compare_digest(expected, candidate.encode("utf-8", "replace")):
            found = True
    return found


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
    parsed = parse_signature(request.headers.get("Webhook-Signature", ""))
    if parsed is None:
        return refuse(400, "send Webhook-Signature: t=<unix time>,v1=<hex HMAC-SHA256>")
    t, signatures = parsed
    body = request.get_data()
    if not signed_by_us(t, signatures, body):
        return refuse(401, "the signature does not match")
    if abs(time.time() - t) > TOLERANCE_S:
        return refuse(401, "the delivery was signed more than 5 minutes from now: a replay?")
    try:
        event = json.loads(body)
    except ValueError:
        return refuse(400, "the body is not JSON")
    problem = invalid(event)
    if problem:
        return refuse(400, problem)

    with lock:  # the check and the record of the id are one step
        if event["id"] in applied:
            return jsonify(status="duplicate"), 200
        data = event.get("data") or {}
        if event["type"] == "payment.succeeded":
            balances[data["account"]] = balances.get(data["account"], 0) + data["amount"]
        elif event["type"] == "payment.refunded":
            balances[data["account"]] = balances.get(data["account"], 0) - data["amount"]
        else:
            return jsonify(status="ignored"), 200
        applied.add(event["id"])
    return jsonify(status="processed"), 200


@app.get("/accounts/<account>")
def account(account):
    with lock:
        return jsonify(account=account, balance=balances.get(account, 0))
