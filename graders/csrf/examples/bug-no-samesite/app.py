"""An account page whose forms cannot be posted from another site (reference solution)."""

import hmac
import os
import secrets

from flask import Flask, abort, redirect, render_template_string, request, session

app = Flask(__name__)
# The key that signs the session cookie: from the environment, never from the source.
app.secret_key = os.environ["SECRET_KEY"]
# SameSite=Lax: the browser leaves the cookie off cross-site POSTs (defence in depth; the token
# below is the defence that does not depend on the browser).
app.config.update(SESSION_COOKIE_HTTPONLY=True)  # BUG: no SameSite

emails: dict[str, str] = {}  # username -> email address

LOGIN = """<!doctype html>
<title>Log in</title>
<form method="post" action="/login">
  <input name="username"> <button>Log in</button>
</form>"""

ACCOUNT = """<!doctype html>
<title>Your account</title>
<h1>Hello {{ user }}</h1>
<p>Your email address: <span id="email">{{ email }}</span></p>
<form method="post" action="/email">
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  <input name="email" type="email"> <button>Change email</button>
</form>
<form method="post" action="/logout">
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  <button>Log out</button>
</form>"""


def csrf_token() -> str:
    """This session's token: made once, kept in the (signed) session, the same in every form."""
    if "csrf_token" not in session:
        session["csrf_token"] = secrets.token_urlsafe(32)
    return session["csrf_token"]


@app.before_request
def check_csrf():
    """Every state-changing request of a logged-in session must carry the session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.endpoint == "login":
        return
    expected = session.get("csrf_token")
    sent = request.form.get("csrf_token", "")
    # A session without a token yet must not match an empty or missing field, and the
    # comparison takes the same time wherever the first wrong character is (bytes: any input).
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(403)


@app.get("/login")
def login_form():
    return render_template_string(LOGIN)


@app.post("/login")
def login():
    username = request.form.get("username", "").strip()
    if not username:
        return render_template_string(LOGIN), 400
    session.clear()  # a new session at login: nothing of the anonymous one carries over
    session["user"] = username
    emails.setdefault(username, f"{username}@example.test")
    return redirect("/account", 303)


@app.get("/account")
def account():
    user = session.get("user")
    if user is None:
        return redirect("/login", 303)
    return render_template_string(ACCOUNT, user=user, email=emails[user], csrf_token=csrf_token)


@app.post("/email")
def change_email():
    user = session.get("user")
    if user is None:
        return redirect("/login", 303)
    email = request.form.get("email", "").strip()
    if not email:
        return "an email address is required", 400
    emails[user] = email
    return redirect("/account", 303)  # Post/Redirect/Get


@app.post("/logout")
def logout():
    session.clear()
    return redirect("/login", 303)
