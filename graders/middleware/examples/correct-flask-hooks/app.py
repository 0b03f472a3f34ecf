"""A tiny API whose routes work, but which tells you nothing about the requests it served.

Run it:   flask --app app run
Try it:   curl -i http://127.0.0.1:5000/hello

The routes are done. Your job is the middleware: the TODOs in the two hooks below.
README.md has the exact contract the grader checks.
"""

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

# 1 to 128 characters, ASCII letters, digits, dot, underscore, hyphen. Used with fullmatch:
# no \w (it matches "é"), and no "$" (it matches before a trailing newline).
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_log_lock = threading.Lock()


def _request_id_from(value):
    """The incoming id if it is short and plain, otherwise a fresh one (never a cleaned-up copy)."""
    if value is not None and _VALID_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


def _write_log_line(record: dict) -> None:
    line = json.dumps(record, ensure_ascii=True) + "\n"
    with _log_lock:  # one write per line, under a lock: threads never interleave lines
        with open(LOG_FILE, "a", encoding="utf-8") as f:
            f.write(line)


# ---------------------------------------------------------------------------------------------
# Middleware: runs around EVERY request, whatever the route, including 404s and 500s.
# ---------------------------------------------------------------------------------------------


@app.before_request
def start_request():
    g.started = time.perf_counter()
    g.request_id = _request_id_from(request.headers.get(REQUEST_ID_HEADER))


@app.after_request
def finish_request(response):
    # after_request also runs for the 404/405 responses and for the 500 Flask builds from an
    # exception, so this is the one and only place that logs. getattr: should a request ever
    # reach here without start_request having run, it still gets an id and a line.
    started = getattr(g, "started", None)
    request_id = getattr(g, "request_id", None) or _request_id_from(
        request.headers.get(REQUEST_ID_HEADER)
    )
    elapsed_ms = 0.0 if started is None else (time.perf_counter() - started) * 1000
    duration_ms = round(max(elapsed_ms, 0.0), 3)

    response.headers[REQUEST_ID_HEADER] = request_id
    response.headers[RESPONSE_TIME_HEADER] = f"{duration_ms:.3f}"

    _write_log_line(
        {
            "request_id": request_id,
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "user_agent": request.headers.get("User-Agent"),
        }
    )
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
