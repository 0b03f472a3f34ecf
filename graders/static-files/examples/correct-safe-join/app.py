"""werkzeug's safe_join + send_file; cache rules in an after_request hook."""

import os
import re

from flask import Flask, abort, request, send_file
from werkzeug.security import safe_join

app = Flask(__name__, static_folder=None)
BASE = os.path.join(app.root_path, "public")


@app.get("/assets/<path:filename>")
def assets(filename):
    target = safe_join(BASE, filename)
    if target is None or not os.path.isfile(target):
        abort(404)
    return send_file(target, conditional=True)


@app.after_request
def cache_rules(response):
    if request.path.startswith("/assets/") and response.status_code in (200, 206, 304):
        last = request.path.rsplit("/", 1)[-1]
        if re.search(r"\.[0-9a-f]{8,}\.[^.]+$", last):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        else:
            response.headers["Cache-Control"] = "no-cache"
    return response
