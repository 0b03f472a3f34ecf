"""User registration and login.

Passwords are stored as argon2id hashes from argon2-cffi (the whole
"$argon2id$v=19$m=...,t=...,p=...$salt$hash" string, random salt per password), and every
failed login gets the same 401. Hashes made with older cost settings are upgraded at login.
"""

import sqlite3

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, jsonify, request

DB_PATH = "users.db"  # relative: lives in the app's working directory

app = Flask(__name__)

# argon2-cffi's defaults (RFC 9106 "low memory" profile: argon2id, m=64 MiB, t=3, p=4).
hasher = PasswordHasher()

LOGIN_FAILED = {"error": "invalid username or password"}

# Verified against when the username does not exist, so that an unknown user costs the same
# argon2 work as a wrong password (no timing difference that reveals which usernames exist).
_DUMMY_HASH = hasher.hash("not a real password: only used to even out timing")


def verify_password(stored_hash: str, password: str) -> bool:
    """True if the password matches; False for a mismatch or an unreadable stored value."""
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


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

    # argon2id with a fresh random salt; the returned string holds algorithm, cost, salt, hash.
    password_hash = hasher.hash(password)

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
    stored_hash = row[0] if row is not None else _DUMMY_HASH
    password_ok = verify_password(stored_hash, password)
    if row is None or not password_ok:
        return jsonify(LOGIN_FAILED), 401

    # Costs go up over the years: re-hash with the current settings after a good login.
    if hasher.check_needs_rehash(stored_hash):
        with get_db() as db:
            db.execute(
                "UPDATE users SET password_hash = ? WHERE username = ?",
                (hasher.hash(password), username),
            )

    return jsonify(ok=True), 200


init_db()
