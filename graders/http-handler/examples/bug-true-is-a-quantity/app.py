"""A shopping list as a small JSON API: list, fetch one, and create items."""

import itertools
import json
import threading

from flask import Flask, abort, jsonify, request
from werkzeug.exceptions import HTTPException

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


@app.errorhandler(HTTPException)
def http_error_as_json(exc):
    """Answer every HTTP error with {"error": ...} instead of Flask's HTML page.

    This covers abort() in our views, URLs no route matches (404), methods a route does not
    accept (405), and uncaught exceptions (Flask turns them into a 500 InternalServerError).
    """
    # get_response() keeps the headers the error needs, e.g. Allow on a 405.
    response = exc.get_response()
    response.set_data(json.dumps({"error": exc.description}))
    response.content_type = "application/json"
    return response


@app.get("/items")
def list_items():
    return jsonify(list(ITEMS.values()))


@app.get("/items/<int:item_id>")
def get_item(item_id):
    item = ITEMS.get(item_id)
    if item is None:
        abort(404, description=f"no item with id {item_id}")
    return jsonify(item)


def validate_new_item(data):
    """Return an error message for a bad create request, or None if it is fine."""
    if not isinstance(data, dict):
        return 'the request body must be a JSON object, e.g. {"name": "milk"}'
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        return '"name" is required and must be a non-empty string'
    quantity = data.get("quantity", 1)
    # bool is a subclass of int in Python, so `true` would slip through a plain isinstance check.
    if not isinstance(quantity, int) or quantity < 1:
        return '"quantity" must be a whole number of at least 1'
    return None


@app.post("/items")
def create_item():
    # silent=True: a missing or malformed body gives None (then a 400 below) instead of raising.
    data = request.get_json(silent=True)
    problem = validate_new_item(data)
    if problem:
        abort(400, description=problem)

    with _lock:
        item_id = next(_next_id)
        # Build the item from the fields we accept; never copy the body wholesale.
        item = {"id": item_id, "name": data["name"], "quantity": data.get("quantity", 1)}
        ITEMS[item_id] = item

    response = jsonify(item)
    response.status_code = 201
    response.headers["Location"] = f"/items/{item_id}"
    return response
