"""Split tokens "<id>.<secret>": the id finds the record, the secret's sha256 is compared in
constant time; expiry with datetime."""

import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta, timezone

from flask import Flask, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)
accounts = {}
logins = {}
pending = {}  # id -> (email, sha256 of secret, expires)
LIFETIME = timedelta(minutes=30)


def now():
    return datetime.now(timezone.utc)


def json_fields(*names):
    data = request.get_json(silent=True)
    if isinstance(data, dict) and all(isinstance(data.get(n), str) and data.get(n) for n in names):
        return tuple(data[n] for n in names)
    return None


@app.post("/register")
def register():
    got = json_fields("email", "password")
    if got is None:
        return jsonify(error="missing"), 400
    if got[0] in accounts:
        return jsonify(error="exists"), 409
    accounts[got[0]] = generate_password_hash(got[1])
    return jsonify(email=got[0]), 201


@app.post("/login")
def login():
    got = json_fields("email", "password")
    if got is None or got[0] not in accounts or not check_password_hash(accounts[got[0]], got[1]):
        return jsonify(error="invalid email or password"), 401
    token = secrets.token_urlsafe(24)
    logins[token] = got[0]
    return jsonify(token=token)


@app.get("/me")
def me():
    token = request.headers.get("Authorization", "").partition("Bearer ")[2]
    if token in logins:
        return jsonify(email=logins[token])
    return jsonify(error="unauthorized"), 401


@app.post("/forgot")
def forgot():
    got = json_fields("email")
    if got is None:
        return jsonify(error="missing"), 400
    if got[0] in accounts:
        ident, secret = secrets.token_hex(8), secrets.token_urlsafe(24)
        pending[ident] = (got[0], hashlib.sha256(secret.encode()).digest(), now() + LIFETIME)
        with open("outbox.jsonl", "a", encoding="utf-8") as box:
            print(json.dumps({"to": got[0], "token": f"{ident}.{secret}"}), file=box)
    return jsonify(status="sent if registered"), 202


@app.post("/reset")
def reset():
    got = json_fields("token", "password")
    if got is None:
        return jsonify(error="missing"), 400
    ident, _, secret = got[0].partition(".")
    record = pending.get(ident)
    if record is None:
        return jsonify(error="invalid token"), 400
    email, digest, expires = record
    if not hmac.compare_digest(digest, hashlib.sha256(secret.encode()).digest()):
        return jsonify(error="invalid token"), 400
    del pending[ident]
    if now() > expires:
        return jsonify(error="expired token"), 400
    accounts[email] = generate_password_hash(got[1])
    for token in [t for t, e in logins.items() if e == email]:
        del logins[token]
    for other in [i for i, r in pending.items() if r[0] == email]:
        del pending[other]
    return "", 204
