"""Uploads done safely: a size limit, the type read from the content, names the server chooses."""

import json
import re
import secrets
import threading
import unicodedata
from pathlib import Path

from flask import Flask, abort, jsonify, request, send_file, url_for
from werkzeug.exceptions import HTTPException

app = Flask(__name__)
# Werkzeug refuses a larger request body with 413 before the view reads it.
app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024

# Next to app.py, and no route serves this folder as it is: a file is only ever sent by
# download() below, with the type we detected and as an attachment.
UPLOADS = Path(__file__).resolve().parent / "uploads"
UPLOADS.mkdir(exist_ok=True)

FILES = {}  # id -> {"id", "name", "type", "size"}
_lock = threading.Lock()

# The first bytes tell what a file is; the name and the client's Content-Type are only claims.
SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"%PDF-": "application/pdf",
}


@app.errorhandler(HTTPException)
def http_error_as_json(exc):
    response = exc.get_response()
    response.set_data(json.dumps({"error": exc.description}))
    response.content_type = "application/json"
    return response


def sniff(data):
    for magic, kind in SIGNATURES.items():
        if data.startswith(magic):
            return kind
    return None


def display_name(filename):
    """The client's name, made harmless: the last path part, ASCII letters, digits, . - _ only.

    It is only shown (JSON, Content-Disposition); the file on disk is named by its id.
    """
    name = unicodedata.normalize("NFKD", filename)  # "ｅ" -> "e", "é" -> "e" + accent
    name = name.encode("ascii", "ignore").decode()
    name = re.split(r"[/\\]", name)[-1]
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name)
    name = re.sub(r"\.{2,}", ".", name).strip("._-")
    return name[:255] or "upload"  # at most 255 characters


@app.post("/files")
def upload():
    upload = request.files.get("file")
    if upload is None:
        abort(400, description='send the file as multipart/form-data in a field named "file"')
    data = upload.read()
    kind = sniff(data)
    if kind is None:
        abort(415, description="only PNG, JPEG and PDF files are accepted")
    file_id = secrets.token_hex(16)  # the name on disk: ours, never the client's
    (UPLOADS / file_id).write_bytes(data)
    meta = {"id": file_id, "name": display_name(upload.filename), "type": kind, "size": len(data)}
    with _lock:
        FILES[file_id] = meta
    response = jsonify(meta)
    response.status_code = 201
    response.headers["Location"] = url_for("download", file_id=file_id)
    return response


@app.get("/files/<file_id>")
def download(file_id):
    meta = FILES.get(file_id)  # only ids we handed out: a path in the URL never reaches disk
    if meta is None:
        abort(404, description="no such file")
    response = send_file(
        UPLOADS / file_id,
        mimetype=meta["type"],
        as_attachment=True,  # Content-Disposition: attachment: download it, never render it
        download_name=meta["name"],
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
