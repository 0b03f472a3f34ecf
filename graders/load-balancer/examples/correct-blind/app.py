"""A reverse proxy in front of the upstreams in UPSTREAM_URLS: round-robin, passive health checks
(a refused connection takes an upstream out for 10 s), retries of GET/HEAD, X-Forwarded-For, and
hop-by-hop headers dropped both ways.
"""

import os
import threading
import time

import requests
from flask import Flask, Response, jsonify, request

app = Flask(__name__, static_folder=None)  # every path belongs to the upstreams
UPSTREAMS = [u.strip().rstrip("/") for u in os.environ["UPSTREAM_URLS"].split(",") if u.strip()]
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
RETRYABLE = {"GET", "HEAD"}
OUT_FOR_S = 10.0

HOP_BY_HOP = {"connection", "keep-alive", "te", "trailer", "trailers", "transfer-encoding", "upgrade"}

lock = threading.Lock()
turn = 0
out_until = [0.0] * len(UPSTREAMS)  # time.monotonic() before which upstream i is skipped


def in_rotation():
    """The upstreams that are up, starting with this request's turn (taken under the lock)."""
    global turn
    with lock:
        start = turn
        turn += 1
        now = time.monotonic()
        n = len(UPSTREAMS)
        return [(start + k) % n for k in range(n) if out_until[(start + k) % n] <= now]


def take_out(i):
    with lock:
        out_until[i] = time.monotonic() + OUT_FOR_S


def is_up(i):
    with lock:
        return out_until[i] <= time.monotonic()


def hop_by_hop_names(header_items):
    names = set(HOP_BY_HOP)
    for name, value in header_items:
        if name.lower() == "connection":
            names.update(t.strip().lower() for t in value.split(",") if t.strip())
    return names


def end_to_end(header_items):
    header_items = list(header_items)
    drop = hop_by_hop_names(header_items)
    return [
        (k, v) for k, v in header_items
        if k.lower() not in drop and not k.lower().startswith("proxy-")
    ]


def outgoing_headers():
    headers = [
        (k, v) for k, v in end_to_end(request.headers.items())
        if k.lower() not in ("host", "content-length", "x-forwarded-for")
    ]
    sent = [v.strip() for v in request.headers.getlist("X-Forwarded-For") if v.strip()]
    client = request.remote_addr or "unknown"
    headers.append(("X-Forwarded-For", ", ".join(sent + [client])))
    # requests wants a mapping; merge repeated names as one comma-separated field.
    merged = {}
    for k, v in headers:
        merged[k] = f"{merged[k]}, {v}" if k in merged else v
    return merged


def target():
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw and raw.startswith("/"):
        return raw
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


@app.route("/", defaults={"path": ""}, methods=METHODS, provide_automatic_options=False)
@app.route("/<path:path>", methods=METHODS, provide_automatic_options=False)
def proxy(path):
    headers = outgoing_headers()
    body = request.get_data()
    where = target()
    for i in in_rotation():
        if not is_up(i):  # taken out by a concurrent request since our turn
            continue
        try:
            answer = requests.request(
                request.method, UPSTREAMS[i] + where, headers=headers, data=body,
                timeout=(1, 10), allow_redirects=False, stream=True,
            )
        except requests.ConnectionError:
            take_out(i)
            if request.method in RETRYABLE:
                continue
            return jsonify(error=f"upstream {i + 1} failed to connect; not retried"), 502
        except requests.Timeout:
            return jsonify(error=f"upstream {i + 1} did not answer in time"), 504
        try:
            content = answer.raw.read(decode_content=False)  # the bytes as the upstream sent them
        except Exception:  # noqa: BLE001 - any break in the body read
            return jsonify(error=f"upstream {i + 1} broke off its answer"), 502
        finally:
            answer.close()
        passed = [
            (k, v) for k, v in end_to_end(answer.raw.headers.items())
            if k.lower() != "content-length"
        ]
        response = Response(content, answer.status_code)
        response.headers.clear()
        for k, v in passed:
            response.headers.add(k, v)
        return response
    return jsonify(error="no upstream is available"), 502
