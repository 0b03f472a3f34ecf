"""Password reset on SQLite: token hashes with an expires_at column, deleted on use."""

import hashlib
import json
import secrets
import sqlite3
import time

from flask import Flask, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)
DB = "accounts.db"

with sqlite3.connect(DB) as c:
    c.executescript(
        """
        CREATE TABLE IF NOT EXISTS users (email TEXT PRIMARY KEY, pw TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS sessions (token TEXT PRIMARY KEY, email TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS resets (hash TEXT PRIMARY KEY, email TEXT NOT NULL,
                                           expires_at REAL NOT NULL);
        """
    )


def db():
    return sqlite3.connect(DB, isolation_level=None)


def fields(*names):
    d = request.get_json(silent=True)
    if not isinstance(d, dict) or not all(isinstance(d.get(n), str) and d[n] for n in names):
        return None
    return [d[n] for n in names]


@app.post("/register")
def register():
    f = fields("email", "password")
    if not f:
        return {"error": "missing"}, 400
    try:
        with db() as c:
            c.execute("INSERT INTO users VALUES (?, ?)", (f[0], generate_password_hash(f[1])))
    except sqlite3.IntegrityError:
        return {"error": "exists"}, 409
    return {"email": f[0]}, 201


@app.post("/login")
def login():
    f = fields("email", "password")
    with db() as c:
        row = c.execute("SELECT pw FROM users WHERE email = ?", (f[0],)).fetchone() if f else None
        if not row or not check_password_hash(row[0], f[1]):
            return {"error": "invalid email or password"}, 401
        token = secrets.token_hex(32)
        c.execute("INSERT INTO sessions VALUES (?, ?)", (token, f[0]))
    return {"token": token}


@app.get("/me")
def me():
    auth = request.headers.get("Authorization", "")
    with db() as c:
        row = c.execute("SELECT email FROM sessions WHERE token = ?", (auth[7:],)).fetchone()
    return ({"email": row[0]}, 200) if auth.startswith("Bearer ") and row else ({"error": "no"}, 401)


@app.post("/forgot")
def forgot():
    f = fields("email")
    if not f:
        return {"error": "missing"}, 400
    with db() as c:
        if c.execute("SELECT 1 FROM users WHERE email = ?", (f[0],)).fetchone():
            token = secrets.token_urlsafe(32)
            c.execute(
                "INSERT INTO resets VALUES (?, ?, ?)",
                (hashlib.sha256(token.encode()).hexdigest(), f[0], time.time() + 1800),
            )
            with open("outbox.jsonl", "a") as out:
                out.write(json.dumps({"to": f[0], "token": token}) + "\n")
    return jsonify(message="Check your inbox."), 202


@app.post("/reset")
def reset():
    f = fields("token", "password")
    if not f:
        return {"error": "missing"}, 400
    h = hashlib.sha256(f[0].encode()).hexdigest()
    with db() as c:
        c.execute("BEGIN IMMEDIATE")
        row = c.execute("SELECT email, expires_at FROM resets WHERE hash = ?", (h,)).fetchone()
        c.execute("DELETE FROM resets WHERE hash = ?", (h,))
        if row is None or row[1] < time.time():
            c.execute("COMMIT")
            return {"error": "invalid or expired"}, 400
        c.execute("UPDATE users SET pw = ? WHERE email = ?", (generate_password_hash(f[1]), row[0]))
        c.execute("DELETE FROM sessions WHERE email = ?", (row[0],))
        c.execute("DELETE FROM resets WHERE email = ?", (row[0],))
        c.execute("COMMIT")
    return "", 204
