"""User registration and login.

This app works, but it is not safe: read the TODOs.
"""

import sqlite3

from flask import Flask, jsonify, request

DB_PATH = "users.db"  # relative: lives in the app's working directory

app = Flask(__name__)


def get_db() -> sqlite3.Connection:
    return sqlite3.connect(DB_PATH)


def init_db() -> None:
    with get_db() as db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS users ("
            " username TEXT PRIMARY KEY,"
            " password_hash TEXT NOT NULL)"
        )


def read_credentials():
    """Return (username, password) from the JSON body, or None if either is missing."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return None
    username = data.get("username")
    password = data.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        return None
    if not username or not password:
        return None
    return username, password


@app.post("/register")
def register():
    credentials = read_credentials()
    if credentials is None:
        return jsonify(error="username and password are required"), 400
    username, password = credentials

    # TODO: hash it! Never store the password itself. Store a salted, slow hash
    #       instead, e.g. werkzeug.security.generate_password_hash(password).
    password_hash = password

    try:
        with get_db() as db:
            db.execute(
                "INSERT INTO users (username, password_hash) VALUES (?, ?)",
                (username, password_hash),
            )
    except sqlite3.IntegrityError:
        return jsonify(error="username already taken"), 409
    return jsonify(username=username), 201


@app.post("/login")
def login():
    credentials = read_credentials()
    if credentials is None:
        return jsonify(error="username and password are required"), 400
    username, password = credentials

    with get_db() as db:
        row = db.execute(
            "SELECT password_hash FROM users WHERE username = ?", (username,)
        ).fetchone()

    # TODO: this tells an attacker which usernames exist. Answer every failed login
    #       the same way: 401 {"error": "invalid username or password"}.
    if row is None:
        return jsonify(error="no such user"), 404

    # TODO: once passwords are hashed, a plain == no longer works: verify the
    #       password against the stored hash (werkzeug.security.check_password_hash).
    if row[0] != password:
        return jsonify(error="wrong password"), 401

    return jsonify(ok=True), 200


init_db()
