"""File uploads: POST /files (multipart, field "file"), GET /files/<id> to download.

Run it:   sandbox run            (or: flask --app app run)
Try it:   curl -i -F 'file=@some-picture.png' localhost:5000/files

It works for honest clients. It also trusts every client: the TODOs below, and README.md.
"""

import itertools
import json
import mimetypes
import threading
from pathlib import Path

from flask import Flask, abort, jsonify, request, send_file, url_for
from werkzeug.exceptions import HTTPException

app = Flask(__name__)
# TODO 1: refuse a request body over 1 MiB with 413 (Flask has a setting for it).

UPLOADS = Path(__file__).resolve().parent / "uploads"
UPLOADS.mkdir(exist_ok=True)

FILES = {}  # id -> {"id", "name", "type", "size", "path"}
_ids = itertools.count(1)
_lock = threading.Lock()


@app.errorhandler(HTTPException)
def http_error_as_json(exc):
    response = exc.get_response()
    response.set_data(json.dumps({"error": exc.description}))
    response.content_type = "application/json"
    return response


@app.post("/files")
def upload():
    upload = request.files.get("file")
    if upload is None:
        abort(400, description='send the file as multipart/form-data in a field named "file"')

    # TODO 2: the extension is only a claim: "photo.png" may be an HTML page. Read the first
    # bytes instead (PNG, JPEG and PDF have fixed signatures; README.md lists them) and answer
    # 415 for anything else.
    kind = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"

    # TODO 3: the client chose this path. "../../app.py" or "/tmp/x" writes wherever it likes,
    # and two uploads of "photo.png" overwrite each other. Name the file on disk yourself (a
    # random id), and keep a harmless version of the client's name only for display.
    path = UPLOADS / upload.filename
    upload.save(path)

    with _lock:
        file_id = str(next(_ids))
        FILES[file_id] = {
            "id": file_id,
            "name": upload.filename,
            "type": kind,
            "size": path.stat().st_size,
            "path": path,
        }
    meta = {k: v for k, v in FILES[file_id].items() if k != "path"}
    response = jsonify(meta)
    response.status_code = 201
    response.headers["Location"] = url_for("download", file_id=file_id)
    return response


@app.get("/files/<file_id>")
def download(file_id):
    meta = FILES.get(file_id)
    if meta is None:
        abort(404, description="no such file")
    # TODO 4: send it as an attachment named meta["name"] (Content-Disposition), with
    # X-Content-Type-Options: nosniff, so a browser never renders an upload on your site.
    return send_file(meta["path"], mimetype=meta["type"])
