"""A reading list as a REST resource: /books and /books/<id>.

Run it:   sandbox run            (or: flask --app app run)
Try it:   curl -i http://127.0.0.1:5000/books

Listing, fetching and creating work (almost). Replacing, patching and deleting are yours: the
TODOs below, and README.md for the exact contract.
"""

import itertools
import json
import threading

from flask import Flask, abort, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

app = Flask(__name__)

BOOKS = {}  # id -> {"id", "title", "author", optional "year", optional "notes"}
_ids = itertools.count(1)
_lock = threading.Lock()  # the development server answers requests in threads

REQUIRED = {"title": str, "author": str}
OPTIONAL = {"year": int, "notes": str}


@app.errorhandler(HTTPException)
def http_error_as_json(exc):
    response = exc.get_response()  # keeps the headers the error needs, e.g. Allow on a 405
    response.set_data(json.dumps({"error": exc.description}))
    response.content_type = "application/json"
    return response


def field_error(name, value):
    """Why `value` is not acceptable for the field `name`, or None."""
    kind = (REQUIRED | OPTIONAL)[name]
    if kind is int and (not isinstance(value, int) or isinstance(value, bool)):
        return f'"{name}" must be a whole number'
    if kind is str and not isinstance(value, str):
        return f'"{name}" must be a string'
    if name in REQUIRED and not value.strip():
        return f'"{name}" must not be blank'
    return None


def json_object():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="the body must be a JSON object")
    return data


def whole_book(data):
    """A complete representation: every required field, the optional ones if sent."""
    book = {}
    for name in REQUIRED | OPTIONAL:
        if name not in data:
            if name in REQUIRED:
                abort(400, description=f'"{name}" is required')
            continue
        problem = field_error(name, data[name])
        if problem:
            abort(400, description=problem)
        book[name] = data[name]
    return book


@app.get("/books")
def list_books():
    return jsonify(list(BOOKS.values()))


@app.post("/books")
def create_book():
    fields = whole_book(json_object())
    with _lock:
        book = {"id": next(_ids), **fields}
        BOOKS[book["id"]] = book
    response = jsonify(book)
    response.status_code = 201
    response.headers["Location"] = url_for("get_book", book_id=book["id"])
    return response


@app.get("/books/<int:book_id>")
def get_book(book_id):
    book = BOOKS.get(book_id)
    if book is None:
        abort(404, description=f"no book with id {book_id}")
    return jsonify(book)


def existing(book_id):
    book = BOOKS.get(book_id)
    if book is None:
        abort(404, description=f"no book with id {book_id}")
    return book


@app.put("/books/<int:book_id>")
def replace_book(book_id):
    existing(book_id)
    fields = whole_book(json_object())
    with _lock:
        existing(book_id)
        book = {"id": book_id, **fields}
        BOOKS[book_id] = book
    return jsonify(book)


@app.patch("/books/<int:book_id>")
def patch_book(book_id):
    existing(book_id)
    patch = json_object()
    with _lock:
        updated = existing(book_id)  # BUG: edits the stored book in place
        for name, value in patch.items():
            if name not in REQUIRED and name not in OPTIONAL:
                continue  # id and unknown fields are ignored
            if value is None:
                if name in REQUIRED:
                    abort(400, description=f'"{name}" is required and cannot be removed')
                updated.pop(name, None)
                continue
            problem = field_error(name, value)
            if problem:
                abort(400, description=problem)
            updated[name] = value
        BOOKS[book_id] = updated
    return jsonify(updated)


@app.delete("/books/<int:book_id>")
def delete_book(book_id):
    with _lock:
        existing(book_id)
        del BOOKS[book_id]
    return "", 204
