"""Parsing by split and a set of hex digits; the context in a dict on request.environ."""

import json
import os
import sys
import time
import uuid

import requests
from flask import Flask, jsonify, request

app = Flask(__name__)
INVENTORY = os.environ.get("UPSTREAM_URL", "http://127.0.0.1:9000")
HEX = set("0123456789abcdef")


def is_hex(text, length):
    return len(text) == length and set(text) <= HEX and set(text) != {"0"}


def incoming_context():
    parts = request.headers.get("traceparent", "").split("-")
    if len(parts) != 4:
        return None
    version, trace, parent, flags = parts
    if version != "00" or not is_hex(trace, 32) or not is_hex(parent, 16):
        return None
    if len(flags) != 2 or not set(flags) <= HEX:
        return None
    return {"trace": trace, "parent": parent, "flags": flags,
            "state": request.headers.get("tracestate")}


def ctx():
    return request.environ["trace.ctx"]


@app.before_request
def begin():
    context = incoming_context() or {
        "trace": uuid.uuid4().hex, "parent": None, "flags": "01", "state": None}
    context["span"] = uuid.uuid4().hex[:16]
    context["t0"] = time.monotonic()
    request.environ["trace.ctx"] = context


def header_for_children():
    c = ctx()
    return "-".join(["00", c["trace"], c["span"], c["flags"]])


@app.after_request
def finish(response):
    c = ctx()
    response.headers["traceparent"] = header_for_children()
    sys.stdout.write(json.dumps({
        "trace_id": c["trace"], "span_id": c["span"], "parent_id": c["parent"],
        "status": response.status_code, "duration_ms": (time.monotonic() - c["t0"]) * 1000,
        "path": request.path,
    }) + "\n")
    sys.stdout.flush()
    return response


@app.get("/ping")
def ping():
    return jsonify(pong=True)


@app.get("/orders/<order_id>")
def order(order_id):
    headers = {"traceparent": header_for_children()}
    if ctx()["state"] is not None:
        headers["tracestate"] = ctx()["state"]
    try:
        answer = requests.get(f"{INVENTORY}/inventory/{order_id}", headers=headers, timeout=3)
        answer.raise_for_status()
        return jsonify(order=order_id, inventory=answer.json())
    except (requests.RequestException, ValueError):
        return jsonify(error="inventory service unavailable"), 502
