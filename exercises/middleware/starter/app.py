"""A tiny API whose routes work, but which tells you nothing about the requests it served.

Run it:   flask --app app run
Try it:   curl -i http://127.0.0.1:5000/hello

The routes are done. Your job is the middleware: the TODOs in the two hooks below.
README.md has the exact contract the grader checks.
"""

import time

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

app = Flask(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
RESPONSE_TIME_HEADER = "X-Response-Time-ms"
LOG_FILE = "requests.log"  # relative: it lands in the working directory the app runs in


# ---------------------------------------------------------------------------------------------
# Middleware: runs around EVERY request, whatever the route, including 404s and 500s.
# ---------------------------------------------------------------------------------------------


@app.before_request
def start_request():
    # TODO 1: the request id. Read the incoming X-Request-ID header. Keep it only if it is a
    # sane value: 1 to 128 characters, each one of A-Z a-z 0-9 . _ - (ASCII only). Anything
    # else (missing, empty, too long, spaces, quotes, other characters) is replaced by a fresh
    # id: uuid.uuid4().hex. Remember the id for later in this request: flask.g is made for that.
    #
    # TODO 2: the clock. Remember when the request started, with time.perf_counter()
    # (a monotonic clock: time.time() can jump when the system clock is adjusted).
    pass


@app.after_request
def finish_request(response):
    # TODO 3: response headers. Set X-Request-ID to this request's id and X-Response-Time-ms
    # to the time since TODO 2, in milliseconds, as a plain number (for example "12.3").
    #
    # TODO 4: one structured log line. Append exactly ONE line to LOG_FILE: a JSON object
    # with at least request_id (string), method (string), path (string, without the query
    # string), status (integer) and duration_ms (number), then a newline. Open the file in
    # append mode for each line (or keep one handle and flush): never truncate it. The dev
    # server runs requests in threads: write each line with a single write under a lock.
    #
    # Does this hook run for a 404? For a route that raises? (It does when Flask turns the
    # error into a response, as below; find out with curl.) Don't log a request twice.
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
