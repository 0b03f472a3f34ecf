import os

import psycopg
from flask import Flask

app = Flask(__name__)
URL = os.environ["DATABASE_URL"]

with psycopg.connect(URL, autocommit=True) as conn:
    conn.execute("CREATE TABLE IF NOT EXISTS authors (id serial PRIMARY KEY, name text NOT NULL)")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS books (id serial PRIMARY KEY,"
        " author_id int NOT NULL REFERENCES authors, title text NOT NULL)"
    )


@app.get("/authors")
def authors():
    with psycopg.connect(URL, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT a.id, a.name, b.title FROM authors a LEFT JOIN books b ON b.author_id = a.id"
            " ORDER BY a.id, b.id"
        ).fetchall()
    result = {}
    for author_id, name, title in rows:
        entry = result.setdefault(author_id, {"name": name, "books": []})
        if title is not None:
            entry["books"].append(title)
    return list(result.values())
