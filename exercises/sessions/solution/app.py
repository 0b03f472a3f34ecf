"""Log-in sessions kept on the server: the cookie holds only a random id (reference solution)."""

import secrets
import threading
import time

from flask import Flask, g, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)

COOKIE = "sid"
IDLE_TIMEOUT_S = 15 * 60  # a session unused for 15 minutes is over

users: dict[str, str] = {}  # username -> password hash
sessions: dict[str, dict] = {}  # session id -> {"user", "last_seen"}: the server decides
_lock = threading.Lock()


def credentials():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return None
    username, password = data.get("username"), data.get("password")
    if isinstance(username, str) and username and isinstance(password, str) and password:
        return username, password
    return None


def current_session() -> dict | None:
    """The session named by the cookie, if the server knows it and it has not been idle too
    long. Each use counts as activity (a sliding timeout)."""
    sid = request.cookies.get(COOKIE)
    now = time.time()
    with _lock:
        session = sessions.get(sid) if sid else None
        if session is None:
            return None
        if now - session["last_seen"] > IDLE_TIMEOUT_S:
            del sessions[sid]  # expired: forget it, so it can never come back
            return None
        session["last_seen"] = now
        return session


@app.post("/register")
def register():
    creds = credentials()
    if creds is None:
        return jsonify(error="username and password are required"), 400
    if creds[0] in users:
        return jsonify(error="username already taken"), 409
    users[creds[0]] = generate_password_hash(creds[1])
    return jsonify(username=creds[0]), 201


@app.post("/login")
def login():
    creds = credentials()
    if creds is None:
        return jsonify(error="username and password are required"), 400
    stored = users.get(creds[0])
    if stored is None or not check_password_hash(stored, creds[1]):
        return jsonify(error="invalid username or password"), 401
    # A brand-new id at every login, whatever cookie came in: an id the attacker planted
    # (session fixation) or one from before the login never becomes a logged-in session.
    old = request.cookies.get(COOKIE)
    sid = secrets.token_urlsafe(32)
    with _lock:
        sessions.pop(old, None)
        sessions[sid] = {"user": creds[0], "last_seen": time.time()}
    response = jsonify(username=creds[0])
    response.set_cookie(
        COOKIE,
        sid,
        httponly=True,  # scripts cannot read it (XSS cannot steal it)
        secure=True,  # HTTPS only (browsers and curl treat http://localhost as secure)
        samesite="Lax",  # not sent on cross-site POSTs
        path="/",
    )
    return response


@app.get("/me")
def me():
    session = current_session()
    if session is None:
        return jsonify(error="not logged in"), 401
    return jsonify(username=session["user"])


@app.post("/logout")
def logout():
    sid = request.cookies.get(COOKIE)
    with _lock:
        sessions.pop(sid, None)  # on the server: a copy of the cookie is worthless now
    response = app.response_class(status=204)
    response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="Lax")
    return response
