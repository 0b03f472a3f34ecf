"""Guestbook and search that show visitor input as text only, with a strict CSP."""

from urllib.parse import urlsplit

from flask import Flask, redirect, render_template, request

app = Flask(__name__)

CSP = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
ALLOWED_SCHEMES = {"http", "https"}

entries: list[dict] = []


@app.after_request
def add_security_headers(resp):
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    return resp


def safe_website(raw: str) -> str | None:
    """Return the URL when it is an absolute http(s) URL with a host, else None."""
    url = raw.strip()
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ALLOWED_SCHEMES or not host:
        return None
    return url


@app.get("/")
def index():
    return render_template("guestbook.html", comments=entries)


@app.post("/comments")
def post_comment():
    name = request.form.get("name", "")
    text = request.form.get("text", "")
    website = request.form.get("website", "")
    if not name.strip() or not text.strip():
        return "name and text are required", 400
    link = None
    if website.strip():
        link = safe_website(website)
        if link is None:
            return "website must be an absolute http:// or https:// URL", 400
    entries.append({"name": name, "text": text, "website": link})
    return redirect("/", 303)


@app.get("/search")
def search():
    q = request.args.get("q", "")
    needle = q.casefold()
    hits = [e for e in entries if needle in e["text"].casefold()]
    return render_template("search.html", q=q, comments=hits, page_data={"query": q})
