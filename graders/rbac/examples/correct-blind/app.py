"""Notes API with owner checks, roles read fresh on every request, and 401/403/404 kept apart."""

import functools
import os
import secrets
import threading

from flask import Flask, g, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)

VALID_ROLES = ("user", "admin")

_guard = threading.Lock()
_user_seq = 0
_note_seq = 0
_users: dict[int, dict] = {}
_by_name: dict[str, int] = {}
_tokens: dict[str, int] = {}  # bearer token -> user id (never the role)
_notes: dict[int, dict] = {}


def _not_found():
    return jsonify(error="not found"), 404


def _forbidden(msg="forbidden"):
    return jsonify(error=msg), 403


def _body() -> dict:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def _create_user(name: str, password: str, role: str = "user") -> dict:
    global _user_seq
    with _guard:
        _user_seq += 1
        user = {"id": _user_seq, "username": name, "pw": generate_password_hash(password), "role": role}
        _users[user["id"]] = user
        _by_name[name] = user["id"]
    return user


def _view(user: dict) -> dict:
    return {"id": user["id"], "username": user["username"], "role": user["role"]}


def _bearer_user() -> dict | None:
    parts = request.headers.get("Authorization", "").split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    uid = _tokens.get(parts[1])
    return _users.get(uid) if uid is not None else None


@app.before_request
def _require_login():
    if request.endpoint in ("register", "login"):
        return None
    user = _bearer_user()
    if user is None:
        return jsonify(error="a valid bearer token is required"), 401, {"WWW-Authenticate": "Bearer"}
    g.user = user  # the live record: its current role is what counts
    return None


def _is_admin() -> bool:
    return g.user["role"] == "admin"


def admin_only(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not _is_admin():
            return _forbidden("admins only")
        return view(*args, **kwargs)

    return wrapper


def _visible_note(note_id: int) -> dict | None:
    note = _notes.get(note_id)
    if note is None:
        return None
    if note["owner"] != g.user["id"] and not _is_admin():
        return None
    return note


def _parse_note(data: dict):
    title = data.get("title")
    body = data.get("body", "")
    if not isinstance(title, str) or not title.strip():
        return None
    if not isinstance(body, str):
        return None
    return title, body


@app.post("/register")
def register():
    data = _body()
    name, pw = data.get("username"), data.get("password")
    if not (isinstance(name, str) and name and isinstance(pw, str) and pw):
        return jsonify(error="username and password are required"), 400
    if name in _by_name:
        return jsonify(error="username already taken"), 409
    return jsonify(_view(_create_user(name, pw))), 201


@app.post("/login")
def login():
    data = _body()
    name, pw = data.get("username"), data.get("password")
    if not (isinstance(name, str) and name and isinstance(pw, str) and pw):
        return jsonify(error="invalid username or password"), 401
    uid = _by_name.get(name)
    user = _users.get(uid) if uid is not None else None
    if user is None or not check_password_hash(user["pw"], pw):
        return jsonify(error="invalid username or password"), 401
    token = secrets.token_urlsafe(32)
    _tokens[token] = user["id"]
    return jsonify(token=token)


@app.get("/me")
def me():
    return jsonify(_view(g.user))


@app.get("/notes")
def list_notes():
    return jsonify([n for n in _notes.values() if n["owner"] == g.user["id"]])


@app.post("/notes")
def create_note():
    global _note_seq
    parsed = _parse_note(_body())
    if parsed is None:
        return jsonify(error="title must be a non-empty string; body a string"), 400
    with _guard:
        _note_seq += 1
        note = {"id": _note_seq, "owner": g.user["id"], "title": parsed[0], "body": parsed[1]}
        _notes[note["id"]] = note
    return jsonify(note), 201


@app.get("/notes/<int:note_id>")
def read_note(note_id):
    note = _visible_note(note_id)
    return jsonify(note) if note is not None else _not_found()


@app.put("/notes/<int:note_id>")
def replace_note(note_id):
    note = _visible_note(note_id)
    if note is None:
        return _not_found()
    if note["owner"] != g.user["id"]:
        return _forbidden("only the owner edits a note")
    parsed = _parse_note(_body())
    if parsed is None:
        return jsonify(error="title must be a non-empty string; body a string"), 400
    note["title"], note["body"] = parsed
    return jsonify(note)


@app.delete("/notes/<int:note_id>")
def remove_note(note_id):
    if _visible_note(note_id) is None:
        return _not_found()
    _notes.pop(note_id, None)
    return "", 204


@app.get("/users")
@admin_only
def all_users():
    return jsonify([_view(u) for u in _users.values()])


@app.put("/users/<int:user_id>/role")
@admin_only
def change_role(user_id):
    role = _body().get("role")
    if role not in VALID_ROLES:
        return jsonify(error="role must be 'user' or 'admin'"), 400
    user = _users.get(user_id)
    if user is None:
        return _not_found()
    user["role"] = role
    return jsonify(_view(user))


_create_user("admin", os.environ["ADMIN_PASSWORD"], role="admin")
