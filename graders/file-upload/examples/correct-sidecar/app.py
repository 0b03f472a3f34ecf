"""uuid ids, metadata in a JSON sidecar on disk, werkzeug's secure_filename, a manual size check."""

import json
import uuid
from pathlib import Path

from flask import Flask, Response, jsonify, request
from werkzeug.utils import secure_filename

app = Flask(__name__)
STORE = Path(__file__).resolve().parent / "uploads"
STORE.mkdir(exist_ok=True)
LIMIT = 1024 * 1024
MAGIC = [(b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"%PDF-", "application/pdf")]


def err(code, text):
    return jsonify(error=text), code


@app.route("/files", methods=["POST"])
def create():
    if request.content_length is None or request.content_length > LIMIT:
        if request.content_length is not None:
            return err(413, "at most 1 MiB")
    if "file" not in request.files:
        return err(400, "no file field")
    f = request.files["file"]
    head = f.stream.read(8)
    kind = next((t for m, t in MAGIC if head.startswith(m)), None)
    if kind is None:
        return err(415, "PNG, JPEG or PDF only")
    blob = head + f.stream.read()
    key = uuid.uuid4().hex
    (STORE / key).write_bytes(blob)
    meta = {"id": key, "name": secure_filename(f.filename or "")[:255] or "file", "type": kind, "size": len(blob)}
    (STORE / f"{key}.json").write_text(json.dumps(meta))
    return jsonify(meta), 201, {"Location": f"/files/{key}"}


@app.route("/files/<key>")
def fetch(key):
    try:
        uuid.UUID(hex=key)
    except ValueError:
        return err(404, "unknown file")
    sidecar = STORE / f"{key}.json"
    if not sidecar.is_file():
        return err(404, "unknown file")
    meta = json.loads(sidecar.read_text())
    return Response(
        (STORE / key).read_bytes(),
        mimetype=meta["type"],
        headers={
            "Content-Disposition": f'attachment; filename="{meta["name"]}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@app.errorhandler(404)
def nf(_):
    return err(404, "not found")
