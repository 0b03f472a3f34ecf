"""A static file server: GET /assets/<path> sends the file public/<path>.

Run it:   sandbox run            (or: flask --app app run)
Try it:   curl -i localhost:5000/assets/index.html

send_from_directory does the safe join (404 outside public/ or for a folder), the Content-Type,
HEAD and Range (206/416). Cache-Control follows the name: fingerprinted names are immutable.
"""

import os
import re

from flask import Flask, jsonify, send_from_directory

# static_folder=None: this app serves public/ itself, at /assets/.
app = Flask(__name__, static_folder=None)
PUBLIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "public")

# app.3f9a1c2e.js, site.0123456789abcdef.css: a dot, 8 or more lowercase hex digits, a dot, the extension.
FINGERPRINTED = re.compile(r".+\.[0-9a-f]{8,}\.[A-Za-z0-9]+")
IMMUTABLE = "public, max-age=31536000, immutable"


@app.errorhandler(404)
def not_found(exc):
    return jsonify(error="not found"), 404


@app.get("/assets/<path:name>")
def asset(name):
    # Refuses names that leave PUBLIC (.., absolute paths) and anything that is not a regular
    # file with a 404; sets Content-Type from the extension; answers HEAD and Range requests.
    response = send_from_directory(PUBLIC, name)
    last_part = name.rsplit("/", 1)[-1]
    response.headers["Cache-Control"] = (
        IMMUTABLE if FINGERPRINTED.fullmatch(last_part) else "no-cache"
    )
    return response
