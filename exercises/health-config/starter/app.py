"""A service that works on a good day: its configuration has silent defaults, its readiness
probe always says yes, and SIGTERM kills it mid-request. Fix the TODOs.

Run it:   UPSTREAM_URL=http://127.0.0.1:9000 flask --app app run
Try it:   curl -i http://127.0.0.1:5000/healthz ; curl -i http://127.0.0.1:5000/readyz
"""

import os
import time

from flask import Flask, jsonify, request

# -- configuration -----------------------------------------------------------------------------

# TODO: UPSTREAM_URL is required: a missing or non-http(s) value must stop start-up with one
#       clear line naming the variable (sys.exit("...")), not fall back to a made-up default.
# TODO: DEPENDENCY_TIMEOUT_S: optional, default 1, a number of seconds in (0, 30].
CONFIG = {
    "service": os.environ.get("SERVICE_NAME") or "health-demo",
    "upstream": os.environ.get("UPSTREAM_URL", "http://localhost:9"),
    "timeout": 1.0,
}

app = Flask(__name__)

# TODO: graceful shutdown. On SIGTERM (signal.signal), turn readiness off at once, let the
#       requests in flight finish, then exit with code 0 (os._exit(0) from a thread).

# -- probes ------------------------------------------------------------------------------------


@app.get("/healthz")
def healthz():
    return jsonify(status="ok", service=CONFIG["service"])


@app.get("/readyz")
def readyz():
    # TODO: ask the dependency (GET {UPSTREAM_URL}/health, with the timeout): 503 when it does
    #       not answer 2xx in time, and 503 while shutting down.
    return jsonify(status="ready")


# -- the work (done) ---------------------------------------------------------------------------


@app.get("/work")
def work():
    ms = max(0, min(request.args.get("ms", default=100, type=int), 3000))
    time.sleep(ms / 1000)
    return jsonify(done=True, slept_ms=ms)
