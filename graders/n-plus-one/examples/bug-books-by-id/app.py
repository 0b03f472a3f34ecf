"""Authors and their books from PostgreSQL, in two statements whatever the number of authors."""

import os
from pathlib import Path

import psycopg
from flask import Flask

app = Flask(__name__)
DATABASE_URL = os.environ["DATABASE_URL"]

SCHEMA = Path(__file__).with_name("schema.sql")


def connect() -> psycopg.Connection:
    return psycopg.connect(DATABASE_URL)


with connect() as conn:  # at import time: the grader imports the app, then serves it
    conn.execute(SCHEMA.read_text(encoding="utf-8"))


@app.get("/authors")
def list_authors():
    with connect() as conn:
        # Statement 1: the authors, in the order the API promises.
        authors = [
            {"id": author_id, "name": name, "books": []}
            for author_id, name in conn.execute("SELECT id, name FROM authors ORDER BY name, id")
        ]
        by_id = {author["id"]: author for author in authors}
        # Statement 2: every book of those authors at once. The database's work grows with N;
        # the number of round trips does not.
        rows = conn.execute(
            "SELECT id, author_id, title, year FROM books WHERE author_id = ANY(%s) ORDER BY id",
            (list(by_id),),
        )
        for book_id, author_id, title, year in rows:
            by_id[author_id]["books"].append({"id": book_id, "title": title, "year": year})
    return {"authors": authors}
