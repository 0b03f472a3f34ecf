"""Books as class-based views (MethodView), validation as a table of rules."""

import threading

from flask import Flask, jsonify, request, url_for
from flask.views import MethodView
from werkzeug.exceptions import HTTPException

app = Flask(__name__)
store = {"next": 1, "books": []}
lock = threading.RLock()


class Invalid(Exception):
    pass


@app.errorhandler(HTTPException)
def as_json(e):
    resp = e.get_response()
    resp.data = jsonify(error=e.description or e.name).get_data()
    resp.mimetype = "application/json"
    return resp


@app.errorhandler(Invalid)
def invalid(e):
    return jsonify(error=str(e)), 400


def nonblank(v):
    return isinstance(v, str) and v.strip() != ""


RULES = {
    "title": (True, nonblank),
    "author": (True, nonblank),
    "year": (False, lambda v: type(v) is int),
    "notes": (False, lambda v: isinstance(v, str)),
}


def body():
    data = request.get_json(force=True, silent=True)
    if type(data) is not dict:
        raise Invalid("expected a JSON object")
    return data


def complete(data):
    out = {}
    for name, (required, ok) in RULES.items():
        if name in data:
            if not ok(data[name]):
                raise Invalid(f"bad {name}")
            out[name] = data[name]
        elif required:
            raise Invalid(f"missing {name}")
    return out


def locate(book_id):
    for i, b in enumerate(store["books"]):
        if b["id"] == book_id:
            return i
    return None


def not_found(book_id):
    return jsonify(error=f"book {book_id} not found"), 404


class Collection(MethodView):
    def get(self):
        return jsonify(store["books"])

    def post(self):
        fields = complete(body())
        with lock:
            book = dict(id=store["next"], **fields)
            store["next"] += 1
            store["books"].append(book)
        return jsonify(book), 201, {"Location": url_for("book", book_id=book["id"], _external=True)}


class Member(MethodView):
    def get(self, book_id):
        i = locate(book_id)
        return not_found(book_id) if i is None else jsonify(store["books"][i])

    def put(self, book_id):
        with lock:
            i = locate(book_id)
            if i is None:
                return not_found(book_id)
            store["books"][i] = dict(id=book_id, **complete(body()))
            return jsonify(store["books"][i])

    def patch(self, book_id):
        with lock:
            i = locate(book_id)
            if i is None:
                return not_found(book_id)
            merged = dict(store["books"][i])
            for k, v in body().items():
                if k not in RULES:
                    continue
                if v is None:
                    merged.pop(k, None)
                else:
                    merged[k] = v
            store["books"][i] = dict(id=book_id, **complete(merged))
            return jsonify(store["books"][i])

    def delete(self, book_id):
        with lock:
            i = locate(book_id)
            if i is not None:
                store["books"].pop(i)
        return "", 204  # idempotent: deleting twice is fine


app.add_url_rule("/books", view_func=Collection.as_view("books"))
app.add_url_rule("/books/<int:book_id>", view_func=Member.as_view("book"))
