"""A static file server for public/: types, no traversal, HEAD, ranges and cache rules."""

import re
from pathlib import Path

from flask import Flask, jsonify, send_from_directory

# static_folder=None: this app serves public/ itself, at /assets/, by the rules below.
app = Flask(__name__, static_folder=None)
PUBLIC = Path(__file__).resolve().parent / "public"

# app.3f9a1c2e.js: the hash changes whenever the content does, so this URL never changes
# meaning and a cache may keep it for a year. Other names may change content: revalidate.
FINGERPRINTED = re.compile(r".*\.[0-9a-f]{8,}\.[A-Za-z0-9]+")
ONE_YEAR = 31_536_000


@app.errorhandler(404)
def not_found(exc):
    return jsonify(error="not found"), 404


@app.get("/assets/<path:name>")  # GET routes answer HEAD too
def asset(name):
    # send_from_directory refuses names that leave PUBLIC (safe_join: "..", absolute paths,
    # backslashes) and anything that is not a regular file (a directory) with a 404. Its
    # conditional=True default answers Range requests with 206 or 416, and If-None-Match.
    # Other names keep the "Cache-Control: no-cache" send_from_directory already sets (its
    # max_age default is None): keep it, but ask (ETag) before use.
    response = send_from_directory(PUBLIC, name)
    if FINGERPRINTED.fullmatch(Path(name).name):
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    return response
