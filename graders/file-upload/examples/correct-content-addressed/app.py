"""Content-addressed storage: bytes under uploads/<sha256>, ids map to them; send_from_directory."""

import hashlib
import re
import secrets
import threading
from pathlib import Path

from flask import Flask, abort, jsonify, request, send_from_directory
from werkzeug.exceptions import HTTPException

app = Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = 2**20
BLOBS = Path(app.root_path) / "uploads"
BLOBS.mkdir(exist_ok=True)
index = {}
lock = threading.Lock()


@app.errorhandler(HTTPException)
def as_json(e):
    return jsonify(error=e.description), e.code


def kind_of(blob):
    if blob[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if blob[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if blob[:5] == b"%PDF-":
        return "application/pdf"
    abort(415, "unsupported file type")


def clean(name):
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "-" for c in name)
    name = re.sub(r"^[^A-Za-z0-9]+", "", name)[:255]
    return name or "download"


@app.post("/files")
def receive():
    part = request.files.get("file")
    if part is None:
        abort(400, 'missing form field "file"')
    blob = part.read()
    kind = kind_of(blob)
    digest = hashlib.sha256(blob).hexdigest()
    target = BLOBS / digest
    if not target.exists():
        target.write_bytes(blob)
    file_id = secrets.token_urlsafe(12)
    with lock:
        index[file_id] = {"digest": digest, "name": clean(part.filename or ""), "type": kind, "size": len(blob)}
    entry = index[file_id]
    return jsonify(id=file_id, name=entry["name"], type=kind, size=len(blob)), 201, {
        "Location": f"/files/{file_id}"
    }


@app.get("/files/<file_id>")
def give(file_id):
    entry = index.get(file_id) or abort(404, "no such file")
    resp = send_from_directory(BLOBS, entry["digest"], mimetype=entry["type"],
                               as_attachment=True, download_name=entry["name"])
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp
