"""A service that is configured by its environment, tells the platform how it is, and shuts
down cleanly (reference solution).

Run it:   UPSTREAM_URL=http://127.0.0.1:9000 flask --app app run
Try it:   curl -i http://127.0.0.1:5000/healthz ; curl -i http://127.0.0.1:5000/readyz
"""

import os
import signal
import sys
import threading
import time

import requests
from flask import Flask, jsonify, request

# -- configuration: read once, at start-up, from the environment -------------------------------


def load_config(env):
    """The settings, or exit with one clear line naming what is wrong (no traceback)."""
    upstream = env.get("UPSTREAM_URL", "").strip()
    if not upstream:
        sys.exit("config error: UPSTREAM_URL is required (the URL of the dependency)")
    if not upstream.startswith(("http://", "https://")):
        sys.exit(f"config error: UPSTREAM_URL must be an http(s) URL, got {upstream!r}")
    raw_timeout = env.get("DEPENDENCY_TIMEOUT_S", "1")
    try:
        timeout = float(raw_timeout)
    except ValueError:
        timeout = None
    if timeout is None or not 0 < timeout <= 30:
        sys.exit(f"config error: DEPENDENCY_TIMEOUT_S must be a number of seconds in (0, 30], "
                 f"got {raw_timeout!r}")
    return {
        "service": env.get("SERVICE_NAME") or "health-demo",
        "upstream": upstream.rstrip("/"),
        "timeout": timeout,
    }


CONFIG = load_config(os.environ)  # fail fast: a misconfigured app never starts serving

app = Flask(__name__)

# -- graceful shutdown: count requests in flight, drain on SIGTERM -----------------------------

_draining = threading.Event()
_in_flight = 0
_idle = threading.Condition()


class CountInFlight:
    """WSGI middleware: a request counts until its response has been sent (close() is called
    after the last byte is written), not merely built."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        global _in_flight
        with _idle:
            _in_flight += 1
        try:
            yield from self.wsgi_app(environ, start_response)
        finally:
            with _idle:
                _in_flight -= 1
                _idle.notify_all()


def _exit_when_idle():
    with _idle:
        _idle.wait_for(lambda: _in_flight == 0)
    print("drained: no request in flight, exiting", file=sys.stderr, flush=True)
    os._exit(0)  # from a thread, sys.exit would only end this thread


def on_sigterm(signum, frame):
    # Readiness off first (the load balancer stops sending), then finish what is in flight.
    _draining.set()
    threading.Thread(target=_exit_when_idle, daemon=True).start()


signal.signal(signal.SIGTERM, on_sigterm)
app.wsgi_app = CountInFlight(app.wsgi_app)

# -- probes ------------------------------------------------------------------------------------


@app.get("/healthz")
def healthz():
    # Liveness: is this process able to answer? Never ask the dependency: if it is down,
    # restarting us would not help.
    return jsonify(status="ok", service=CONFIG["service"])


@app.get("/readyz")
def readyz():
    # Readiness: should traffic be sent here now? Not while draining, not without the dependency.
    if _draining.is_set():
        return jsonify(status="draining"), 503
    try:
        answer = requests.get(CONFIG["upstream"] + "/health", timeout=CONFIG["timeout"])
    except requests.RequestException as exc:
        return jsonify(status="unavailable", reason=type(exc).__name__), 503
    if not answer.ok:
        return jsonify(status="unavailable", reason=f"dependency answered {answer.status_code}"), 503
    return jsonify(status="ready")


# -- the work ----------------------------------------------------------------------------------


@app.get("/work")
def work():
    ms = max(0, min(request.args.get("ms", default=100, type=int), 3000))
    time.sleep(ms / 1000)
    return jsonify(done=True, slept_ms=ms)
