"""A payments ledger fed by signed webhook events: each one verified, fresh, and applied once."""

import hashlib
import hmac
import json
import os
import re
import threading
import time

from flask import Flask, jsonify, request

app = Flask(__name__)
SECRET = os.environ["WEBHOOK_SECRET"].encode()  # shared with the sender; never in the source
TOLERANCE_S = 300  # a delivery signed more than 5 minutes from now is refused

balances = {}  # account -> balance in cents
processed = set()  # event ids already applied
lock = threading.Lock()  # the check "seen?" and the update happen as one step


def refuse(status, message):
    return jsonify(error=message), status


def parse_signature(header):
    """'t=1733097600,v1=5257…,v1=…' -> (1733097600, ['5257…', …]); None when malformed."""
    timestamp, signatures = None, []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            if not re.fullmatch(r"[0-9]{1,12}", value):
                return None
            timestamp = int(value)
        elif name == "v1":
            signatures.append(value)
        # other schemes (v0=…) are ignored: a sender may add new ones
    if timestamp is None or not signatures:
        return None
    return timestamp, signatures


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
    timestamp, signatures = parsed
    # The exact bytes received: parsing and re-serialising the JSON would sign something else.
    body = request.get_data()
    signed = f"{timestamp}.".encode() + body
    expected = hmac.new(SECRET, signed, hashlib.sha256).hexdigest().encode()
    # compare_digest takes as long whatever the guess: == would leak how many characters match.
    # Bytes, not str: a header with non-ASCII characters must be a 401, not a TypeError.
    if not any(hmac.compare_digest(expected, s.encode()) for s in signatures):
        return refuse(401, "the signature does not match")
    # The timestamp is signed too, so an old delivery cannot be made fresh by editing t=.
    if abs(time.time() - timestamp) > TOLERANCE_S:
        return refuse(401, "the delivery is older (or newer) than 5 minutes: a replay?")

    try:
        event = json.loads(body)
    except ValueError:
        return refuse(400, "the body is not JSON")
    problem = invalid(event)
    if problem:
        return refuse(400, problem)

    with lock:
        if event["id"] in processed:
            return jsonify(status="duplicate"), 200  # acknowledged, so the sender stops retrying
        processed.add(event["id"])
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
