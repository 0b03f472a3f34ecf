"""A correct solution with bcrypt, taking the README's stricter allowed answers.

Passwords over bcrypt's 72 bytes and usernames of only whitespace are refused with 400.
"""

import sqlite3

import bcrypt
from flask import Flask, jsonify, request

app = Flask(__name__)
DB = "users.db"
FAILED = ({"error": "invalid username or password"}, 401)
_DUMMY = bcrypt.hashpw(b"dummy", bcrypt.gensalt(12))


def db():
    return sqlite3.connect(DB)


with db() as conn:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS users (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL)"
    )


def credentials(strict):
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return None
    username, password = data.get("username"), data.get("password")
    if not (isinstance(username, str) and isinstance(password, str) and username and password):
        return None
    if strict and (not username.strip() or len(password.encode()) > 72):
        return None
    return username, password


@app.post("/register")
def register():
    found = credentials(strict=True)
    if found is None:
        return {"error": "a username and a password of at most 72 bytes are required"}, 400
    username, password = found
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(12)).decode()
    try:
        with db() as conn:
            conn.execute("INSERT INTO users VALUES (?, ?)", (username, hashed))
    except sqlite3.IntegrityError:
        return {"error": "taken"}, 409
    return {}, 201


@app.post("/login")
def login():
    found = credentials(strict=False)
    if found is None:
        return {"error": "username and password are required"}, 400
    username, password = found
    if len(password.encode()) > 72:
        return FAILED  # no account can have such a password: registration refuses them
    with db() as conn:
        row = conn.execute(
            "SELECT password_hash FROM users WHERE username = ?", (username,)
        ).fetchone()
    stored = row[0].encode() if row else _DUMMY
    if bcrypt.checkpw(password.encode(), stored) and row:
        return jsonify(ok=True)
    return FAILED
