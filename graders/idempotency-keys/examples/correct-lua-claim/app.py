"""Idempotency with a Lua script that claims or returns the record in one step; duplicates wait."""

import hashlib
import json
import os
import time

import redis
import requests
from flask import Flask, jsonify, request

app = Flask(__name__)
r = redis.from_url(os.environ["REDIS_URL"])

CLAIM = r.register_script(
    """
    local found = redis.call('GET', KEYS[1])
    if found then return found end
    redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
    return false
    """
)


def validate(body):
    ok = (
        isinstance(body, dict)
        and isinstance(body.get("amount"), int)
        and not isinstance(body.get("amount"), bool)
        and body["amount"] >= 1
        and isinstance(body.get("currency"), str)
        and len(body["currency"]) == 3
        and body["currency"].isalpha()
    )
    return ok


@app.post("/charges")
def charge():
    idem = request.headers.get("Idempotency-Key", "")
    if not 1 <= len(idem) <= 255:
        return jsonify(error="missing Idempotency-Key"), 400
    body = request.get_json(silent=True)
    if not validate(body):
        return jsonify(error="bad charge"), 400
    fp = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    key = f"charge-request:{idem}"
    mine = json.dumps({"fp": fp})

    for _ in range(80):
        found = CLAIM(keys=[key], args=[mine, 86400])
        if found is None:
            break
        record = json.loads(found)
        if record["fp"] != fp:
            return jsonify(error="key already used for a different charge"), 422
        if "status" in record:
            return jsonify(record["body"]), record["status"], {"Idempotent-Replayed": "true"}
        time.sleep(0.05)
    else:
        return jsonify(error="still in progress"), 409

    try:
        paid = requests.post(os.environ["UPSTREAM_URL"] + "/charges", json=body, timeout=3)
        if paid.status_code >= 400:
            raise requests.HTTPError(paid.status_code)
    except requests.RequestException:
        r.delete(key)
        return jsonify(error="provider unavailable"), 502
    out = {"id": paid.json()["id"], "amount": body["amount"], "currency": body["currency"]}
    r.set(key, json.dumps({"fp": fp, "status": 201, "body": out}), keepttl=True)
    return jsonify(out), 201
