"""Load balancer: a counter over all three, a down one skipped to the next; answer.content."""

import os
import threading
import time
from dataclasses import dataclass

import requests
from flask import Flask, jsonify, make_response, request


@dataclass
class Upstream:
    url: str
    retry_at: float = 0.0


UPS = [Upstream(u.strip()) for u in os.environ["UPSTREAM_URLS"].split(",") if u.strip()]
HOP_BY_HOP = ("connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade",
              "proxy-authenticate", "proxy-authorization")
IDEMPOTENT = ("GET", "HEAD")

app = Flask(__name__)
app.static_folder = None
counter = 0
counter_lock = threading.Lock()


def strip_hop(headers, also=()):
    connection = headers.get("Connection") or ""
    extra = {name.strip().lower() for name in connection.split(",")}
    kept = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower in HOP_BY_HOP or lower in extra or lower.startswith("proxy-") or lower in also:
            continue
        kept[name] = value
    return kept


def attempts():
    """Indices to try: this request's turn first, then the ones after it; down ones skipped."""
    global counter
    with counter_lock:
        first = counter
        counter += 1
    now = time.monotonic()
    tries = []
    for k in range(len(UPS)):
        i = (first + k) % len(UPS)
        if UPS[i].retry_at <= now:
            tries.append(i)
    return tries


def bad_gateway(msg):
    return make_response(jsonify(error=msg), 502)


def handle(path):
    out = strip_hop(request.headers, also=("host", "content-length", "x-forwarded-for"))
    xff = request.headers.get("X-Forwarded-For", "").strip()
    out["X-Forwarded-For"] = (xff + ", " if xff else "") + request.remote_addr
    qs = request.query_string.decode("latin-1")
    url_path = "/" + path + ("?" + qs if qs else "")
    payload = request.get_data()
    for i in attempts():
        try:
            r = requests.request(request.method, UPS[i].url + url_path, headers=out,
                                 data=payload, timeout=(1.0, 10.0), allow_redirects=False)
        except requests.exceptions.ConnectionError:
            UPS[i].retry_at = time.monotonic() + 10
            if request.method in IDEMPOTENT:
                continue
            return bad_gateway("upstream connection failed")
        resp = make_response(r.content, r.status_code)
        resp.headers.clear()
        for k, v in strip_hop(r.headers, also=("content-length", "content-encoding")).items():
            resp.headers[k] = v
        return resp
    return bad_gateway("no upstream left")


for rule in ("/", "/<path:path>"):
    app.add_url_rule(
        rule,
        "proxy" + rule,
        handle,
        defaults={"path": ""} if rule == "/" else None,
        methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        provide_automatic_options=False,
    )
