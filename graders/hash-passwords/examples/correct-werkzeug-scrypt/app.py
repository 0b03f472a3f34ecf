"""User registration and login.

Passwords are stored as werkzeug's salted scrypt hashes (the whole
"scrypt:N:r:p$salt$hash" string), and every failed login gets the same 401.
"""

import sqlite3

from flask import Flask, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

DB_PATH = "users.db"  # relative: lives in the app's working directory

app = Flask(__name__)

LOGIN_FAILED = {"error": "invalid username or password"}

# Checked when the username does not exist, so that an unknown user costs the same scrypt
# work as a wrong password (no timing difference that reveals which usernames exist).
_DUMMY_HASH = generate_password_hash("not a real password: only used to even out timing")


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

    # A salted, slow hash (scrypt, fresh random salt every call); store the whole string.
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

    # One answer for every failure: an unknown username and a wrong password look the same.
    if row is None:
        check_password_hash(_DUMMY_HASH, password)  # same work as a real check
        return jsonify(LOGIN_FAILED), 401
    if not check_password_hash(row[0], password):
        return jsonify(LOGIN_FAILED), 401

    return jsonify(ok=True), 200


init_db()
