"""User registration and login with safely stored passwords (reference solution)."""

import sqlite3

from flask import Flask, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

DB_PATH = "users.db"  # relative: lives in the app's working directory

app = Flask(__name__)

# Compared against when the username is unknown, so that a login for a missing user
# costs as much time as a login with a wrong password (no timing side channel).
DUMMY_HASH = generate_password_hash("not-a-real-password")


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

    # Salted, deliberately slow hash (werkzeug's default is scrypt). The salt and the
    # parameters are stored inside the string, so nothing else needs to be kept.
    password_hash = generate_password_hash(password)

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

    if row is None:
        return jsonify(error="no such user"), 404
    else:
        ok = check_password_hash(row[0], password)

    if not ok:
        # One answer for every failure: never reveal whether the user exists.
        return jsonify(error="invalid username or password"), 401
    return jsonify(ok=True), 200


init_db()
