"""Log-in sessions kept on the server behind a cookie. Logging in works; keeping sessions safe
does not yet: read the TODOs."""

import secrets
import threading
import time

from flask import Flask, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)

COOKIE = "sid"
# TODO: a session unused for more than 15 minutes (900 s) must stop working.

users: dict[str, str] = {}  # username -> password hash
sessions: dict[str, dict] = {}  # session id -> {"user", "last_seen"}
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
    """The session named by the cookie, if the server knows it."""
    sid = request.cookies.get(COOKIE)
    with _lock:
        session = sessions.get(sid) if sid else None
        # TODO: refuse (and forget) a session idle for more than 15 minutes; otherwise note
        #       this request as its last use.
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
    # TODO: reusing the id the request came with lets an attacker who planted it (session
    #       fixation) share the victim's login. Always make a new id here.
    sid = request.cookies.get(COOKIE) or secrets.token_urlsafe(32)
    with _lock:
        sessions[sid] = {"user": creds[0], "last_seen": time.time()}
    response = jsonify(username=creds[0])
    # TODO: the cookie needs HttpOnly, Secure, SameSite=Lax (or Strict) and Path=/.
    response.set_cookie(COOKIE, sid, httponly=False)
    return response


@app.get("/me")
def me():
    session = current_session()
    if session is None:
        return jsonify(error="not logged in"), 401
    return jsonify(username=session["user"])


@app.post("/logout")
def logout():
    # TODO: this only asks the browser to forget the cookie. Anyone holding a copy is still
    #       logged in: delete the session on the server too.
    response = app.response_class(status=204)
    response.delete_cookie(COOKIE)
    return response
