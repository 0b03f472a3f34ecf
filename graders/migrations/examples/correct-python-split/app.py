"""Members API: migrations as Python functions, the split done in Python."""

import os

import psycopg
from flask import Flask, jsonify, request

DSN = os.environ["DATABASE_URL"]
FIELDS = ("id", "first_name", "last_name", "email", "username")


def v1(cur):
    cur.execute(
        "CREATE TABLE members (id serial PRIMARY KEY, full_name text NOT NULL,"
        " email text NOT NULL UNIQUE)"
    )


def v2(cur):
    cur.execute("ALTER TABLE members ADD COLUMN first_name text, ADD COLUMN last_name text")
    cur.execute("SELECT id, full_name FROM members")
    updates = []
    for member_id, full_name in cur.fetchall():
        first, _, last = full_name.partition(" ")
        updates.append((first, last, member_id))
    cur.executemany("UPDATE members SET first_name = %s, last_name = %s WHERE id = %s", updates)
    cur.execute(
        "ALTER TABLE members ALTER first_name SET NOT NULL, ALTER last_name SET NOT NULL,"
        " DROP COLUMN full_name"
    )


def v3(cur):
    cur.execute("ALTER TABLE members ADD COLUMN username text")
    cur.execute("SELECT id, email FROM members")
    rows = [(email.split("@", 1)[0].lower(), i) for i, email in cur.fetchall()]
    cur.executemany("UPDATE members SET username = %s WHERE id = %s", rows)
    cur.execute("ALTER TABLE members ALTER username SET NOT NULL")


def upgrade():
    with psycopg.connect(DSN) as conn, conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(42)")
        cur.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        cur.execute("SELECT coalesce(max(version), 0) FROM schema_migrations")
        (current,) = cur.fetchone()
        for number, step in enumerate([v1, v2, v3], start=1):
            if number > current:
                step(cur)
                cur.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (number,))


upgrade()
app = Flask(__name__)


def as_member(row):
    return dict(zip(FIELDS, row))


@app.get("/members")
def members():
    with psycopg.connect(DSN) as conn:
        rows = conn.execute("SELECT id, first_name, last_name, email, username FROM members")
        return {"members": [as_member(r) for r in rows]}


@app.get("/members/<int:member_id>")
def member(member_id):
    with psycopg.connect(DSN) as conn:
        row = conn.execute(
            "SELECT id, first_name, last_name, email, username FROM members WHERE id = %s",
            (member_id,),
        ).fetchone()
    return (as_member(row), 200) if row else ({"error": "unknown member"}, 404)


@app.post("/members")
def new_member():
    data = request.get_json()
    with psycopg.connect(DSN) as conn:
        row = conn.execute(
            "INSERT INTO members (first_name, last_name, email, username) VALUES (%s, %s, %s, %s)"
            " RETURNING id, first_name, last_name, email, username",
            (data["first_name"], data["last_name"], data["email"], data["username"]),
        ).fetchone()
    return jsonify(as_member(row)), 201
