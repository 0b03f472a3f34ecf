"""A shopping list as a small JSON API: list, fetch one, and create items.

Run it:   flask --app app run
Try it:   curl -i http://127.0.0.1:5000/items

Approach: class-based views (flask.views.MethodView), the body parsed by hand (415 for a
non-JSON Content-Type, 400 for anything unparsable) and validated by a tiny declarative schema.
"""

import itertools
import json
import threading

from flask import Flask, jsonify, make_response, request
from flask.views import MethodView
from werkzeug.exceptions import BadRequest, HTTPException, NotFound, UnsupportedMediaType

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


# ---------------------------------------------------------------------------------------------
# Errors: one handler for every HTTPException, JSON body, original status and headers.
# ---------------------------------------------------------------------------------------------
@app.errorhandler(HTTPException)
def json_error(exc: HTTPException):
    original = exc.get_response()  # status + headers werkzeug set (e.g. Allow on a 405)
    body = json.dumps({"error": exc.description or exc.name or "error"})
    response = make_response(body, original.status_code)
    for key, value in original.headers.items():
        if key.lower() not in ("content-type", "content-length"):
            response.headers.add(key, value)
    response.headers["Content-Type"] = "application/json"
    return response


# ---------------------------------------------------------------------------------------------
# A tiny schema helper: each field has a check and an optional default.
# ---------------------------------------------------------------------------------------------
_MISSING = object()


class ValidationError(Exception):
    pass


def non_blank_string(value):
    if not isinstance(value, str) or value.strip() == "":
        raise ValidationError("must be a non-empty string")
    return value


def positive_whole_number(value):
    # type() rather than isinstance(): True/False are ints in Python, floats like 2.0 are not
    # whole numbers as JSON sent them.
    if type(value) is not int or value < 1:
        raise ValidationError("must be a whole number >= 1")
    return value


class Field:
    def __init__(self, check, default=_MISSING):
        self.check = check
        self.default = default

    @property
    def required(self):
        return self.default is _MISSING


ITEM_SCHEMA = {
    "name": Field(non_blank_string),
    "quantity": Field(positive_whole_number, default=1),
}


def validate(data, schema):
    """Return a new dict with only the schema's fields, or raise BadRequest."""
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    clean = {}
    for name, field in schema.items():
        if name not in data:
            if field.required:
                raise BadRequest(f'"{name}" is required')
            clean[name] = field.default
            continue
        try:
            clean[name] = field.check(data[name])
        except ValidationError as err:
            raise BadRequest(f'"{name}" {err}') from None
    return clean  # unknown fields (including "id") are dropped here


def json_body():
    """The parsed JSON body.

    400 for an empty body (whatever the Content-Type), for a missing Content-Type and for JSON
    that does not parse; 415 for a body sent with a non-JSON Content-Type (form, plain text).
    """
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise BadRequest("the body is empty: send a JSON object")
    if not request.mimetype:
        raise BadRequest("send the body as JSON, with Content-Type: application/json")
    if not request.is_json:
        raise UnsupportedMediaType("send the body as JSON (Content-Type: application/json)")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the body is not valid JSON") from None


# ---------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------
class ItemCollection(MethodView):
    """/items: GET lists, POST creates. Any other method is a 405 (Allow: GET, HEAD, OPTIONS, POST)."""

    def get(self):
        return jsonify(list(ITEMS.values()))

    def post(self):
        fields = validate(json_body(), ITEM_SCHEMA)
        with _lock:
            item_id = next(_next_id)
            item = {"id": item_id, **fields}
            ITEMS[item_id] = item
        return jsonify(item), 201, {"Location": f"/items/{item_id}"}


class ItemResource(MethodView):
    """/items/<int:id>: GET only."""

    def get(self, item_id):
        try:
            return jsonify(ITEMS[item_id])
        except KeyError:
            raise NotFound(f"no item with id {item_id}") from None


app.add_url_rule("/items", view_func=ItemCollection.as_view("items"))
app.add_url_rule("/items/<int:item_id>", view_func=ItemResource.as_view("item"))
