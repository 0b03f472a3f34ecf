"""Account page whose forms carry a per-session CSRF token, checked in constant time."""

import hmac
import os
import secrets

from flask import Flask, abort, redirect, render_template_string, request, session

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]
app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")

CSRF_FIELD = "csrf_token"
EXEMPT_ENDPOINTS = {"login"}

addresses: dict[str, str] = {}

LOGIN_PAGE = """<!doctype html>
<html><head><title>Sign in</title></head>
<body>
  <h1>Sign in</h1>
  <form method="post" action="/login">
    <label>Username <input name="username" required></label>
    <button type="submit">Sign in</button>
  </form>
</body></html>"""

ACCOUNT_PAGE = """<!doctype html>
<html><head><title>Account of {{ user }}</title></head>
<body>
  <h1>Account: {{ user }}</h1>
  <p>Email on file: <strong id="email">{{ email }}</strong></p>
  <form method="post" action="/email">
    <input type="hidden" name="csrf_token" value="{{ token }}">
    <label>New email <input name="email" type="email" required></label>
    <button type="submit">Update</button>
  </form>
  <form method="post" action="/logout">
    <input type="hidden" name="csrf_token" value="{{ token }}">
    <button type="submit">Sign out</button>
  </form>
</body></html>"""


def _session_token() -> str:
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def _token_ok() -> bool:
    expected = session.get(CSRF_FIELD)
    sent = request.form.get(CSRF_FIELD)
    if not isinstance(expected, str) or not expected or not isinstance(sent, str) or not sent:
        return False
    return hmac.compare_digest(sent.encode("utf-8"), expected.encode("utf-8"))


@app.before_request
def _csrf_guard():
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if request.endpoint in EXEMPT_ENDPOINTS:
        return None
    if not _token_ok():
        abort(403, description="missing or invalid CSRF token")
    return None


@app.get("/login")
def show_login():
    return render_template_string(LOGIN_PAGE)


@app.post("/login")
def login():
    name = (request.form.get("username") or "").strip()
    if not name:
        return render_template_string(LOGIN_PAGE), 400
    session.clear()
    session["user"] = name
    session[CSRF_FIELD] = secrets.token_urlsafe(32)
    addresses.setdefault(name, f"{name}@example.test")
    return redirect("/account", 303)


@app.get("/account")
def account():
    user = session.get("user")
    if not user:
        return redirect("/login", 303)
    return render_template_string(
        ACCOUNT_PAGE, user=user, email=addresses[user], token=_session_token()
    )


@app.post("/email")
def change_email():
    user = session.get("user")
    if not user:
        return redirect("/login", 303)
    new = (request.form.get("email") or "").strip()
    if not new:
        return "an email address is required", 400
    addresses[user] = new
    return redirect("/account", 303)


@app.post("/logout")
def logout():
    session.clear()
    return redirect("/login", 303)
