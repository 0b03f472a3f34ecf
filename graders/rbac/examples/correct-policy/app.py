"""Notes API with one policy table: every decision goes through can(user, action, note)."""

import hmac
import os
import secrets
from dataclasses import asdict, dataclass, field

from flask import Flask, abort, g, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash


@dataclass
class User:
    id: int
    username: str
    pw_hash: str
    role: str = "user"


@dataclass
class Note:
    id: int
    owner: int
    title: str
    body: str = ""


@dataclass
class Store:
    users: dict = field(default_factory=dict)
    notes: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)
    last_id: int = 0

    def next_id(self):
        self.last_id += 1
        return self.last_id


store = Store()
app = Flask(__name__)

# action -> who may do it to a note they are not the owner of
OTHERS_NOTES = {"read": {"admin"}, "delete": {"admin"}, "edit": set()}


def can(user, action, note):
    return note.owner == user.id or user.role in OTHERS_NOTES[action]


def data():
    d = request.get_json(silent=True)
    return d if isinstance(d, dict) else {}


def user_view(u):
    return {"id": u.id, "username": u.username, "role": u.role}


@app.errorhandler(401)
def unauthorized(e):
    return jsonify(error="unauthorized"), 401


@app.errorhandler(403)
def forbidden(e):
    return jsonify(error="forbidden"), 403


@app.errorhandler(404)
def not_found(e):
    return jsonify(error="not found"), 404


@app.before_request
def who():
    if request.path in ("/register", "/login"):
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    user_id = store.sessions.get(token) if scheme == "Bearer" and token else None
    if user_id is None:
        abort(401)
    g.user = store.users[user_id]  # the live object: its role is always the current one


def note_or_404(note_id, action):
    note = store.notes.get(note_id)
    if note is None or not can(g.user, "read", note):
        abort(404)
    if not can(g.user, action, note):
        abort(403)
    return note


def fields():
    d = data()
    if not isinstance(d.get("title"), str) or not d["title"].strip():
        abort(400)
    if not isinstance(d.get("body", ""), str):
        abort(400)
    return d["title"], d.get("body", "")


@app.post("/register")
def register():
    d = data()
    if not all(isinstance(d.get(k), str) and d[k] for k in ("username", "password")):
        return jsonify(error="username and password required"), 400
    if any(u.username == d["username"] for u in store.users.values()):
        return jsonify(error="taken"), 409
    u = User(store.next_id(), d["username"], generate_password_hash(d["password"]))
    store.users[u.id] = u
    return jsonify(user_view(u)), 201


@app.post("/login")
def login():
    d = data()
    for u in store.users.values():
        if hmac.compare_digest(u.username, str(d.get("username", ""))):
            if isinstance(d.get("password"), str) and check_password_hash(u.pw_hash, d["password"]):
                token = secrets.token_urlsafe()
                store.sessions[token] = u.id
                return jsonify(token=token)
    return jsonify(error="invalid username or password"), 401


@app.get("/me")
def me():
    return jsonify(user_view(g.user))


@app.route("/notes", methods=["GET", "POST"])
def notes():
    if request.method == "GET":
        return jsonify([asdict(n) for n in store.notes.values() if n.owner == g.user.id])
    title, body = fields()
    note = Note(store.next_id(), g.user.id, title, body)
    store.notes[note.id] = note
    return jsonify(asdict(note)), 201


@app.get("/notes/<int:note_id>")
def read(note_id):
    return jsonify(asdict(note_or_404(note_id, "read")))


@app.put("/notes/<int:note_id>")
def edit(note_id):
    note = note_or_404(note_id, "edit")
    note.title, note.body = fields()
    return jsonify(asdict(note))


@app.delete("/notes/<int:note_id>")
def remove(note_id):
    note_or_404(note_id, "delete")
    del store.notes[note_id]
    return "", 204


@app.get("/users")
def all_users():
    if g.user.role != "admin":
        abort(403)
    return jsonify([user_view(u) for u in store.users.values()])


@app.put("/users/<int:user_id>/role")
def set_role(user_id):
    if g.user.role != "admin":
        abort(403)
    target = store.users.get(user_id) or abort(404)
    if data().get("role") not in ("user", "admin"):
        abort(400)
    target.role = data()["role"]
    return jsonify(user_view(target))


admin = User(store.next_id(), "admin", generate_password_hash(os.environ["ADMIN_PASSWORD"]), "admin")
store.users[admin.id] = admin
