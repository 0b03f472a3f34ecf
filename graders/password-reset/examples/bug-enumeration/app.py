"""Account recovery: random, hashed, single-use reset tokens that expire (reference solution)."""

import hashlib
import json
import secrets
import threading
import time

from flask import Flask, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)

OUTBOX = "outbox.jsonl"  # the "mail server": one JSON line per email sent
RESET_TTL_S = 30 * 60
SENT = {"message": "If an account with that email exists, we sent it a reset link."}

users: dict[str, dict] = {}  # email -> {"password_hash"}
sessions: dict[str, str] = {}  # bearer token -> email
resets: dict[str, dict] = {}  # sha256(reset token) -> {"email", "expires"}: never the token
_lock = threading.Lock()


def digest(token: str) -> str:
    # A fast hash is right here (unlike passwords): the token is 256 random bits, not guessable.
    return hashlib.sha256(token.encode()).hexdigest()


def body(*keys: str):
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return None
    values = [data.get(k) for k in keys]
    return values if all(isinstance(v, str) and v for v in values) else None


def send_email(to: str, token: str) -> None:
    with open(OUTBOX, "a", encoding="utf-8") as out:
        out.write(json.dumps({"to": to, "token": token}) + "\n")
    print(f"mail to {to}: your reset token is {token}", flush=True)  # for trying it by hand


@app.post("/register")
def register():
    got = body("email", "password")
    if got is None:
        return jsonify(error="email and password are required"), 400
    email, password = got
    if email in users:
        return jsonify(error="already registered"), 409
    users[email] = {"password_hash": generate_password_hash(password)}
    return jsonify(email=email), 201


@app.post("/login")
def login():
    got = body("email", "password")
    user = users.get(got[0]) if got else None
    if user is None or not check_password_hash(user["password_hash"], got[1]):
        return jsonify(error="invalid email or password"), 401
    token = secrets.token_urlsafe(32)
    sessions[token] = got[0]
    return jsonify(token=token)


@app.get("/me")
def me():
    token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    email = sessions.get(token)
    return (jsonify(email=email), 200) if email else (jsonify(error="not logged in"), 401)


@app.post("/forgot")
def forgot():
    got = body("email")
    if got is None:
        return jsonify(error="email is required"), 400
    email = got[0]
    if email in users:
        token = secrets.token_urlsafe(32)
        with _lock:
            resets[digest(token)] = {"email": email, "expires": time.time() + RESET_TTL_S}
        send_email(email, token)
        return jsonify(SENT), 202
    return jsonify(message="We could not find that account."), 202  # BUG: a different body


@app.post("/reset")
def reset():
    got = body("token", "password")
    if got is None:
        return jsonify(error="token and password are required"), 400
    token, password = got
    with _lock:
        entry = resets.pop(digest(token), None)  # single use: gone whatever happens next
    if entry is None or entry["expires"] < time.time():
        return jsonify(error="invalid or expired token"), 400
    email = entry["email"]
    users[email]["password_hash"] = generate_password_hash(password)
    with _lock:
        # Whoever was logged in (maybe the attacker who forced the reset) is logged out,
        # and the other reset links for this account stop working.
        for session, owner in list(sessions.items()):
            if owner == email:
                del sessions[session]
        for key, other in list(resets.items()):
            if other["email"] == email:
                del resets[key]
    return "", 204
