"""Sessions in SQLite with an expires_at pushed forward on each use."""

import sqlite3
import time
import uuid

from flask import Flask, jsonify, make_response, request
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)
DB = "sessions.db"
IDLE = 900

with sqlite3.connect(DB) as c:
    c.execute("CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, pw TEXT)")
    c.execute("CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, name TEXT, expires REAL)")


def db():
    return sqlite3.connect(DB, isolation_level=None)


def body():
    d = request.get_json(silent=True)
    if isinstance(d, dict) and all(isinstance(d.get(k), str) and d[k] for k in ("username", "password")):
        return d["username"], d["password"]
    return None


@app.post("/register")
def register():
    b = body()
    if not b:
        return {"error": "bad request"}, 400
    try:
        with db() as c:
            c.execute("INSERT INTO users VALUES (?, ?)", (b[0], generate_password_hash(b[1])))
    except sqlite3.IntegrityError:
        return {"error": "taken"}, 409
    return {"username": b[0]}, 201


@app.post("/login")
def login():
    b = body()
    if not b:
        return {"error": "bad request"}, 400
    with db() as c:
        row = c.execute("SELECT pw FROM users WHERE name = ?", (b[0],)).fetchone()
        if not row or not check_password_hash(row[0], b[1]):
            return {"error": "invalid username or password"}, 401
        if request.cookies.get("sid"):
            c.execute("DELETE FROM sessions WHERE id = ?", (request.cookies["sid"],))
        sid = uuid.uuid4().hex + uuid.uuid4().hex  # 256 bits from os.urandom
        c.execute("INSERT INTO sessions VALUES (?, ?, ?)", (sid, b[0], time.time() + IDLE))
    resp = make_response(jsonify(username=b[0]))
    resp.set_cookie("sid", sid, secure=True, httponly=True, samesite="Strict")
    return resp


@app.get("/me")
def me():
    sid = request.cookies.get("sid", "")
    now = time.time()
    with db() as c:
        row = c.execute("SELECT name, expires FROM sessions WHERE id = ?", (sid,)).fetchone()
        if row is None or row[1] < now:
            c.execute("DELETE FROM sessions WHERE id = ?", (sid,))
            return {"error": "not logged in"}, 401
        c.execute("UPDATE sessions SET expires = ? WHERE id = ?", (now + IDLE, sid))
    return {"username": row[0]}


@app.post("/logout")
def logout():
    with db() as c:
        c.execute("DELETE FROM sessions WHERE id = ?", (request.cookies.get("sid", ""),))
    resp = make_response("", 204)
    resp.set_cookie("sid", "", expires=0, secure=True, httponly=True, samesite="Strict")
    return resp
