"""An orders API that calls an inventory service, and takes no part in any trace. Fix the TODOs.

Run it:   UPSTREAM_URL=http://127.0.0.1:9000 flask --app app run
Try it:   curl -i -H 'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' \
               http://127.0.0.1:5000/orders/42
"""

import json
import os
import secrets
import sys
import time

import requests
from flask import Flask, g, jsonify, request

app = Flask(__name__)
DOWNSTREAM = os.environ.get("UPSTREAM_URL", "http://127.0.0.1:9000").rstrip("/")


@app.before_request
def start_span():
    # TODO: this always starts a new trace. Read the incoming traceparent and continue a valid
    #       one (its trace id, its flags, its span id as our parent); start a new trace only when
    #       it is missing or invalid. Our span id is always new.
    g.trace_id, g.span_id = secrets.token_hex(16), secrets.token_hex(8)
    g.started = time.perf_counter()


def outgoing_headers():
    # TODO: calls downstream carry traceparent (our trace id, OUR span id, the flags), and the
    #       incoming tracestate when the incoming traceparent was valid.
    return {}


@app.after_request
def end_span(response):
    duration_ms = (time.perf_counter() - g.started) * 1000
    response.headers["traceparent"] = f"00-{g.trace_id}-{g.span_id}-01"
    # TODO: the span line also needs parent_id (null when the trace starts here).
    span = {
        "type": "span",
        "trace_id": g.trace_id,
        "span_id": g.span_id,
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round(duration_ms, 2),
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
