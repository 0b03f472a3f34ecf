"""A shopping list as a small JSON API: list, fetch one, and create items.

Run it:   flask --app app run
Try it:   curl -i http://127.0.0.1:5000/items

Listing works already. Your job is the four TODOs below; README.md has the exact contract.
"""

import itertools
import threading

from flask import Flask, abort, jsonify, request

app = Flask(__name__)

# In-memory storage, seeded at start-up. A real service would use a database.
ITEMS = {
    1: {"id": 1, "name": "milk", "quantity": 2},
    2: {"id": 2, "name": "bread", "quantity": 1},
    3: {"id": 3, "name": "coffee", "quantity": 1},
}
_next_id = itertools.count(len(ITEMS) + 1)
# The development server handles requests in threads; hand out ids and write under a lock.
_lock = threading.Lock()


# TODO 1: JSON errors everywhere. Right now every error (a 404 for an unknown URL, a 405 for
# DELETE /items, a 400, even a 500) is answered with Flask's HTML page. Register ONE error
# handler for werkzeug.exceptions.HTTPException that answers {"error": "<message>"} with the
# same status code and Content-Type application/json. Keep the headers the error already has:
# a 405 must still say which methods are allowed (the Allow header).
# Docs: https://flask.palletsprojects.com/en/stable/errorhandling/


@app.get("/items")
def list_items():
    return jsonify(list(ITEMS.values()))


@app.get("/items/<int:item_id>")
def get_item(item_id):
    # TODO 2: answer 200 with the item as JSON, or 404 with {"error": "..."} when there is
    # no item with that id. (Hint: abort(404, description="...") plus TODO 1.)
    abort(501)


@app.post("/items")
def create_item():
    data = request.get_json()
    # TODO 3: validate before you trust the body. Answer 400 with {"error": "..."} (never a 500)
    # when the body is not JSON, is JSON but not an object, "name" is missing, not a string or
    # blank, or "quantity" (optional, default 1) is not a whole number >= 1. Careful: in Python
    # True is an int, and request.get_json() raises on a malformed body.
    with _lock:
        item_id = next(_next_id)
        item = {"id": item_id, "name": data["name"], "quantity": data.get("quantity", 1)}
        ITEMS[item_id] = item
    # TODO 4: a successful create answers 201 Created (not 200), with the new item as JSON and
    # a Location header that points at it: /items/<id>.
    return jsonify(item)
