"""A shopping list as a small JSON API: list, fetch one, and create items.

Run it:   flask --app app run
Try it:   curl -i http://127.0.0.1:5000/items

Approach: plain Flask route functions, one HTTPException error handler, manual validation.
"""

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
def json_error(exc: HTTPException):
    """Every HTTP error (404, 405, 400, 415, 500, ...) answered as {"error": "..."}."""
    # get_response() keeps the status and the headers werkzeug already set (Allow on a 405).
    response = exc.get_response()
    message = exc.description or exc.name or "error"
    response.set_data(json.dumps({"error": message}))
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


def _is_whole_number(value) -> bool:
    # bool is a subclass of int in Python: true/false are not quantities.
    return isinstance(value, int) and not isinstance(value, bool)


@app.post("/items")
def create_item():
    # silent=True: a malformed body, an empty body or a non-JSON Content-Type gives None
    # instead of raising, so all of them become a clean 400 below.
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="the body must be a JSON object")

    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        abort(400, description='"name" is required and must be a non-empty string')

    quantity = data.get("quantity", 1)
    if not _is_whole_number(quantity) or quantity < 1:
        abort(400, description='"quantity" must be a whole number >= 1')

    with _lock:
        item_id = next(_next_id)
        # Built from the accepted fields only: a client-sent "id" (or anything else) is ignored.
        item = {"id": item_id, "name": name, "quantity": quantity}
        ITEMS[item_id] = item

    response = jsonify(item)
    response.status_code = 201
    response.headers["Location"] = f"/items/{item_id}"
    return response
