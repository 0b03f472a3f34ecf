"""Load balancer on the standard library's http.client: one connection per forwarded request,
a Backend object per upstream, and the rotation over the healthy ones."""

import http.client
import itertools
import os
import threading
import time
from urllib.parse import urlsplit

from flask import Flask, Response, jsonify, request

HOP = frozenset(
    "connection keep-alive proxy-authenticate proxy-authorization te trailer "
    "transfer-encoding upgrade".split()
)
PENALTY = 10.0


class Backend:
    def __init__(self, url):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.until = 0.0

    def up(self, now):
        return now >= self.until


class Pool:
    def __init__(self, urls):
        self.backends = [Backend(u) for u in urls]
        self.ticket = itertools.count()
        self.mutex = threading.Lock()

    def order(self):
        with self.mutex:
            now = time.time()
            n = next(self.ticket)
            start = n % len(self.backends)
            ring = self.backends[start:] + self.backends[:start]
            return [b for b in ring if b.up(now)]

    def fail(self, backend):
        with self.mutex:
            backend.until = time.time() + PENALTY


pool = Pool(os.environ["UPSTREAM_URLS"].split(","))
app = Flask(__name__, static_folder=None)


def clean(pairs):
    pairs = list(pairs)
    listed = set()
    for k, v in pairs:
        if k.lower() == "connection":
            listed |= {t.strip().lower() for t in v.split(",") if t.strip()}
    out = []
    for k, v in pairs:
        low = k.lower()
        if low in HOP or low in listed or low.startswith("proxy-"):
            continue
        if low in ("content-length", "host"):
            continue
        out.append((k, v))
    return out


def send(backend, method, target, headers, body):
    conn = http.client.HTTPConnection(backend.host, backend.port, timeout=1)
    try:
        conn.connect()
    except OSError:
        conn.close()
        raise ConnectionError("connect failed") from None
    conn.sock.settimeout(10)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for k, v in headers:
            conn.putheader(k, v)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
    except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
        conn.close()
        raise ConnectionError("reset") from None
    data = resp.read()
    result = (resp.status, resp.getheaders(), data)
    conn.close()
    return result


@app.route("/", defaults={"rest": ""}, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"], provide_automatic_options=False)
@app.route("/<path:rest>", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"], provide_automatic_options=False)
def forward(rest):
    headers = clean(request.headers.items())
    prior = [v for k, v in headers if k.lower() == "x-forwarded-for"]
    headers = [(k, v) for k, v in headers if k.lower() != "x-forwarded-for"]
    headers.append(("X-Forwarded-For", ", ".join(prior + [request.remote_addr])))
    target = request.environ.get("RAW_URI") or request.full_path
    body = request.get_data()
    for backend in pool.order():
        try:
            status, answer_headers, data = send(backend, request.method, target, headers, body)
        except ConnectionError:
            pool.fail(backend)
            if request.method not in ("GET", "HEAD"):
                return jsonify({"error": "bad gateway"}), 502
            continue
        return Response(data, status=status, headers=clean(answer_headers))
    return jsonify({"error": "all upstreams are down"}), 502
