"""PostgreSQL builds the whole JSON answer in one statement; one shared connection."""

import os
import threading
from pathlib import Path

import psycopg
from flask import Flask, Response

app = Flask(__name__)
conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
conn.execute(Path(__file__).with_name("schema.sql").read_text())
lock = threading.Lock()  # one connection, one statement at a time

SQL = """
SELECT json_build_object('authors', coalesce(json_agg(
         json_build_object('id', a.id, 'name', a.name, 'books', coalesce((
             SELECT json_agg(json_build_object('id', b.id, 'title', b.title, 'year', b.year)
                             ORDER BY b.year, b.id)
             FROM books b WHERE b.author_id = a.id), '[]'::json))
         ORDER BY a.name, a.id), '[]'::json))::text
FROM authors a
"""


@app.get("/authors")
def authors():
    with lock:
        (body,) = conn.execute(SQL).fetchone()
    return Response(body, mimetype="application/json")
