"""A service ready for a platform: settings checked at start-up, liveness vs readiness probes,
and a graceful drain on SIGTERM.

Run it:   UPSTREAM_URL=http://127.0.0.1:9000 flask --app app run
Try it:   curl -i http://127.0.0.1:5000/healthz ; curl -i http://127.0.0.1:5000/readyz
"""

import math
import os
import signal
import sys
import threading
import time
from urllib.parse import urlsplit

import requests
from flask import Flask, jsonify, request

# -- configuration -----------------------------------------------------------------------------


def _config_error(message):
    # One clear line on stderr, exit code 1, no traceback: a bad setting is not a code bug.
    sys.exit(f"config error: {message}")


def load_config(env):
    upstream = env.get("UPSTREAM_URL", "").strip()
    if not upstream:
        _config_error("UPSTREAM_URL is required (the dependency's base URL, http:// or https://)")
    parts = urlsplit(upstream)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        _config_error(f"UPSTREAM_URL must be an http:// or https:// URL, got {upstream!r}")

    raw_timeout = env.get("DEPENDENCY_TIMEOUT_S", "").strip()
    if raw_timeout == "":
        timeout = 1.0
    else:
        try:
            timeout = float(raw_timeout)
        except ValueError:
            timeout = math.nan
        if not (math.isfinite(timeout) and 0 < timeout <= 30):
            _config_error(
                f"DEPENDENCY_TIMEOUT_S must be a number of seconds in (0, 30], got {raw_timeout!r}"
            )

    return {
        "service": env.get("SERVICE_NAME") or "health-demo",
        "upstream": upstream.rstrip("/"),
        "timeout": timeout,
    }


CONFIG = load_config(os.environ)

app = Flask(__name__)

# -- graceful shutdown ---------------------------------------------------------------------------

_draining = threading.Event()
_in_flight = 0
_in_flight_cond = threading.Condition()


class InFlightCounter:
    """WSGI middleware: counts a request from its start until its response body has been sent."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        global _in_flight
        with _in_flight_cond:
            _in_flight += 1
        try:
            body = self.wsgi_app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return self._stream(body)

    def _stream(self, body):
        try:
            yield from body
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
            self._done()

    @staticmethod
    def _done():
        global _in_flight
        with _in_flight_cond:
            _in_flight -= 1
            _in_flight_cond.notify_all()


app.wsgi_app = InFlightCounter(app.wsgi_app)


def _drain_then_exit():
    with _in_flight_cond:
        _in_flight_cond.wait_for(lambda: _in_flight == 0)
    time.sleep(0.05)  # let the last response leave the socket
    os._exit(0)


def _on_sigterm(signum, frame):
    if _draining.is_set():
        return
    _draining.set()
    threading.Thread(target=_drain_then_exit, name="drain", daemon=True).start()


try:
    signal.signal(signal.SIGTERM, _on_sigterm)
except ValueError:  # imported outside the main thread (e.g. some test runners): no handler
    pass

# -- probes ------------------------------------------------------------------------------------


@app.get("/healthz")
def healthz():
    # Liveness: this process answers. Never asks the dependency.
    return jsonify(status="ok", service=CONFIG["service"])


@app.get("/readyz")
def readyz():
    if _draining.is_set():
        return jsonify(status="draining"), 503
    try:
        answer = requests.get(CONFIG["upstream"] + "/health", timeout=CONFIG["timeout"])
    except requests.RequestException:
        return jsonify(status="unavailable", reason="dependency unreachable"), 503
    if not 200 <= answer.status_code < 300:
        return jsonify(status="unavailable", reason=f"dependency answered {answer.status_code}"), 503
    return jsonify(status="ready")


# -- the work (done) ---------------------------------------------------------------------------


@app.get("/work")
def work():
    ms = max(0, min(request.args.get("ms", default=100, type=int), 3000))
    time.sleep(ms / 1000)
    return jsonify(done=True, slept_ms=ms)
