"""Guestbook rendering fixed template strings, with a per-response CSP nonce for its one inline
script (the data still goes in a JSON block)."""

import secrets
from urllib.parse import urlparse

from flask import Flask, g, redirect, render_template, request

app = Flask(__name__)
BOOK = []


@app.before_request
def make_nonce():
    g.nonce = secrets.token_urlsafe(16)


@app.after_request
def policy(resp):
    resp.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'nonce-{g.nonce}'; style-src 'self'; base-uri 'self'"
    )
    return resp


def acceptable(url):
    try:
        parsed = urlparse(url)
    except ValueError:
        return False
    return parsed.scheme.lower() in {"http", "https"} and parsed.hostname is not None


@app.route("/")
def home():
    return render_template("home.html", book=BOOK, nonce=g.nonce)


@app.route("/comments", methods=["POST"])
def sign():
    name = request.form.get("name", "").strip()
    text = request.form.get("text", "").strip()
    site = request.form.get("website", "").strip() or None
    if not (name and text) or (site is not None and not acceptable(site)):
        return {"error": "bad input"}, 400
    BOOK.append(dict(name=name, text=text, site=site))
    return redirect("/", code=303)


@app.route("/search")
def find():
    q = request.args.get("q", "")
    matches = [c for c in BOOK if q.casefold() in c["text"].casefold()]
    return render_template("find.html", q=q, matches=matches, nonce=g.nonce)
