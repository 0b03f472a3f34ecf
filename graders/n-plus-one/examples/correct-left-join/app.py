import os
from pathlib import Path

import psycopg
from flask import Flask, jsonify

app = Flask(__name__)

with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as setup:
    setup.execute(Path(__file__).with_name("schema.sql").read_text())

QUERY = """
SELECT a.id, a.name, b.id, b.title, b.year
FROM authors AS a
LEFT JOIN books AS b ON b.author_id = a.id
ORDER BY a.name, a.id, b.year, b.id
"""


@app.route("/authors", methods=["GET"])
def authors():
    out = []
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        for author_id, name, book_id, title, year in conn.execute(QUERY):
            if not out or out[-1]["id"] != author_id:
                out.append({"id": author_id, "name": name, "books": []})
            if book_id is not None:
                out[-1]["books"].append({"id": book_id, "title": title, "year": year})
    return jsonify(authors=out)
