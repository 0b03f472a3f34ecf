"""Everything by hand: realpath containment, a Range parser, explicit headers."""

import mimetypes
import os
import re

from flask import Flask, Response, request

app = Flask(__name__, static_folder=None)
ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), "public"))
HASHED = re.compile(r"\.[0-9a-f]{8,}\.\w+$")


def missing():
    return Response('{"error": "not found"}', 404, mimetype="application/json")


def locate(name):
    if "\\" in name or "\x00" in name:
        return None
    full = os.path.realpath(os.path.join(ROOT, name))
    if os.path.commonpath([ROOT, full]) != ROOT or not os.path.isfile(full):
        return None
    return full


@app.route("/assets/<path:name>", methods=["GET", "HEAD"])
def serve(name):
    full = locate(name)
    if full is None:
        return missing()
    size = os.path.getsize(full)
    headers = {
        "Accept-Ranges": "bytes",
        "Cache-Control": "public, max-age=31536000, immutable"
        if HASHED.search(os.path.basename(name)) else "no-cache",
    }
    kind = mimetypes.guess_type(full)[0] or "application/octet-stream"
    with open(full, "rb") as fh:
        data = fh.read()
    rng = request.headers.get("Range", "")
    m = re.fullmatch(r"bytes=(\d*)-(\d*)", rng.strip())
    if m and (m.group(1) or m.group(2)):
        first, last = m.groups()
        if first == "":
            start, end = max(size - int(last), 0), size - 1
        else:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        if start >= size or start > end:
            headers["Content-Range"] = f"bytes */{size}"
            return Response(b"", 416, headers)
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        return Response(data[start : end + 1], 206, headers, mimetype=kind)
    return Response(data, 200, headers, mimetype=kind)
