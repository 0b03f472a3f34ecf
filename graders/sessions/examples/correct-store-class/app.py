"""A small SessionStore class; datetime for the idle timeout."""

import secrets
import threading
from datetime import datetime, timedelta, timezone

from flask import Flask, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash


class SessionStore:
    def __init__(self, idle: timedelta) -> None:
        self.idle = idle
        self._data: dict[str, tuple[str, datetime]] = {}
        self._lock = threading.Lock()

    def create(self, user: str) -> str:
        sid = secrets.token_hex(32)
        with self._lock:
            self._data[sid] = (user, datetime.now(timezone.utc))
        return sid

    def touch(self, sid: str | None) -> str | None:
        now = datetime.now(timezone.utc)
        with self._lock:
            entry = self._data.get(sid or "")
            if entry is None:
                return None
            user, last = entry
            if now - last > self.idle:
                self._data.pop(sid)
                return None
            self._data[sid] = (user, now)
            return user

    def drop(self, sid: str | None) -> None:
        with self._lock:
            self._data.pop(sid or "", None)


app = Flask(__name__)
store = SessionStore(timedelta(minutes=15))
accounts: dict[str, str] = {}
COOKIE_FLAGS = {"httponly": True, "secure": True, "samesite": "Lax", "path": "/"}


def read_body():
    data = request.get_json(silent=True) or {}
    name, pw = (data.get("username"), data.get("password")) if isinstance(data, dict) else (None, None)
    return (name, pw) if isinstance(name, str) and isinstance(pw, str) and name and pw else None


@app.route("/register", methods=["POST"])
def register():
    got = read_body()
    if got is None:
        return jsonify(error="missing fields"), 400
    if got[0] in accounts:
        return jsonify(error="exists"), 409
    accounts[got[0]] = generate_password_hash(got[1])
    return jsonify(username=got[0]), 201


@app.route("/login", methods=["POST"])
def login():
    got = read_body()
    if got is None:
        return jsonify(error="missing fields"), 400
    name, pw = got
    if name not in accounts or not check_password_hash(accounts[name], pw):
        return jsonify(error="invalid username or password"), 401
    store.drop(request.cookies.get("sid"))
    response = jsonify(username=name)
    response.set_cookie("sid", store.create(name), **COOKIE_FLAGS)
    return response


@app.route("/me")
def me():
    user = store.touch(request.cookies.get("sid"))
    return (jsonify(username=user), 200) if user else (jsonify(error="log in"), 401)


@app.route("/logout", methods=["POST"])
def logout():
    store.drop(request.cookies.get("sid"))
    response = app.make_response(("", 204))
    response.delete_cookie("sid", **COOKIE_FLAGS)
    return response
