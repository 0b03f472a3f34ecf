"""Guestbook without template files: every value goes through markupsafe.escape, in quotes."""

import re

from flask import Flask, Response, redirect, request
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import escape

app = Flask(__name__)
entries = []
URL = re.compile(r"https?://[^/\s?#]+(?:[/?#].*)?\Z", re.IGNORECASE | re.DOTALL)
POLICY = "script-src 'self'; object-src 'none'"


def page(title, body):
    html = f"<!doctype html><meta charset=utf-8><title>{escape(title)}</title>{body}"
    return Response(html, headers={"Content-Security-Policy": POLICY})


def entry_html(e, with_link=True):
    if e["website"] and with_link:
        who = f'<a href="{escape(e["website"])}">{escape(e["name"])}</a>'
    else:
        who = f"<b>{escape(e['name'])}</b>"
    return f"<div class=comment>{who}<p>{escape(e['text'])}</p></div>"


@app.get("/")
def index():
    return page("Guestbook", "".join(entry_html(e) for e in entries))


@app.post("/comments")
def post():
    e = {k: request.form.get(k, "").strip() for k in ("name", "text", "website")}
    if not e["name"] or not e["text"]:
        return page("Error", "name and text please"), 400
    if e["website"] and not URL.match(e["website"]):
        return page("Error", "http or https links only"), 400
    entries.append(e)
    return redirect("/", 302)


@app.get("/search")
def search():
    q = request.args.get("q", "")
    hits = "".join(entry_html(e, False) for e in entries if q in e["text"])
    data = htmlsafe_json_dumps({"query": q})  # what Jinja's tojson uses: < > & ' escaped
    body = (
        f'<h2>Search: <em id="query">{escape(q)}</em></h2>'
        f'<form action="/search"><input name="q" value="{escape(q)}"></form>{hits}'
        f'<script type="application/json" id="page-data">{data}</script>'
    )
    return page("Search", body)
