"""Idempotency with two Redis keys per request (a claim, then the answer); in-flight duplicates get 409."""

import hashlib
import json
import os

import redis
import requests
from flask import Flask, Response, request

app = Flask(__name__)
db = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
PAY = os.environ["UPSTREAM_URL"].rstrip("/") + "/charges"
DAY = 86400


def problem(status, text):
    return Response(json.dumps({"error": text}), status, mimetype="application/json")


@app.route("/charges", methods=["POST"])
def charges():
    k = request.headers.get("Idempotency-Key")
    if not k:
        return problem(400, "Idempotency-Key header required")
    data = request.get_json(silent=True)
    if (not isinstance(data, dict) or type(data.get("amount")) is not int or data["amount"] <= 0
            or not isinstance(data.get("currency"), str) or len(data["currency"]) != 3
            or not data["currency"].isalpha()):
        return problem(400, "need amount (cents > 0) and a 3-letter currency")
    digest = hashlib.md5(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()

    claim, saved = f"idem:{k}:claim", f"idem:{k}:answer"
    if not db.set(claim, digest, nx=True, ex=DAY):
        if db.get(claim) != digest:
            return problem(422, "Idempotency-Key reused with another body")
        answer = db.get(saved)
        if answer is None:
            return problem(409, "the first request with this key is still running")
        stored = json.loads(answer)
        return Response(stored["text"], stored["status"], mimetype="application/json",
                        headers={"Idempotent-Replayed": "true"})
    try:
        up = requests.post(PAY, json=data, timeout=3)
    except requests.RequestException:
        up = None
    if up is None or up.status_code >= 400:
        db.delete(claim)
        return problem(502, "payment provider error")
    text = json.dumps({"id": up.json()["id"], "amount": data["amount"], "currency": data["currency"]})
    db.set(saved, json.dumps({"status": 201, "text": text}), ex=db.ttl(claim))
    return Response(text, 201, mimetype="application/json", headers={"Idempotent-Replayed": "false"})
