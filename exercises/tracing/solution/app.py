"""An orders API that takes part in a distributed trace (reference solution).

Run it:   UPSTREAM_URL=http://127.0.0.1:9000 flask --app app run
Try it:   curl -i -H 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' \
               http://127.0.0.1:5000/orders/42

W3C Trace Context: an incoming traceparent is continued (same trace id, our own new span id,
its span as our parent), an invalid or missing one starts a new trace; calls downstream carry
our span as their parent; every request logs one JSON span line.
"""

import json
import os
import re
import secrets
import sys
import time

import requests
from flask import Flask, g, jsonify, request

app = Flask(__name__)
DOWNSTREAM = os.environ.get("UPSTREAM_URL", "http://127.0.0.1:9000").rstrip("/")

# version 00: 2 hex, 32 hex trace id, 16 hex parent id, 2 hex flags; lowercase only.
TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")


def parse_traceparent(value):
    """(trace_id, parent_id, flags) of a valid header, else None."""
    match = TRACEPARENT.fullmatch(value or "")
    # All zeros is invalid by the spec, for the trace id and for the parent id.
    if match and match[1] != "0" * 32 and match[2] != "0" * 16:
        return match.groups()
    return None


def new_id(nbytes):
    """A random id of 2 * nbytes lowercase hex digits, never all zeros."""
    while True:
        value = secrets.token_hex(nbytes)
        if value.strip("0"):
            return value


@app.before_request
def start_span():
    incoming = parse_traceparent(request.headers.get("traceparent"))
    if incoming is not None:
        g.trace_id, g.parent_id, g.flags = incoming
        g.tracestate = request.headers.get("tracestate")  # forwarded with a valid parent only
    else:
        g.trace_id, g.parent_id, g.flags = new_id(16), None, "01"
    g.span_id = new_id(8)  # always our own: we are a new span in the trace
    g.started = time.perf_counter()


def outgoing_headers():
    """What a call downstream carries: same trace, and our span as its parent."""
    headers = {"traceparent": f"00-{g.trace_id}-{g.span_id}-{g.flags}"}
    tracestate = g.get("tracestate")  # set only when the incoming traceparent was valid
    if tracestate:
        headers["tracestate"] = tracestate
    return headers


@app.after_request
def end_span(response):
    duration_ms = (time.perf_counter() - g.started) * 1000
    response.headers["traceparent"] = f"00-{g.trace_id}-{g.span_id}-{g.flags}"
    span = {
        "type": "span",
        "trace_id": g.trace_id,
        "span_id": g.span_id,
        "parent_id": g.parent_id,
        "name": f"{request.method} {request.url_rule.rule if request.url_rule else request.path}",
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round(duration_ms, 2),
    }
    print(json.dumps(span), file=sys.stderr, flush=True)
    return response


@app.get("/ping")
def ping():
    return jsonify(pong=True)


@app.get("/orders/<order_id>")
def order(order_id):
    try:
        answer = requests.get(
            f"{DOWNSTREAM}/inventory/{order_id}", headers=outgoing_headers(), timeout=3
        )
        answer.raise_for_status()
        inventory = answer.json()
    except (requests.RequestException, ValueError):
        return jsonify(error="inventory service unavailable"), 502
    return jsonify(order=order_id, inventory=inventory)
