"""Config as a frozen dataclass; in-flight counted with before_request + call_on_close."""

import os
import signal
import sys
import threading
import time
from dataclasses import dataclass

import requests
from flask import Flask, g, jsonify, request


@dataclass(frozen=True)
class Settings:
    service: str
    upstream: str
    timeout: float


def settings_from(env) -> Settings:
    url = env.get("UPSTREAM_URL")
    if url is None:
        raise SystemExit("UPSTREAM_URL is not set")
    if not (url.startswith("http://") or url.startswith("https://")):
        raise SystemExit("UPSTREAM_URL is not an http:// or https:// URL")
    try:
        timeout = float(env.get("DEPENDENCY_TIMEOUT_S") or 1)
    except ValueError:
        raise SystemExit("DEPENDENCY_TIMEOUT_S is not a number") from None
    if timeout <= 0 or timeout > 30:
        raise SystemExit("DEPENDENCY_TIMEOUT_S must be > 0 and <= 30")
    return Settings(env.get("SERVICE_NAME") or "health-demo", url, timeout)


SETTINGS = settings_from(os.environ)
app = Flask(__name__)

stopping = False
busy = 0
busy_lock = threading.Lock()
nobody_busy = threading.Event()
nobody_busy.set()


def _done():
    global busy
    with busy_lock:
        busy -= 1
        if busy == 0:
            nobody_busy.set()


@app.before_request
def _started():
    global busy
    with busy_lock:
        busy += 1
        nobody_busy.clear()
    g.counted = True


@app.after_request
def _finished(response):
    if g.pop("counted", False):
        response.call_on_close(_done)  # after the body has been sent
    return response


def _shutdown():
    while True:
        nobody_busy.wait()
        time.sleep(0.05)
        if nobody_busy.is_set():
            break
    os._exit(0)


def _on_term(*_):
    global stopping
    stopping = True
    threading.Thread(target=_shutdown, daemon=True).start()


signal.signal(signal.SIGTERM, _on_term)


@app.route("/healthz")
def live():
    return {"status": "ok", "service": SETTINGS.service}


@app.route("/readyz")
def ready():
    if stopping:
        return {"status": "stopping"}, 503
    try:
        ok = requests.get(f"{SETTINGS.upstream.rstrip('/')}/health", timeout=SETTINGS.timeout).ok
    except requests.RequestException:
        ok = False
    return ({"status": "ready"}, 200) if ok else ({"status": "dependency-down"}, 503)


@app.get("/work")
def work():
    ms = max(0, min(request.args.get("ms", default=100, type=int), 3000))
    time.sleep(ms / 1000)
    return jsonify(done=True, slept_ms=ms)
