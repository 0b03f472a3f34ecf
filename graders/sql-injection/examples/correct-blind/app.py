"""Shop API: product search, sign-up and login on SQLite. Every query is built by pasting
text into SQL: find each one and make it safe (the TODOs).

Run it:  flask --app app run   (creates shop.db in the working directory)
"""

import hashlib
import sqlite3

from flask import Flask, jsonify, request

DB_PATH = "shop.db"

# The API's sort names and the columns they mean.
SORT_COLUMNS = {"name": "name", "price": "price_cents"}

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


def error(message: str, status: int):
    return jsonify(error=message), status


@app.get("/products/search")
def search():
    q = request.args.get("q", "")
    sort = request.args.get("sort", "name")
    order = request.args.get("order", "asc")
    # TODO: q is pasted into the SQL text: "' OR 1=1 --" returns everything, a UNION reads
    #   the users table. Bind it as a parameter instead, and make %, _ in it literal.
    # TODO: sort and order are pasted in too, and they cannot be parameters (they are SQL
    #   identifiers and keywords, not values): refuse anything that is not on a list (400).
    if sort not in SORT_COLUMNS:
        return error("sort must be one of: " + ", ".join(SORT_COLUMNS), 400)
    directions = {"asc": "ASC", "desc": "DESC"}
    if order not in directions:
        return error("order must be asc or desc", 400)
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    sql = (
        "SELECT id, name, price_cents FROM products WHERE name LIKE ? ESCAPE '\\'"
        f" ORDER BY {SORT_COLUMNS[sort]} {directions[order]}, id"
    )
    with connect() as conn:
        rows = conn.execute(sql, (f"%{escaped}%",)).fetchall()
    return jsonify(products=[dict(row) for row in rows])


@app.post("/products")
def create_product():
    body = request.get_json(silent=True) or {}
    name, price = body.get("name"), body.get("price_cents")
    if not isinstance(name, str) or not name or type(price) is not int or price < 0:
        return error("name (text) and price_cents (integer >= 0) are required", 400)
    with connect() as conn:
        # TODO: a name with a quote in it (Kid's mug) breaks this statement.
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
            # TODO: the same paste as everywhere else.
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
        # TODO: try the username  anything' OR 1=1 --  with any password.
        row = conn.execute(
            "SELECT username FROM users WHERE username = ? AND password_hash = ?",
            (username, hash_password(password)),
        ).fetchone()
    if row is None:
        return error("wrong username or password", 401)
    return jsonify(username=row["username"])
