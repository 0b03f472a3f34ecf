"""Webhook receiver written as a small class: timestamp first, then every v1 checked."""

import hashlib
import hmac
import json
import os
import threading
import time

from flask import Flask, jsonify, request


class Receiver:
    def __init__(self, secret, tolerance=300):
        self.secret = secret.encode("utf-8")
        self.tolerance = tolerance
        self.seen = {}  # event id -> when it was applied
        self.guard = threading.RLock()

    def header_parts(self, value):
        fields = {}
        for item in value.split(","):
            if "=" not in item:
                continue
            k, v = item.split("=", 1)
            fields.setdefault(k.strip(), []).append(v.strip())
        stamps = fields.get("t", [])
        if len(stamps) != 1 or not stamps[0].isascii() or not stamps[0].isdigit():
            return None
        if not fields.get("v1"):
            return None
        return int(stamps[0]), fields["v1"]

    def genuine(self, stamp, candidates, raw):
        mac = hmac.new(self.secret, digestmod=hashlib.sha256)
        mac.update(str(stamp).encode("ascii"))
        mac.update(b".")
        mac.update(raw)
        wanted = mac.hexdigest().encode()
        ok = False
        for candidate in candidates:  # no early exit: every candidate is compared
            ok |= secrets_equal(wanted, candidate.encode("utf-8", "replace"))
        return ok

    def forget_old(self, now):
        for event_id, at in list(self.seen.items()):
            if now - at > 2 * self.tolerance:
                del self.seen[event_id]


def secrets_equal(a, b):
    return hmac.compare_digest(a, b)


app = Flask(__name__)
receiver = Receiver(os.environ["WEBHOOK_SECRET"])
accounts = {}


def no(status, why):
    return jsonify({"error": why}), status


def check_event(ev):
    if type(ev) is not dict or type(ev.get("id")) is not str or ev["id"] == "":
        return False
    if type(ev.get("type")) is not str:
        return False
    if ev["type"].startswith("payment.") and ev["type"] in {"payment.succeeded", "payment.refunded"}:
        d = ev.get("data")
        return (
            type(d) is dict
            and type(d.get("account")) is str
            and type(d.get("amount")) is int
            and d["amount"] > 0
        )
    return True


@app.route("/webhooks", methods=["POST"])
def webhooks():
    sig = request.headers.get("Webhook-Signature")
    parts = receiver.header_parts(sig) if sig else None
    if not parts:
        return no(400, "bad or missing Webhook-Signature")
    stamp, candidates = parts
    now = time.time()
    if stamp < now - receiver.tolerance or stamp > now + receiver.tolerance:
        return no(401, "timestamp outside the tolerance")
    raw = request.get_data(cache=True)
    if not receiver.genuine(stamp, candidates, raw):
        return no(401, "bad signature")
    try:
        ev = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return no(400, "not JSON")
    if not check_event(ev):
        return no(400, "not a valid event")
    with receiver.guard:
        receiver.forget_old(now)
        if ev["id"] in receiver.seen:
            return jsonify({"status": "duplicate"})
        receiver.seen[ev["id"]] = now
        if ev["type"] == "payment.succeeded":
            sign = 1
        elif ev["type"] == "payment.refunded":
            sign = -1
        else:
            return jsonify({"status": "ignored"})
        acct = ev["data"]["account"]
        accounts[acct] = accounts.get(acct, 0) + sign * ev["data"]["amount"]
    return jsonify({"status": "processed"})


@app.route("/accounts/<name>")
def show(name):
    return jsonify({"account": name, "balance": accounts.get(name, 0)})
