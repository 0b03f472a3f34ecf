"""A guestbook and a search page. Whatever a visitor types ends up in other visitors' pages:
read the TODOs."""

import json

from flask import Flask, redirect, render_template, request

app = Flask(__name__)

comments: list[dict] = []  # {"name", "text", "website"}, oldest first

# TODO: send a Content-Security-Policy on every response whose script-src has no
#       'unsafe-inline' (an @app.after_request hook), so injected scripts would not run.


@app.get("/")
def guestbook():
    return render_template("guestbook.html", comments=comments)


@app.post("/comments")
def add_comment():
    name = request.form.get("name", "").strip()
    text = request.form.get("text", "").strip()
    website = request.form.get("website", "").strip()
    if not name or not text:
        return "name and text are required", 400
    # TODO: a website that is not an http:// or https:// URL (javascript:alert(1)!) is 400.
    comments.append({"name": name, "text": text, "website": website})
    return redirect("/", 303)


@app.get("/search")
def search():
    q = request.args.get("q", "")
    found = [c for c in comments if q.lower() in c["text"].lower()]
    data = json.dumps({"query": q})
    return render_template("search.html", q=q, comments=found, data=data)
