"""Notes with owners and roles: who may do what, checked on every request (reference solution)."""

import os
import secrets
import threading
from itertools import count

from flask import Flask, g, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)

ROLES = {"user", "admin"}
NOT_FOUND = {"error": "not found"}

_lock = threading.Lock()
_ids = count(1)
users: dict[int, dict] = {}  # id -> {"id", "username", "password_hash", "role"}
tokens: dict[str, int] = {}  # token -> user id: only *who*, never the role (that can change)
notes: dict[int, dict] = {}  # id -> {"id", "owner", "title", "body"}


def json_object() -> dict:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def add_user(username: str, password: str, role: str = "user") -> dict:
    with _lock:
        user = {
            "id": next(_ids),
            "username": username,
            "password_hash": generate_password_hash(password),
            "role": role,
        }
        users[user["id"]] = user
    return user


def public(user: dict) -> dict:
    return {"id": user["id"], "username": user["username"], "role": user["role"]}


def current_user() -> dict | None:
    """The user behind the bearer token, looked up now: a role change shows at once."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    session = tokens.get(token.strip())
    if session is None:
        return None
    return {**users[session["id"]], "role": session["role"]}  # BUG: the role as it was at login


@app.before_request
def authenticate():
    if request.endpoint in ("register", "login"):
        return None
    g.user = current_user()
    if g.user is None:
        return jsonify(error="authentication required"), 401, {"WWW-Authenticate": "Bearer"}
    return None


def readable_note(note_id: int) -> dict | None:
    """The note if this user may see it. Someone else's note is None, exactly like a missing
    one: a 403 would confirm to an id-guesser that the note exists."""
    note = notes.get(note_id)
    if note is None or (note["owner"] != g.user["id"] and g.user["role"] != "admin"):
        return None
    return note


def note_fields(data: dict) -> tuple[str, str] | None:
    title, body = data.get("title"), data.get("body", "")
    if not isinstance(title, str) or not title.strip() or not isinstance(body, str):
        return None
    return title, body


@app.post("/register")
def register():
    data = json_object()
    username, password = data.get("username"), data.get("password")
    if (
        not isinstance(username, str)
        or not username
        or not isinstance(password, str)
        or not password
    ):
        return jsonify(error="username and password are required"), 400
    if any(u["username"] == username for u in users.values()):
        return jsonify(error="username already taken"), 409
    # The role is never taken from the body: everyone who registers is a plain user.
    return jsonify(public(add_user(username, password))), 201


@app.post("/login")
def login():
    data = json_object()
    user = next((u for u in users.values() if u["username"] == data.get("username")), None)
    password = data.get("password")
    if (
        user is None
        or not isinstance(password, str)
        or not check_password_hash(user["password_hash"], password)
    ):
        return jsonify(error="invalid username or password"), 401
    token = secrets.token_urlsafe(32)
    tokens[token] = {"id": user["id"], "role": user["role"]}
    return jsonify(token=token), 200


@app.get("/me")
def me():
    return jsonify(public(g.user))


@app.get("/notes")
def list_notes():
    mine = [n for n in notes.values() if n["owner"] == g.user["id"]]
    return jsonify(mine)


@app.post("/notes")
def create_note():
    fields = note_fields(json_object())
    if fields is None:
        return jsonify(error="title (a non-empty string) is required; body is a string"), 400
    with _lock:
        # The owner comes from the token, whatever the body says.
        note = {"id": next(_ids), "owner": g.user["id"], "title": fields[0], "body": fields[1]}
        notes[note["id"]] = note
    return jsonify(note), 201


@app.get("/notes/<int:note_id>")
def get_note(note_id: int):
    note = readable_note(note_id)
    return (jsonify(note), 200) if note else (jsonify(NOT_FOUND), 404)


@app.put("/notes/<int:note_id>")
def update_note(note_id: int):
    note = readable_note(note_id)
    if note is None:
        return jsonify(NOT_FOUND), 404
    if note["owner"] != g.user["id"]:  # an admin may see it, but only its owner edits it
        return jsonify(error="only the owner may edit a note"), 403
    fields = note_fields(json_object())
    if fields is None:
        return jsonify(error="title (a non-empty string) is required; body is a string"), 400
    note["title"], note["body"] = fields
    return jsonify(note), 200


@app.delete("/notes/<int:note_id>")
def delete_note(note_id: int):
    if readable_note(note_id) is None:
        return jsonify(NOT_FOUND), 404
    del notes[note_id]  # the owner, or an admin
    return "", 204


def require_admin():
    if g.user["role"] != "admin":
        return jsonify(error="admins only"), 403
    return None


@app.get("/users")
def list_users():
    if denied := require_admin():
        return denied
    return jsonify([public(u) for u in users.values()])


@app.put("/users/<int:user_id>/role")
def set_role(user_id: int):
    if denied := require_admin():
        return denied
    user = users.get(user_id)
    if user is None:
        return jsonify(NOT_FOUND), 404
    role = json_object().get("role")
    if role not in ROLES:
        return jsonify(error="role must be 'user' or 'admin'"), 400
    user["role"] = role
    return jsonify(public(user)), 200


# The first admin's password comes from the environment, never from the source code.
add_user("admin", os.environ["ADMIN_PASSWORD"], role="admin")
