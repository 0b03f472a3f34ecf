"""Password recovery by emailed one-time tokens, kept in SQLite as sha256 digests only."""

import hashlib
import json
import secrets
import sqlite3
import threading
import time

from flask import Flask, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)

OUTBOX = "outbox.jsonl"
DB_PATH = "accounts.sqlite3"
RESET_LIFETIME_S = 30 * 60
FORGOT_REPLY = {"message": "If that address has an account, a reset link is on its way."}

_db_lock = threading.Lock()
_db = sqlite3.connect(DB_PATH, check_same_thread=False, isolation_level=None)
_db.executescript(
    """
    CREATE TABLE IF NOT EXISTS accounts (email TEXT PRIMARY KEY, pw_hash TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS logins (token_sha256 TEXT PRIMARY KEY, email TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS resets (
        token_sha256 TEXT PRIMARY KEY, email TEXT NOT NULL, expires_at REAL NOT NULL
    );
    """
)


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def json_strings(*names: str):
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return None
    vals = [data.get(n) for n in names]
    if all(isinstance(v, str) and v for v in vals):
        return vals
    return None


def send_email(to: str, token: str) -> None:
    with open(OUTBOX, "a", encoding="utf-8") as out:
        out.write(json.dumps({"to": to, "token": token}) + "\n")
    print(f"mail to {to}: your reset token is {token}", flush=True)


def query(sql: str, *args):
    with _db_lock:
        return _db.execute(sql, args).fetchall()


@app.post("/register")
def register():
    got = json_strings("email", "password")
    if got is None:
        return jsonify(error="email and password are required"), 400
    email, password = got
    try:
        query("INSERT INTO accounts (email, pw_hash) VALUES (?, ?)", email, generate_password_hash(password))
    except sqlite3.IntegrityError:
        return jsonify(error="already registered"), 409
    return jsonify(email=email), 201


@app.post("/login")
def login():
    got = json_strings("email", "password")
    if got is None:
        return jsonify(error="invalid email or password"), 401
    rows = query("SELECT pw_hash FROM accounts WHERE email = ?", got[0])
    if not rows or not check_password_hash(rows[0][0], got[1]):
        return jsonify(error="invalid email or password"), 401
    token = secrets.token_urlsafe(32)
    query("INSERT INTO logins (token_sha256, email) VALUES (?, ?)", sha256(token), got[0])
    return jsonify(token=token)


@app.get("/me")
def me():
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return jsonify(error="not logged in"), 401
    rows = query("SELECT email FROM logins WHERE token_sha256 = ?", sha256(token))
    if not rows:
        return jsonify(error="not logged in"), 401
    return jsonify(email=rows[0][0])


@app.post("/forgot")
def forgot():
    got = json_strings("email")
    if got is None:
        return jsonify(error="email is required"), 400
    email = got[0]
    if query("SELECT 1 FROM accounts WHERE email = ?", email):
        token = secrets.token_urlsafe(32)
        query(
            "INSERT INTO resets (token_sha256, email, expires_at) VALUES (?, ?, ?)",
            sha256(token),
            email,
            time.time() + RESET_LIFETIME_S,
        )
        send_email(email, token)
    return jsonify(FORGOT_REPLY), 202


@app.post("/reset")
def reset():
    got = json_strings("token", "password")
    if got is None:
        return jsonify(error="token and password are required"), 400
    token, new_password = got
    digest = sha256(token)
    now = time.time()
    with _db_lock:
        row = _db.execute(
            "SELECT email, expires_at FROM resets WHERE token_sha256 = ?", (digest,)
        ).fetchone()
        # single use: the token is gone whatever happens next
        _db.execute("DELETE FROM resets WHERE token_sha256 = ?", (digest,))
        if row is None or now > row[1]:
            return jsonify(error="invalid or expired token"), 400
        email = row[0]
        _db.execute("BEGIN")
        _db.execute(
            "UPDATE accounts SET pw_hash = ? WHERE email = ?",
            (generate_password_hash(new_password), email),
        )
        _db.execute("DELETE FROM logins WHERE email = ?", (email,))
        _db.execute("DELETE FROM resets WHERE email = ?", (email,))
        _db.execute("COMMIT")
    return "", 204
