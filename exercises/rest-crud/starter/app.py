"""A reading list as a REST resource: /books and /books/<id>.

Run it:   sandbox run            (or: flask --app app run)
Try it:   curl -i http://127.0.0.1:5000/books

Listing, fetching and creating work (almost). Replacing, patching and deleting are yours: the
TODOs below, and README.md for the exact contract.
"""

import itertools
import json
import threading

from flask import Flask, abort, jsonify, request
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
    # TODO 1: the client needs to know where the new book lives: add a Location header
    # (/books/<id>). url_for("get_book", book_id=...) builds it for you.
    return jsonify(book), 201


@app.get("/books/<int:book_id>")
def get_book(book_id):
    book = BOOKS.get(book_id)
    if book is None:
        abort(404, description=f"no book with id {book_id}")
    return jsonify(book)


@app.put("/books/<int:book_id>")
def replace_book(book_id):
    # TODO 2: replace the whole book with the body (whole_book() validates it). Unknown id: 404.
    # Fields the body leaves out are gone afterwards; the id stays the one in the URL.
    abort(501, description="PUT is not written yet")


@app.patch("/books/<int:book_id>")
def patch_book(book_id):
    # TODO 3: JSON Merge Patch (RFC 7396): a field sent replaces that field, null removes an
    # optional field (null on a required one is a 400), a field not sent stays. Check every
    # field before you store anything.
    abort(501, description="PATCH is not written yet")


@app.delete("/books/<int:book_id>")
def delete_book(book_id):
    # TODO 4: delete the book and answer 204 No Content with an empty body; unknown id: 404.
    abort(501, description="DELETE is not written yet")
