"""A correct solution that takes the README's other allowed answers wherever it offers two.

Absolute Location URLs, 415 for a non-JSON Content-Type, a JSON object without any Content-Type
read anyway, 3.0 accepted as 3, names stored stripped.
"""

import json
import threading

from flask import Flask, jsonify, request, url_for
from werkzeug.exceptions import BadRequest, HTTPException, UnsupportedMediaType

app = Flask(__name__)


class Store:
    def __init__(self, seeds):
        self._items = {item["id"]: dict(item) for item in seeds}
        self._next = max(self._items) + 1
        self._lock = threading.Lock()

    def all(self):
        return list(self._items.values())

    def get(self, item_id):
        return self._items.get(item_id)

    def add(self, name, quantity):
        with self._lock:
            item = {"id": self._next, "name": name, "quantity": quantity}
            self._items[self._next] = item
            self._next += 1
            return item


store = Store(
    [
        {"id": 1, "name": "milk", "quantity": 2},
        {"id": 2, "name": "bread", "quantity": 1},
        {"id": 3, "name": "coffee", "quantity": 1},
    ]
)


@app.errorhandler(HTTPException)
def as_json(exc):
    response = exc.get_response()
    response.set_data(json.dumps({"error": exc.description or exc.name}))
    response.mimetype = "application/json"
    return response


def body_object():
    if request.mimetype == "application/json":
        data = request.get_json(silent=True)
    elif not request.mimetype:  # no Content-Type at all: read it as JSON anyway
        try:
            data = json.loads(request.get_data(as_text=True))
        except ValueError:
            raise BadRequest("the body must be a JSON object") from None
    else:
        raise UnsupportedMediaType("send the item as application/json")
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    return data


def whole(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, int) else None


@app.route("/items", methods=["GET", "POST"])
def items():
    if request.method == "GET":
        return jsonify(store.all())
    data = body_object()
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest('"name" must be a non-blank string')
    quantity = whole(data.get("quantity", 1))
    if quantity is None or quantity < 1:
        raise BadRequest('"quantity" must be a whole number >= 1')
    item = store.add(name.strip(), quantity)
    response = jsonify(item)
    response.status_code = 201
    response.headers["Location"] = url_for("one_item", item_id=item["id"], _external=True)
    return response


@app.get("/items/<int:item_id>")
def one_item(item_id):
    item = store.get(item_id)
    if item is None:
        return jsonify(error=f"item {item_id} does not exist"), 404
    return jsonify(item)
