"""Members API: SQLAlchemy Core, one transaction per migration, regex split."""

import os

from flask import Flask, abort, jsonify, request
from sqlalchemy import create_engine, text

url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
engine = create_engine(url)

STEPS = {
    1: [
        "CREATE TABLE members (id serial PRIMARY KEY, full_name text NOT NULL,"
        " email text NOT NULL UNIQUE)",
    ],
    2: [
        "ALTER TABLE members ADD COLUMN first_name text NOT NULL DEFAULT '',"
        " ADD COLUMN last_name text NOT NULL DEFAULT ''",
        "UPDATE members SET first_name = substring(full_name from '^[^ ]*'),"
        " last_name = coalesce(substring(full_name from '^[^ ]* (.*)$'), '')",
        "ALTER TABLE members ALTER COLUMN first_name DROP DEFAULT,"
        " ALTER COLUMN last_name DROP DEFAULT",
        "ALTER TABLE members DROP COLUMN full_name",
    ],
    3: [
        "ALTER TABLE members ADD COLUMN username text NOT NULL DEFAULT ''",
        "UPDATE members SET username = lower(substring(email from '^[^@]*'))",
        "ALTER TABLE members ALTER COLUMN username DROP DEFAULT",
    ],
}

with engine.begin() as conn:
    conn.execute(
        text(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
    )
for version in sorted(STEPS):
    with engine.begin() as conn:
        conn.execute(text("LOCK TABLE schema_migrations IN EXCLUSIVE MODE"))
        seen = conn.execute(
            text("SELECT 1 FROM schema_migrations WHERE version = :v"), {"v": version}
        ).first()
        if seen:
            continue
        for sql in STEPS[version]:
            conn.execute(text(sql))
        conn.execute(text("INSERT INTO schema_migrations (version) VALUES (:v)"), {"v": version})

app = Flask(__name__)
SELECT = "SELECT id, first_name, last_name, email, username FROM members"


@app.route("/members")
def all_members():
    with engine.connect() as conn:
        rows = conn.execute(text(SELECT + " ORDER BY email")).mappings().all()
    return jsonify({"members": [dict(r) for r in rows]})


@app.route("/members/<int:mid>")
def one_member(mid):
    with engine.connect() as conn:
        row = conn.execute(text(SELECT + " WHERE id = :id"), {"id": mid}).mappings().first()
    if row is None:
        return jsonify({"error": "not found"}), 404
    return jsonify(dict(row))


@app.route("/members", methods=["POST"])
def add_member():
    body = request.get_json(force=True)
    try:
        values = {k: str(body[k]) for k in ("first_name", "last_name", "email", "username")}
    except (KeyError, TypeError):
        abort(400)
    with engine.begin() as conn:
        row = conn.execute(
            text(
                "INSERT INTO members (first_name, last_name, email, username)"
                " VALUES (:first_name, :last_name, :email, :username)"
                " RETURNING id, first_name, last_name, email, username"
            ),
            values,
        ).mappings().one()
    return jsonify(dict(row)), 201
