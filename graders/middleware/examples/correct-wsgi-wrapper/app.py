"""A tiny API whose routes work, but which tells you nothing about the requests it served.

Run it:   flask --app app run
Try it:   curl -i http://127.0.0.1:5000/hello

The routes are done. The middleware here is a WSGI wrapper around app.wsgi_app (instead of
Flask's before_request/after_request hooks): it sees every request and every response the
Flask app produces, 404s, 405s and the 500 Flask builds from an exception included.
"""

import json
import re
import sys
import threading
import time
import uuid

from flask import Flask, jsonify, request
from werkzeug.wrappers import Request
from werkzeug.exceptions import HTTPException

app = Flask(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
RESPONSE_TIME_HEADER = "X-Response-Time-ms"
LOG_FILE = "requests.log"  # relative: it lands in the working directory the app runs in


# ---------------------------------------------------------------------------------------------
# Middleware: a WSGI wrapper around the whole Flask app (installed at the bottom of the file).
# ---------------------------------------------------------------------------------------------

# 1 to 128 characters, ASCII letters, digits, dot, underscore, hyphen. Used with fullmatch:
# no \w (it matches "é"), and no "$" (it matches before a trailing newline).
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def request_id_from(value):
    """The incoming id if it is short and plain, otherwise a fresh one (never a cleaned-up copy)."""
    if isinstance(value, str) and _VALID_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """Request id, response time and one JSON log line for every request.

    The line is written when the app calls start_response, i.e. once the status and headers
    are known and before the body goes out, so it is in the file by the time the client has
    the response.
    """

    def __init__(self, wsgi_app, log_file):
        self.wsgi_app = wsgi_app
        self.log_file = log_file
        self._lock = threading.Lock()

    def _log(self, record):
        line = json.dumps(record, ensure_ascii=True) + "\n"
        with self._lock:  # one write per line, under a lock: threads never interleave lines
            with open(self.log_file, "a", encoding="utf-8") as f:
                f.write(line)

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        request_id = request_id_from(environ.get("HTTP_X_REQUEST_ID"))
        # The app (and anything it calls) sees only the trusted id.
        environ["HTTP_X_REQUEST_ID"] = request_id
        method = environ.get("REQUEST_METHOD", "")
        path = Request(environ).path  # decoded, without the query string (same as request.path)
        answered = False

        def start_response_with_headers(status, headers, exc_info=None):
            nonlocal answered
            duration_ms = round(max((time.perf_counter() - started) * 1000, 0.0), 3)
            headers = [
                (name, value)
                for name, value in headers
                if name.lower() not in (REQUEST_ID_HEADER.lower(), RESPONSE_TIME_HEADER.lower())
            ]
            headers.append((REQUEST_ID_HEADER, request_id))
            headers.append((RESPONSE_TIME_HEADER, f"{duration_ms:.3f}"))
            if not answered:  # start_response may be called again with exc_info: log once
                answered = True
                self._log(
                    {
                        "request_id": request_id,
                        "method": method,
                        "path": path,
                        "status": int(status.split(" ", 1)[0]),  # "404 NOT FOUND" -> 404
                        "duration_ms": duration_ms,
                        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                        "user_agent": environ.get("HTTP_USER_AGENT"),
                    }
                )
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, start_response_with_headers)
        except Exception:
            # Flask turns route exceptions into a 500 itself (debug off). Should one still escape
            # (PROPAGATE_EXCEPTIONS, testing mode), answer the 500 here so the request keeps its
            # id, its headers and its log line.
            if answered:
                raise
            body = json.dumps({"error": "internal server error"}).encode()
            start_response_with_headers(
                "500 INTERNAL SERVER ERROR",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
                sys.exc_info(),
            )
            return [body]


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


# Wrap the whole Flask app: `flask run` (and any WSGI server) calls app.wsgi_app per request.
app.wsgi_app = RequestContextMiddleware(app.wsgi_app, LOG_FILE)
