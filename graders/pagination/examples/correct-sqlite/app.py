"""Events in SQLite; the keyset query does the paging; limits above 100 are clamped."""

import base64
import sqlite3

from flask import Flask, jsonify, request

app = Flask(__name__)
DB = "events.db"

with sqlite3.connect(DB) as c:
    c.execute("DROP TABLE IF EXISTS events")
    c.execute("CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL)")


def connect():
    return sqlite3.connect(DB, timeout=10)


def error(status, message):
    return jsonify(error=message), status


@app.post("/events")
def add():
    body = request.get_json(silent=True) or {}
    title = body.get("title") if isinstance(body, dict) else None
    if not isinstance(title, str) or not title.strip():
        return error(400, "title required")
    with connect() as db:
        new_id = db.execute("INSERT INTO events (title) VALUES (?)", (title,)).lastrowid
    return jsonify(id=new_id, title=title), 201


@app.get("/events")
def events():
    try:
        limit = int(request.args.get("limit", "10"))
    except ValueError:
        return error(400, "limit must be an integer")
    if limit < 1:
        return error(400, "limit must be at least 1")
    limit = min(limit, 100)  # the README allows clamping
    after = None
    if "cursor" in request.args:
        try:
            after = int(base64.b32decode(request.args["cursor"].upper()).decode())
        except Exception:
            return error(400, "bad cursor")
    sql, args = "SELECT id, title FROM events", []
    if after is not None:
        sql += " WHERE id < ?"
        args.append(after)
    sql += " ORDER BY id DESC LIMIT ?"
    args.append(limit + 1)
    with connect() as db:
        rows = db.execute(sql, args).fetchall()
    items = [{"id": i, "title": t} for i, t in rows[:limit]]
    resp = jsonify(items=items, next_cursor=None)
    if len(rows) > limit:
        cur = base64.b32encode(str(items[-1]["id"]).encode()).decode()
        resp = jsonify(items=items, next_cursor=cur)
        resp.headers["Link"] = f'<{request.base_url}?cursor={cur}&limit={limit}>; rel="next"'
    return resp
