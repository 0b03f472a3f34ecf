"""A tiny API whose routes work, but which tells you nothing about the requests it served.

Run it:   flask --app app run
Try it:   curl -i http://127.0.0.1:5000/hello

The routes are done. Your job is the middleware: the TODOs in the two hooks below.
README.md has the exact contract the grader checks.
"""

import datetime
import json
import re
import threading
import time
import uuid

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

app = Flask(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
RESPONSE_TIME_HEADER = "X-Response-Time-ms"
LOG_FILE = "requests.log"  # relative: it lands in the working directory the app runs in


# ---------------------------------------------------------------------------------------------
# Middleware: runs around EVERY request, whatever the route, including 404s and 500s.
# ---------------------------------------------------------------------------------------------


_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_log_lock = threading.Lock()


def _pick_request_id(incoming):
    if incoming is not None and _SAFE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


@app.before_request
def start_request():
    g.request_started = time.perf_counter()
    g.request_id = _pick_request_id(request.headers.get(REQUEST_ID_HEADER))


@app.after_request
def finish_request(response):
    started = g.get("request_started")
    if started is None:  # before_request did not run (should not happen): time from here
        started = time.perf_counter()
    request_id = g.get("request_id") or _pick_request_id(request.headers.get(REQUEST_ID_HEADER))
    elapsed_ms = (time.perf_counter() - started) * 1000.0

    response.headers[REQUEST_ID_HEADER] = request_id
    response.headers[RESPONSE_TIME_HEADER] = f"{elapsed_ms:.3f}"

    record = {
        "ts": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "request_id": request_id,
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round(elapsed_ms, 3),
    }
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with _log_lock:
        with open(LOG_FILE, "a", encoding="utf-8") as fh:
            fh.write(line)
    return response


# ---------------------------------------------------------------------------------------------
# Errors: every error is answered as JSON. (Nothing to change here.)
# ---------------------------------------------------------------------------------------------


@app.errorhandler(HTTPException)
def json_error(error):
    response = error.get_response()
    response.data = jsonify(error=error.description).get_data()
    response.content_type = "application/json"
    return response


# ---------------------------------------------------------------------------------------------
# Routes (done; nothing to change).
# ---------------------------------------------------------------------------------------------


@app.get("/hello")
def hello():
    name = request.args.get("name", "world")
    return jsonify(message=f"hello, {name}")


@app.get("/slow")
def slow():
    # Sleeps ?ms=N milliseconds (default 50, at most 1000): a stand-in for a slow database.
    ms = max(0, min(request.args.get("ms", default=50, type=int), 1000))
    time.sleep(ms / 1000)
    return jsonify(slept_ms=ms)


@app.post("/echo")
def echo():
    return jsonify(received=request.get_json(silent=True))


@app.get("/boom")
def boom():
    # A bug in a handler: Flask answers 500 (through json_error above).
    raise RuntimeError("boom: something broke in the handler")
