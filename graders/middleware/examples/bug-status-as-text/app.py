"""A tiny API whose routes work, but which tells you nothing about the requests it served.

Run it:   flask --app app run
Try it:   curl -i http://127.0.0.1:5000/hello

Reference solution: every request gets an id (echoed, or generated), a timing header, and
exactly one JSON line in requests.log.
"""

import json
import re
import threading
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

app = Flask(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
RESPONSE_TIME_HEADER = "X-Response-Time-ms"
LOG_FILE = "requests.log"  # relative: it lands in the working directory the app runs in

# ASCII only ([A-Za-z0-9], not \w, which also matches letters such as "é"), 1 to 128 chars.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_log_lock = threading.Lock()


# ---------------------------------------------------------------------------------------------
# Middleware: runs around EVERY request, whatever the route, including 404s and 500s.
# ---------------------------------------------------------------------------------------------


@app.before_request
def start_request():
    g.request_id = _incoming_or_new_request_id()
    g.started = time.perf_counter()


@app.after_request
def finish_request(response):
    # after_request runs for every response Flask builds, error responses included (a 404
    # from routing, a 500 built by the error handler), so this is the one place to log.
    # (If before_request never ran, e.g. another hook before it failed, still answer sanely.)
    request_id = g.get("request_id") or uuid.uuid4().hex
    started = g.get("started")
    duration_ms = (time.perf_counter() - started) * 1000 if started is not None else 0.0

    response.headers[REQUEST_ID_HEADER] = request_id
    response.headers[RESPONSE_TIME_HEADER] = f"{duration_ms:.1f}"
    _write_log_line({
        "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "request_id": request_id,
        "method": request.method,
        "path": request.path,
        "status": response.status,
        "duration_ms": round(duration_ms, 1),
    })
    return response


def _incoming_or_new_request_id():
    """The caller's X-Request-ID if it is safe to echo and log, else a fresh one."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    # fullmatch, not match(r"^...$"): "$" also matches before a trailing newline.
    if SAFE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def _write_log_line(entry):
    # One complete line per write, under a lock: the dev server serves requests in threads.
    line = json.dumps(entry, ensure_ascii=True) + "\n"
    with _log_lock, open(LOG_FILE, "a", encoding="utf-8") as log:
        log.write(line)


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
