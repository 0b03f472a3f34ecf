"""Authors and their books from PostgreSQL: correct answers, one query per author."""

import os
from pathlib import Path

import psycopg
from flask import Flask

app = Flask(__name__)
DATABASE_URL = os.environ["DATABASE_URL"]
SCHEMA = Path(__file__).with_name("schema.sql")


def connect() -> psycopg.Connection:
    return psycopg.connect(DATABASE_URL, autocommit=True)


with connect() as conn:  # at import time: the grader imports the app, then serves it
    conn.execute(SCHEMA.read_text(encoding="utf-8"))


@app.get("/authors")
def list_authors():
    with connect() as conn:
        authors = [
            {"id": author_id, "name": name, "books": []}
            for author_id, name in conn.execute("SELECT id, name FROM authors ORDER BY name, id")
        ]
        if authors:
            by_id = {author["id"]: author for author in authors}
            # One statement for the books of every author (select-in loading), already in order.
            for author_id, book_id, title, year in conn.execute(
                "SELECT author_id, id, title, year FROM books"
                " WHERE author_id = ANY(%s) ORDER BY year, id",
                (list(by_id),),
            ):
                by_id[author_id]["books"].append({"id": book_id, "title": title, "year": year})
    return {"authors": authors}
