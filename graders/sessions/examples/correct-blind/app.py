"""Server-side sessions: random ids, safe cookie flags, rotation at login, server logout,
and a sliding 15-minute idle timeout."""

import secrets
import threading
import time

from flask import Flask, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)

COOKIE_NAME = "sid"
IDLE_LIMIT_S = 15 * 60

_users: dict[str, str] = {}
_sessions: dict[str, dict] = {}
_lock = threading.Lock()


def _read_credentials():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return None
    name, pw = body.get("username"), body.get("password")
    if isinstance(name, str) and name and isinstance(pw, str) and pw:
        return name, pw
    return None


def _live_session():
    sid = request.cookies.get(COOKIE_NAME)
    if not sid:
        return None
    now = time.time()
    with _lock:
        entry = _sessions.get(sid)
        if entry is None:
            return None
        if now - entry["last_seen"] > IDLE_LIMIT_S:
            _sessions.pop(sid, None)
            return None
        entry["last_seen"] = now
        return entry


@app.post("/register")
def register():
    creds = _read_credentials()
    if creds is None:
        return jsonify(error="username and password are required"), 400
    name, pw = creds
    with _lock:
        if name in _users:
            return jsonify(error="username already taken"), 409
        _users[name] = generate_password_hash(pw)
    return jsonify(username=name), 201


@app.post("/login")
def login():
    creds = _read_credentials()
    if creds is None:
        return jsonify(error="username and password are required"), 400
    name, pw = creds
    stored = _users.get(name)
    if stored is None or not check_password_hash(stored, pw):
        return jsonify(error="invalid username or password"), 401
    old_sid = request.cookies.get(COOKIE_NAME)
    new_sid = secrets.token_urlsafe(32)
    with _lock:
        if old_sid:
            _sessions.pop(old_sid, None)
        _sessions[new_sid] = {"user": name, "last_seen": time.time()}
    resp = jsonify(username=name)
    resp.set_cookie(COOKIE_NAME, new_sid, httponly=True, secure=True, samesite="Lax", path="/")
    return resp


@app.get("/me")
def me():
    entry = _live_session()
    if entry is None:
        return jsonify(error="not logged in"), 401
    return jsonify(username=entry["user"])


@app.post("/logout")
def logout():
    sid = request.cookies.get(COOKIE_NAME)
    if sid:
        with _lock:
            _sessions.pop(sid, None)
    resp = app.response_class(status=204)
    resp.delete_cookie(COOKIE_NAME, path="/", secure=True, httponly=True, samesite="Lax")
    return resp
