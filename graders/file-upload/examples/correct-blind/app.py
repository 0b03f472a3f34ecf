"""File uploads: POST /files (multipart, field "file"), GET /files/<id> to download.

Run it:   sandbox run            (or: flask --app app run)
Try it:   curl -i -F 'file=@some-picture.png' localhost:5000/files

Every part of an upload is untrusted: its size (413 over 1 MiB), its type (read from the first
bytes, 415 otherwise), its name (never used on disk; a cleaned-up copy is kept for display).
Downloads are attachments with nosniff.
"""

import json
import re
import secrets
import threading
import unicodedata
from pathlib import Path

from flask import Flask, abort, jsonify, request, send_file, url_for
from werkzeug.exceptions import HTTPException

app = Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024  # a larger body is a 413 before the view runs

UPLOADS = Path(__file__).resolve().parent / "uploads"
UPLOADS.mkdir(exist_ok=True)

SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"%PDF-", "application/pdf"),
]
DEFAULT_NAME = "upload"
MAX_NAME = 255

FILES = {}  # id -> {"id", "name", "type", "size"}; the file on disk is UPLOADS / id
_lock = threading.Lock()


@app.errorhandler(HTTPException)
def http_error_as_json(exc):
    response = exc.get_response()
    response.set_data(json.dumps({"error": exc.description}))
    response.content_type = "application/json"
    return response


def detect_type(data):
    for magic, kind in SIGNATURES:
        if data.startswith(magic):
            return kind
    return None


def display_name(client_name):
    """A harmless name to show: ASCII letters, digits, . - _; starts with a letter or digit."""
    text = unicodedata.normalize("NFKD", client_name or "")
    text = text.encode("ascii", "ignore").decode("ascii")
    text = re.split(r"[/\\]", text)[-1]  # keep the last path component only
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", text.strip())
    text = re.sub(r"^[^A-Za-z0-9]+", "", text)
    if len(text) > MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) < 16:
            text = stem[: MAX_NAME - len(ext) - 1] + "." + ext
        else:
            text = text[:MAX_NAME]
    return text or DEFAULT_NAME


@app.post("/files")
def upload():
    upload = request.files.get("file")
    if upload is None:
        abort(400, description='send the file as multipart/form-data in a field named "file"')

    data = upload.read()
    kind = detect_type(data)
    if kind is None:
        abort(415, description="only PNG, JPEG and PDF files are accepted")

    file_id = secrets.token_hex(16)
    (UPLOADS / file_id).write_bytes(data)
    meta = {"id": file_id, "name": display_name(upload.filename), "type": kind, "size": len(data)}
    with _lock:
        FILES[file_id] = meta

    response = jsonify(meta)
    response.status_code = 201
    response.headers["Location"] = url_for("download", file_id=file_id)
    return response


@app.get("/files/<path:file_id>")
def download(file_id):
    with _lock:
        meta = FILES.get(file_id)
    if meta is None:  # the URL is only ever a key: it never becomes a path
        abort(404, description="no such file")
    response = send_file(
        UPLOADS / meta["id"],
        mimetype=meta["type"],
        as_attachment=True,
        download_name=meta["name"],
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
