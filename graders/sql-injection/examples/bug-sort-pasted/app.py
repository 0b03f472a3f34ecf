"""Shop API: product search, sign-up and login on SQLite, with every value bound as a parameter.

Run it:  flask --app app run   (creates shop.db in the working directory)
"""

import hashlib
import sqlite3

from flask import Flask, jsonify, request

DB_PATH = "shop.db"

# Identifiers (column names, ASC/DESC) cannot be "?" parameters: a placeholder stands for a
# value, never for a piece of SQL. So the API's names map to fixed SQL text through a dict;
# anything not in it is refused before any SQL is built.
SORT_COLUMNS = {"name": "name", "price": "price_cents"}
ORDERS = {"asc": "ASC", "desc": "DESC"}

app = Flask(__name__)


def connect() -> sqlite3.Connection:
    conn = sqlite3.connect(DB_PATH)
    conn.row_factory = sqlite3.Row
    return conn


def init_db() -> None:
    with connect() as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS products ("
            " id INTEGER PRIMARY KEY, name TEXT NOT NULL, price_cents INTEGER NOT NULL)"
        )
        conn.execute(
            "CREATE TABLE IF NOT EXISTS users ("
            " id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL)"
        )
        if conn.execute("SELECT COUNT(*) FROM products").fetchone()[0] == 0:
            conn.executemany(
                "INSERT INTO products (name, price_cents) VALUES (?, ?)",
                [("Blue mug", 1200), ("Red teapot", 3400), ("Green scarf", 2500)],
            )


init_db()


def hash_password(password: str) -> str:
    # Fast and unsalted: fine for this lesson only (see the hash-passwords exercise).
    return hashlib.sha256(password.encode()).hexdigest()


def like_escape(text: str) -> str:
    """Make %, _ and the escape character itself literal inside a LIKE pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def error(message: str, status: int):
    return jsonify(error=message), status


@app.get("/products/search")
def search():
    q = request.args.get("q", "")
    sort = request.args.get("sort", "name")
    order = request.args.get("order", "asc")
    if order not in ORDERS:
        return error("order must be asc or desc", 400)
    sql = (
        "SELECT id, name, price_cents FROM products WHERE name LIKE ? ESCAPE '\\'"
        f" ORDER BY {SORT_COLUMNS.get(sort, sort)} {ORDERS[order]}, id"  # only allow-listed text
    )
    with connect() as conn:
        rows = conn.execute(sql, ("%" + like_escape(q) + "%",)).fetchall()
    return jsonify(products=[dict(row) for row in rows])


@app.post("/products")
def create_product():
    body = request.get_json(silent=True) or {}
    name, price = body.get("name"), body.get("price_cents")
    if not isinstance(name, str) or not name or type(price) is not int or price < 0:
        return error("name (text) and price_cents (integer >= 0) are required", 400)
    with connect() as conn:
        cur = conn.execute(
            "INSERT INTO products (name, price_cents) VALUES (?, ?)", (name, price)
        )
    return jsonify(id=cur.lastrowid, name=name, price_cents=price), 201


@app.post("/users")
def create_user():
    body = request.get_json(silent=True) or {}
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not username or not isinstance(password, str):
        return error("username and password are required", 400)
    try:
        with connect() as conn:
            cur = conn.execute(
                "INSERT INTO users (username, password_hash) VALUES (?, ?)",
                (username, hash_password(password)),
            )
    except sqlite3.IntegrityError:
        return error("that username is taken", 409)
    return jsonify(id=cur.lastrowid, username=username), 201


@app.post("/login")
def login():
    body = request.get_json(silent=True) or {}
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        return error("username and password are required", 400)
    with connect() as conn:
        row = conn.execute(
            "SELECT username FROM users WHERE username = ? AND password_hash = ?",
            (username, hash_password(password)),
        ).fetchone()
    if row is None:
        return error("wrong username or password", 401)
    return jsonify(username=row["username"])
