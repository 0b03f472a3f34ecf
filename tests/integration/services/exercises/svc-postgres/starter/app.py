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
    # TODO: one query per author is the N+1 problem; fetch them all at once
    with psycopg.connect(URL, autocommit=True) as conn:
        out = []
        for author_id, name in conn.execute("SELECT id, name FROM authors ORDER BY id").fetchall():
            titles = conn.execute(
                "SELECT title FROM books WHERE author_id = %s ORDER BY id", (author_id,)
            ).fetchall()
            out.append({"name": name, "books": [t for (t,) in titles]})
    return out
