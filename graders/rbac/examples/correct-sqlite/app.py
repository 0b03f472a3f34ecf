"""Notes API on SQLite: a decorator authenticates, the role is joined in on every request."""

import functools
import os
import secrets
import sqlite3

from flask import Flask, g, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)
DB = "notes.db"


def db():
    conn = sqlite3.connect(DB)
    conn.row_factory = sqlite3.Row
    return conn


with db() as c:
    c.executescript(
        """
        DROP TABLE IF EXISTS tokens; DROP TABLE IF EXISTS notes; DROP TABLE IF EXISTS users;
        CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT UNIQUE NOT NULL,
                            pw TEXT NOT NULL, role TEXT NOT NULL DEFAULT 'user');
        CREATE TABLE tokens (token TEXT PRIMARY KEY, user_id INTEGER NOT NULL);
        CREATE TABLE notes (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL,
                            title TEXT NOT NULL, body TEXT NOT NULL);
        """
    )
    c.execute(
        "INSERT INTO users (username, pw, role) VALUES ('admin', ?, 'admin')",
        (generate_password_hash(os.environ["ADMIN_PASSWORD"]),),
    )


def body():
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


def login_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            return jsonify(error="log in first"), 401
        with db() as c:
            row = c.execute(
                "SELECT users.id, users.username, users.role FROM tokens "
                "JOIN users ON users.id = tokens.user_id WHERE tokens.token = ?",
                (auth[7:].strip(),),
            ).fetchone()
        if row is None:
            return jsonify(error="log in first"), 401
        g.user = dict(row)
        return view(*args, **kwargs)

    return wrapper


def admin_only(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if g.user["role"] != "admin":
            return jsonify(error="forbidden"), 403
        return view(*args, **kwargs)

    return login_required(wrapper)


def not_found():
    return jsonify(error="not found"), 404


def visible(note_id):
    with db() as c:
        row = c.execute("SELECT * FROM notes WHERE id = ?", (note_id,)).fetchone()
    if row is None:
        return None
    if g.user["role"] == "admin" or row["owner"] == g.user["id"]:
        return dict(row)
    return None


def valid(data):
    title, text = data.get("title"), data.get("body", "")
    if isinstance(title, str) and title.strip() and isinstance(text, str):
        return title, text
    return None


@app.post("/register")
def register():
    data = body()
    name, pw = data.get("username"), data.get("password")
    if not (isinstance(name, str) and name and isinstance(pw, str) and pw):
        return jsonify(error="username and password required"), 400
    try:
        with db() as c:
            cur = c.execute(
                "INSERT INTO users (username, pw) VALUES (?, ?)", (name, generate_password_hash(pw))
            )
    except sqlite3.IntegrityError:
        return jsonify(error="taken"), 409
    return jsonify(id=cur.lastrowid, username=name, role="user"), 201


@app.post("/login")
def login():
    data = body()
    with db() as c:
        row = c.execute("SELECT id, pw FROM users WHERE username = ?", (data.get("username"),)).fetchone()
    pw = data.get("password")
    if row is None or not isinstance(pw, str) or not check_password_hash(row["pw"], pw):
        return jsonify(error="invalid username or password"), 401
    token = secrets.token_hex(24)
    with db() as c:
        c.execute("INSERT INTO tokens VALUES (?, ?)", (token, row["id"]))
    return jsonify(token=token)


@app.get("/me")
@login_required
def me():
    return jsonify(g.user)


@app.get("/notes")
@login_required
def my_notes():
    with db() as c:
        rows = c.execute("SELECT * FROM notes WHERE owner = ? ORDER BY id", (g.user["id"],))
        return jsonify([dict(r) for r in rows])


@app.post("/notes")
@login_required
def create():
    fields = valid(body())
    if not fields:
        return jsonify(error="title required"), 400
    with db() as c:
        cur = c.execute(
            "INSERT INTO notes (owner, title, body) VALUES (?, ?, ?)", (g.user["id"], *fields)
        )
    return jsonify(id=cur.lastrowid, owner=g.user["id"], title=fields[0], body=fields[1]), 201


@app.route("/notes/<int:note_id>", methods=["GET", "PUT", "DELETE"])
@login_required
def one(note_id):
    note = visible(note_id)
    if note is None:
        return not_found()
    if request.method == "GET":
        return jsonify(note)
    if request.method == "DELETE":
        with db() as c:
            c.execute("DELETE FROM notes WHERE id = ?", (note_id,))
        return "", 204
    if note["owner"] != g.user["id"]:
        return jsonify(error="only the owner edits"), 403
    fields = valid(body())
    if not fields:
        return jsonify(error="title required"), 400
    with db() as c:
        c.execute("UPDATE notes SET title = ?, body = ? WHERE id = ?", (*fields, note_id))
    return jsonify(note | {"title": fields[0], "body": fields[1]})


@app.get("/users")
@admin_only
def users():
    with db() as c:
        return jsonify([dict(r) for r in c.execute("SELECT id, username, role FROM users")])


@app.put("/users/<int:user_id>/role")
@admin_only
def role(user_id):
    new = body().get("role")
    with db() as c:
        row = c.execute("SELECT id, username FROM users WHERE id = ?", (user_id,)).fetchone()
        if row is None:
            return not_found()
        if new not in ("user", "admin"):
            return jsonify(error="bad role"), 400
        c.execute("UPDATE users SET role = ? WHERE id = ?", (new, user_id))
    return jsonify(id=row["id"], username=row["username"], role=new)
