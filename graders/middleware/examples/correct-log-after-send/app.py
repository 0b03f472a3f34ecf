"""A tiny API whose routes work, but which tells you nothing about the requests it served.

Run it:   flask --app app run
Try it:   curl -i http://127.0.0.1:5000/hello

A correct solution that takes the README's other allowed answers: the header's duration as
str() writes it, the log rounded differently, the path logged as sent, the line written after
the response.
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

# ASCII only ([A-Za-z0-9], not \w, which also matches letters such as "é"), 1 to 128 chars.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_log_lock = threading.Lock()


# ---------------------------------------------------------------------------------------------
# Middleware: runs around EVERY request, whatever the route, including 404s and 500s.
# ---------------------------------------------------------------------------------------------


@app.before_request
def start_request():
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.started = time.perf_counter()


@app.after_request
def finish_request(response):
    elapsed_ms = (time.perf_counter() - g.started) * 1000
    response.headers[REQUEST_ID_HEADER] = g.request_id
    response.headers[RESPONSE_TIME_HEADER] = str(elapsed_ms)  # may read 5e-05: still a number
    entry = {
        "request_id": g.request_id,
        "method": request.method,
        # The path exactly as sent (percent-encoding kept), without the query string.
        "path": request.environ.get("RAW_URI", request.path).split("?", 1)[0],
        "status": response.status_code,
        "duration_ms": round(elapsed_ms, 3),
    }
    # Written once the body has gone out, not before: the README allows it.
    response.call_on_close(lambda: _write(entry))
    return response


def _write(entry):
    line = json.dumps(entry) + "\n"
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
