"""An orders API that calls an inventory service, and takes no part in any trace. Fix the TODOs.

Run it:   UPSTREAM_URL=http://127.0.0.1:9000 flask --app app run
Try it:   curl -i -H 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' \
               http://127.0.0.1:5000/orders/42
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


TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")


def _new_id(nbytes, avoid=None):
    """Random lowercase hex id, never all zeros (and never equal to `avoid`)."""
    while True:
        value = secrets.token_hex(nbytes)
        if value.strip("0") and value != avoid:
            return value


def parse_traceparent(value):
    """(trace_id, parent_id, flags) for a valid W3C traceparent, else None."""
    if value is None:
        return None
    match = TRACEPARENT.fullmatch(value)
    if match is None:
        return None
    trace_id, parent_id, flags = match.groups()
    if not trace_id.strip("0") or not parent_id.strip("0"):
        return None
    return trace_id, parent_id, flags


@app.before_request
def start_span():
    g.started = time.perf_counter()
    incoming = parse_traceparent(request.headers.get("traceparent"))
    if incoming is not None:
        g.trace_id, g.parent_id, g.flags = incoming
        g.tracestate = request.headers.get("tracestate")
    else:
        g.trace_id, g.parent_id, g.flags = _new_id(16), None, "01"
        g.tracestate = None
    g.span_id = _new_id(8, avoid=g.parent_id)


def own_traceparent():
    return f"00-{g.trace_id}-{g.span_id}-{g.flags}"


def outgoing_headers():
    headers = {"traceparent": own_traceparent()}
    if g.tracestate is not None:
        headers["tracestate"] = g.tracestate
    return headers


@app.after_request
def end_span(response):
    duration_ms = (time.perf_counter() - g.started) * 1000
    response.headers["traceparent"] = own_traceparent()
    span = {
        "type": "span",
        "name": f"{request.method} {request.url_rule.rule if request.url_rule else request.path}",
        "trace_id": g.trace_id,
        "span_id": g.span_id,
        "parent_id": g.parent_id,
        "flags": g.flags,
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round(duration_ms, 3),
    }
    print(json.dumps(span), file=sys.stderr, flush=True)
    return response


# -- routes (done) -----------------------------------------------------------------------------


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
