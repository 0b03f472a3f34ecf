"""A static file server: GET /assets/<path> sends the file public/<path>.

Run it:   sandbox run            (or: flask --app app run)
Try it:   curl -i localhost:5000/assets/index.html

It serves honest requests. The TODOs below, and README.md for the exact contract.
"""

import mimetypes
import os

from flask import Flask, Response, jsonify

# static_folder=None: this app serves public/ itself, at /assets/.
app = Flask(__name__, static_folder=None)
PUBLIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "public")


@app.errorhandler(404)
def not_found(exc):
    return jsonify(error="not found"), 404


@app.get("/assets/<path:name>")
def asset(name):
    # TODO 1: "../app.py", "%2e%2e/app.py" or an absolute path climb out of public/. Never
    # join the URL onto a folder by hand: use a safe join that refuses to leave it
    # (flask.send_from_directory does, and answers 404). Folders must be 404 too.
    path = os.path.join(PUBLIC, name)
    if not os.path.exists(path):
        return not_found(None)
    with open(path, "rb") as fh:
        data = fh.read()
    # TODO 2: Range requests (206 with Content-Range, 416 past the end) and HEAD.
    # send_from_directory does both for you.
    # TODO 3: Cache-Control: "public, max-age=31536000, immutable" for fingerprinted names
    # (app.3f9a1c2e.js: a dot, 8 or more hex digits, a dot, the extension), "no-cache" for
    # every other file.
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Response(data, mimetype=kind)
