"""Members API on PostgreSQL. The schema changes at start-up are not migrations yet (TODO)."""

import os

import psycopg
from flask import Flask, jsonify, request
from psycopg.rows import dict_row

DATABASE_URL = os.environ["DATABASE_URL"]

# Versioned migrations: each runs once per database, in order, and is never edited after it
# has shipped (a change is a new version).
MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE members (
            id serial PRIMARY KEY,
            full_name text NOT NULL,
            email text NOT NULL UNIQUE
        );
        """,
    ),
    (
        2,
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
        """
        ALTER TABLE members ADD COLUMN username text;
        UPDATE members SET username = lower(split_part(email, '@', 1));
        ALTER TABLE members ALTER COLUMN username SET NOT NULL;
        """,
    ),
]


def migrate() -> None:
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        for version, sql in MIGRATIONS:
            # One transaction per migration, its version row included: all or nothing.
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(72610)")
                applied = conn.execute(
                    "SELECT 1 FROM schema_migrations WHERE version = %s", (version,)
                ).fetchone()
                if applied:
                    continue
                conn.execute(sql)
                conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))


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
