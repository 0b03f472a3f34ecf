"""urllib for the probe, a ConfigError caught at import, a polling drain thread."""

import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request

from flask import Flask, jsonify, request


class ConfigError(Exception):
    pass


def read_config():
    upstream = os.environ.get("UPSTREAM_URL", "")
    if not upstream:
        raise ConfigError("missing required environment variable UPSTREAM_URL")
    if upstream.split("://", 1)[0] not in ("http", "https") or "://" not in upstream:
        raise ConfigError(f"UPSTREAM_URL={upstream!r} is not an http(s) URL")
    text = os.environ.get("DEPENDENCY_TIMEOUT_S", "1")
    try:
        timeout = float(text)
        assert 0 < timeout <= 30
    except (ValueError, AssertionError):
        raise ConfigError(f"DEPENDENCY_TIMEOUT_S={text!r}: expected seconds in (0, 30]") from None
    return os.environ.get("SERVICE_NAME", "") or "health-demo", upstream, timeout


try:
    SERVICE, UPSTREAM, TIMEOUT = read_config()
except ConfigError as problem:
    print(f"cannot start: {problem}", file=sys.stderr)
    sys.exit(2)

app = Flask(__name__)
state = {"draining": False, "active": 0}
lock = threading.Lock()


class Tracked:
    def __init__(self, inner):
        self.inner = inner

    def __call__(self, environ, start_response):
        with lock:
            state["active"] += 1
        try:
            for chunk in self.inner(environ, start_response):
                yield chunk
        finally:
            with lock:
                state["active"] -= 1


app.wsgi_app = Tracked(app.wsgi_app)


def drain():
    while True:
        with lock:
            if state["active"] == 0:
                break
        time.sleep(0.05)
    os._exit(0)


def on_term(signum, frame):
    state["draining"] = True
    threading.Thread(target=drain, daemon=True).start()


signal.signal(signal.SIGTERM, on_term)


@app.get("/healthz")
def healthz():
    return jsonify(status="ok", service=SERVICE)


@app.get("/readyz")
def readyz():
    if state["draining"]:
        return jsonify(status="shutting-down"), 503
    try:
        with urllib.request.urlopen(UPSTREAM.rstrip("/") + "/health", timeout=TIMEOUT) as answer:
            healthy = 200 <= answer.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        healthy = False
    if not healthy:
        return jsonify(status="not-ready"), 503
    return jsonify(status="ready")


@app.get("/work")
def work():
    ms = max(0, min(request.args.get("ms", default=100, type=int), 3000))
    time.sleep(ms / 1000)
    return jsonify(done=True, slept_ms=ms)
