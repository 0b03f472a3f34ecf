"""A fresh CSRF token on every page shown (the last one counts); server-side sessions in memory,
with Flask's signed cookie holding only the session id."""

import hmac
import os
import secrets

from flask import Flask, abort, make_response, redirect, request, session
from markupsafe import escape

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]
app.config.update(SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_HTTPONLY=True)

SESSIONS = {}  # session id -> {"user": ..., "csrf": ...}
EMAIL = {}


def server_session():
    sid = session.get("id")
    return SESSIONS.get(sid) if sid else None


@app.before_request
def require_token():
    if request.method != "POST" or request.path == "/login":
        return
    state = server_session()
    expected = (state or {}).get("csrf")
    given = request.form.get("csrf_token")
    if expected is None or given is None:
        abort(403)
    if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        abort(403)


@app.get("/login")
def login_form():
    return '<form method="post" action="/login"><input name="username"><button>go</button></form>'


@app.post("/login")
def login():
    user = request.form.get("username", "").strip()
    if not user:
        abort(400)
    old = session.pop("id", None)
    SESSIONS.pop(old, None)
    sid = secrets.token_urlsafe(24)
    SESSIONS[sid] = {"user": user, "csrf": None}
    session["id"] = sid
    EMAIL.setdefault(user, f"{user}@example.test")
    return redirect("/account", code=302)


@app.get("/account")
def account():
    state = server_session()
    if state is None:
        return redirect("/login", code=302)
    state["csrf"] = token = secrets.token_urlsafe(24)  # a new token for every page shown
    hidden = f'<input type="hidden" name="csrf_token" value="{token}">'
    html = (
        f"<h1>{escape(state['user'])}</h1>"
        f"<div id=\"email\">{escape(EMAIL[state['user']])}</div>"
        f'<form method="post" action="/email">{hidden}<input name="email"><button>save</button></form>'
        f'<form method="post" action="/logout">{hidden}<button>log out</button></form>'
    )
    response = make_response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


@app.post("/email")
def change_email():
    state = server_session()
    if state is None:
        return redirect("/login", code=302)
    value = request.form.get("email", "").strip()
    if not value:
        abort(400)
    EMAIL[state["user"]] = value
    return redirect("/account", code=302)


@app.post("/logout")
def logout():
    SESSIONS.pop(session.pop("id", None), None)
    return redirect("/login", code=302)
