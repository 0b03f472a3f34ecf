"""A requests.Session that adds the trace headers; spans written through logging."""

import json
import logging
import os
import re
import secrets
import time

import requests
from flask import Flask, g, jsonify, request

app = Flask(__name__)
UPSTREAM = os.environ.get("UPSTREAM_URL", "http://127.0.0.1:9000")
VALID = re.compile(r"\A00-(?!0{32})([0-9a-f]{32})-(?!0{16})([0-9a-f]{16})-([0-9a-f]{2})\Z")

spans = logging.getLogger("spans")
_handler = logging.StreamHandler()  # stderr
_handler.setFormatter(logging.Formatter("%(message)s"))
spans.addHandler(_handler)
spans.setLevel(logging.INFO)
spans.propagate = False


class TracedSession(requests.Session):
    def request(self, method, url, **kwargs):
        headers = dict(kwargs.pop("headers", None) or {})
        headers["traceparent"] = f"00-{g.trace}-{g.span}-{g.flags}"
        if g.tracestate:
            headers["tracestate"] = g.tracestate
        return super().request(method, url, headers=headers, **kwargs)


http = TracedSession()


@app.before_request
def trace_in():
    m = VALID.match(request.headers.get("traceparent", ""))
    g.trace, g.parent, g.flags = m.groups() if m else (secrets.token_hex(16), None, "01")
    g.tracestate = request.headers.get("tracestate") if m else None
    g.span = secrets.token_hex(8)
    g.t = time.perf_counter_ns()


@app.after_request
def trace_out(resp):
    resp.headers["traceparent"] = f"00-{g.trace}-{g.span}-{g.flags}"
    spans.info(json.dumps({
        "trace_id": g.trace, "span_id": g.span, "parent_id": g.parent,
        "status": resp.status_code, "duration_ms": (time.perf_counter_ns() - g.t) / 1e6,
    }))
    return resp


@app.get("/ping")
def ping():
    return jsonify(pong=True)


@app.get("/orders/<order_id>")
def order(order_id):
    try:
        r = http.get(f"{UPSTREAM}/inventory/{order_id}", timeout=3)
        r.raise_for_status()
        return jsonify(order=order_id, inventory=r.json())
    except (requests.RequestException, ValueError):
        return jsonify(error="inventory service unavailable"), 502
