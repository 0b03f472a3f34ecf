"""CSRF tokens derived from a per-session id with an HMAC; a decorator guards each form view."""

import functools
import hashlib
import hmac
import os
import secrets

from flask import Flask, redirect, render_template_string, request, session

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
app.config["SESSION_COOKIE_SAMESITE"] = "Strict"

ADDRESSES = {}

PAGE = """
{% macro token() %}<input type="hidden" name="csrf_token" value="{{ csrf }}">{% endmacro %}
<html><body>
{% if user %}
  <p>Signed in as {{ user }}. Email: <b id="email">{{ address }}</b></p>
  <form action="/email" method="POST">{{ token() }}<input name="email"><input type="submit"></form>
  <form action="/logout" method="POST">{{ token() }}<input type="submit" value="Sign out"></form>
{% else %}
  <form action="/login" method="POST"><input name="username"><input type="submit"></form>
{% endif %}
</body></html>
"""


def session_id():
    if "sid" not in session:
        session["sid"] = secrets.token_hex(16)
    return session["sid"]


def token_for(sid):
    key = app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"csrf:" + sid.encode(), hashlib.sha256).hexdigest()


def csrf_protected(view):
    @functools.wraps(view)
    def guarded(*args, **kwargs):
        sid = session.get("sid")
        sent = request.form.get("csrf_token", "").encode("utf-8", "replace")
        if sid is None or not secrets.compare_digest(sent, token_for(sid).encode()):
            return "CSRF token missing or wrong", 403
        return view(*args, **kwargs)

    return guarded


@app.get("/login")
def login_page():
    return render_template_string(PAGE, user=None)


@app.post("/login")
def login():
    name = request.form.get("username", "").strip()
    if not name:
        return "username required", 400
    session.clear()
    session["user"] = name
    session_id()
    ADDRESSES.setdefault(name, name + "@example.test")
    return redirect("/account")


@app.get("/account")
def account():
    if "user" not in session:
        return redirect("/login")
    user = session["user"]
    return render_template_string(
        PAGE, user=user, address=ADDRESSES[user], csrf=token_for(session_id())
    )


@app.post("/email")
@csrf_protected
def email():
    if "user" not in session:
        return redirect("/login")
    new = request.form.get("email", "").strip()
    if not new:
        return "email required", 400
    ADDRESSES[session["user"]] = new
    return redirect("/account")


@app.post("/logout")
@csrf_protected
def logout():
    session.clear()
    return redirect("/login")
