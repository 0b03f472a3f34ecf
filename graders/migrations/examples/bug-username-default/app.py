"""Members API on PostgreSQL, with versioned migrations applied at start-up."""

import os

import psycopg
from flask import Flask, jsonify, request
from psycopg.rows import dict_row

DATABASE_URL = os.environ["DATABASE_URL"]

# Each migration runs once, in order, and is recorded in schema_migrations. A migration that
# has shipped is never edited: a change to the schema is a new, higher version.
MIGRATIONS = [
    (
        1,
        """
        CREATE TABLE members (
            id serial PRIMARY KEY,
            full_name text NOT NULL,
            email text NOT NULL UNIQUE
        )
        """,
    ),
    (
        2,
        # Add the new columns, fill them from the old one, then drop it: the names move, none
        # is lost. Everything up to the first space is the first name, the rest the last name.
        """
        ALTER TABLE members ADD COLUMN first_name text, ADD COLUMN last_name text;
        UPDATE members SET
            first_name = split_part(full_name, ' ', 1),
            last_name = CASE WHEN strpos(full_name, ' ') > 0
                             THEN substr(full_name, strpos(full_name, ' ') + 1)
                             ELSE '' END;
        ALTER TABLE members
            ALTER COLUMN first_name SET NOT NULL,
            ALTER COLUMN last_name SET NOT NULL,
            DROP COLUMN full_name;
        """,
    ),
    (
        3,
        # A NOT NULL column cannot be added to a table with rows unless every row gets a value:
        # add it nullable, backfill, then tighten.
        """
        ALTER TABLE members ADD COLUMN username text NOT NULL DEFAULT '';
        """,
    ),
]


def migrate() -> None:
    with psycopg.connect(DATABASE_URL) as conn:
        # One transaction for the whole run: PostgreSQL's DDL is transactional, so a migration
        # that fails half-way leaves no half-changed table and no version row behind.
        # Two processes starting at once must not both migrate: the second waits here, then
        # sees the versions the first recorded.
        conn.execute("SELECT pg_advisory_xact_lock(7071)")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {v for (v,) in conn.execute("SELECT version FROM schema_migrations")}
        for version, sql in MIGRATIONS:
            if version not in done:
                conn.execute(sql)
                conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
    # leaving the `with` block commits


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
    data = request.get_json(silent=True) or {}
    fields = ("first_name", "last_name", "email", "username")
    if not all(isinstance(data.get(f), str) for f in fields):
        return jsonify(error="first_name, last_name, email and username are required text"), 400
    with connect() as conn:
        row = conn.execute(
            "INSERT INTO members (first_name, last_name, email, username)"
            f" VALUES (%s, %s, %s, %s) RETURNING {COLUMNS}",
            [data[f] for f in fields],
        ).fetchone()
    return jsonify(row), 201
