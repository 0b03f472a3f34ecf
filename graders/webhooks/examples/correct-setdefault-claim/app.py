"""Webhook receiver: the id is claimed with dict.setdefault (one atomic step in CPython), the
balances have their own lock, and the signature check is a helper that raises."""

import hashlib
import hmac
import json
import os
import secrets
import threading
import time

from flask import Flask, jsonify, request

KEY = os.environ["WEBHOOK_SECRET"].encode()

app = Flask(__name__)
claims = {}
ledger = {}
ledger_lock = threading.Lock()


class Refused(Exception):
    def __init__(self, status, text):
        super().__init__(text)
        self.status = status


@app.errorhandler(Refused)
def refused(exc):
    return jsonify(error=str(exc)), exc.status


def verify(header, body):
    pairs = [p.split("=", 1) for p in header.split(",") if "=" in p]
    ts = [v for k, v in pairs if k == "t"]
    sigs = [v for k, v in pairs if k == "v1"]
    if not ts or not sigs or not all(c in "0123456789" for c in ts[0]) or not ts[0]:
        raise Refused(400, "malformed Webhook-Signature")
    ts = int(ts[0])
    digest = hmac.digest(KEY, b"%d." % ts + body, "sha256").hex()
    if not any(secrets.compare_digest(digest.encode(), s.encode()) for s in sigs):
        raise Refused(401, "signature mismatch")
    if abs(int(time.time()) - ts) > 300:
        raise Refused(401, "stale")


def parse(body):
    try:
        event = json.loads(body)
    except ValueError:
        raise Refused(400, "invalid JSON") from None
    if not isinstance(event, dict) or not event.get("id") or not isinstance(event["id"], str):
        raise Refused(400, "id")
    if not isinstance(event.get("type"), str):
        raise Refused(400, "type")
    if event["type"] in ("payment.succeeded", "payment.refunded"):
        data = event.get("data")
        if not isinstance(data, dict) or not isinstance(data.get("account"), str):
            raise Refused(400, "data.account")
        amount = data.get("amount")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise Refused(400, "data.amount")
    return event


@app.post("/webhooks")
def hook():
    body = request.get_data()
    verify(request.headers.get("Webhook-Signature", ""), body)
    event = parse(body)
    mine = object()
    if claims.setdefault(event["id"], mine) is not mine:
        return {"status": "duplicate"}
    delta = {"payment.succeeded": 1, "payment.refunded": -1}.get(event["type"])
    if delta is None:
        return {"status": "ignored"}
    with ledger_lock:
        acct = event["data"]["account"]
        ledger[acct] = ledger.get(acct, 0) + delta * event["data"]["amount"]
    return {"status": "processed"}


@app.get("/accounts/<acct>")
def balance(acct):
    with ledger_lock:
        return {"account": acct, "balance": ledger.get(acct, 0)}
