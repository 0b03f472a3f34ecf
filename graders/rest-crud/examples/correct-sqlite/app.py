"""Books in SQLite: NULL columns are the absent optional fields."""

import sqlite3

from flask import Flask, abort, g, jsonify, request
from werkzeug.exceptions import HTTPException

app = Flask(__name__)
DB = "books.sqlite3"
COLUMNS = ("title", "author", "year", "notes")

with sqlite3.connect(DB) as conn:
    conn.execute("DROP TABLE IF EXISTS books")
    conn.execute(
        "CREATE TABLE books (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL,"
        " author TEXT NOT NULL, year INTEGER, notes TEXT)"
    )


def db():
    if "db" not in g:
        g.db = sqlite3.connect(DB, timeout=10)
        g.db.row_factory = sqlite3.Row
    return g.db


@app.teardown_appcontext
def close(_):
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()


@app.errorhandler(HTTPException)
def err(e):
    return jsonify(error=e.description), e.code, {
        k: v for k, v in e.get_response().headers.items() if k == "Allow"
    }


def as_dict(row):
    return {k: row[k] for k in row.keys() if row[k] is not None}


def check(book):
    for name in ("title", "author"):
        v = book.get(name)
        if not isinstance(v, str) or not v.strip():
            abort(400, f"{name} must be a non-blank string")
    y = book.get("year")
    if y is not None and (isinstance(y, bool) or not isinstance(y, int)):
        abort(400, "year must be an integer")
    n = book.get("notes")
    if n is not None and not isinstance(n, str):
        abort(400, "notes must be a string")


def payload():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "send a JSON object")
    return data


def row_or_404(book_id):
    row = db().execute("SELECT * FROM books WHERE id = ?", (book_id,)).fetchone()
    if row is None:
        abort(404, f"book {book_id} does not exist")
    return row


@app.route("/books", methods=["GET", "POST"])
def collection():
    if request.method == "GET":
        return jsonify([as_dict(r) for r in db().execute("SELECT * FROM books ORDER BY id")])
    data = payload()
    book = {c: data.get(c) for c in COLUMNS}
    if book["year"] is None and "year" in data or book["notes"] is None and "notes" in data:
        abort(400, "optional fields may be left out, not null")
    check(book)
    cur = db().execute("INSERT INTO books (title, author, year, notes) VALUES (?, ?, ?, ?)",
                       tuple(book[c] for c in COLUMNS))
    db().commit()
    created = as_dict(row_or_404(cur.lastrowid))
    return jsonify(created), 201, {"Location": f"/books/{cur.lastrowid}"}


@app.route("/books/<int:book_id>", methods=["GET", "PUT", "PATCH", "DELETE"])
def member(book_id):
    row = row_or_404(book_id)
    if request.method == "GET":
        return jsonify(as_dict(row))
    if request.method == "DELETE":
        db().execute("DELETE FROM books WHERE id = ?", (book_id,))
        db().commit()
        return "", 204
    data = payload()
    if request.method == "PUT":
        if any(data.get(c, 0) is None for c in COLUMNS):
            abort(400, "null is not a value")
        book = {c: data.get(c) for c in COLUMNS}
    else:  # merge patch: absent keeps, null removes
        book = dict(row)
        for c in COLUMNS:
            if c in data:
                book[c] = data[c]
    check(book)
    db().execute("UPDATE books SET title = ?, author = ?, year = ?, notes = ? WHERE id = ?",
                 (*(book[c] for c in COLUMNS), book_id))
    db().commit()
    return jsonify(as_dict(row_or_404(book_id)))
