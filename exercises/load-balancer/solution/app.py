"""A reverse proxy: round-robin over the upstreams, a dead one out for a while, GETs retried."""

import itertools
import os
import threading
import time

import requests
from flask import Flask, Response, jsonify, request

app = Flask(__name__, static_folder=None)  # every path belongs to the upstreams
UPSTREAMS = os.environ["UPSTREAM_URLS"].split(",")
DOWN_FOR_S = 10  # one failed connection takes an upstream out of the rotation this long
RETRIED = {"GET", "HEAD"}  # safe to send again: they change nothing
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]  # (Flask adds HEAD to GET)

# Hop-by-hop headers describe one connection (client to proxy, or proxy to upstream), so they are
# never passed along: these, every Proxy-*, and the ones the Connection header names.
HOP_BY_HOP = {"connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"}

lock = threading.Lock()
tickets = itertools.count()  # request n starts with upstream n % 3: round-robin
down_until = {}  # upstream -> the time.monotonic() from which it may be tried again


def in_rotation():
    """The upstreams to try, this request's turn first; the ones taken out are skipped."""
    with lock:  # taking a ticket and reading the state as one step, whatever the threads do
        start, now = next(tickets), time.monotonic()
        order = [(start + k) % len(UPSTREAMS) for k in range(len(UPSTREAMS))]
        return [i for i in order if now >= down_until.get(i, now)]


def take_out(i):
    with lock:
        down_until[i] = time.monotonic() + DOWN_FOR_S


def end_to_end(headers):
    """The headers to pass along: not hop-by-hop, not Proxy-*, not named in Connection."""
    named = {token.strip().lower() for token in headers.get("Connection", "").split(",")}
    return {
        name: value
        for name, value in headers.items()
        if name.lower() not in HOP_BY_HOP | named and not name.lower().startswith("proxy-")
    }


@app.route("/", defaults={"path": ""}, methods=METHODS, provide_automatic_options=False)
@app.route("/<path:path>", methods=METHODS, provide_automatic_options=False)
def proxy(path):
    headers = end_to_end(request.headers)
    chain, client = request.headers.get("X-Forwarded-For"), request.remote_addr
    headers["X-Forwarded-For"] = f"{chain}, {client}" if chain else client  # append, never replace
    query = request.query_string.decode()
    target = f"/{path}?{query}" if query else f"/{path}"

    for i in in_rotation():
        try:
            answer = requests.request(
                request.method, UPSTREAMS[i] + target, headers=headers,
                data=request.get_data(), timeout=3, allow_redirects=False,
            )
        except requests.ConnectionError:  # refused, reset, or not connected in time
            take_out(i)
            if request.method in RETRIED:
                continue  # nothing happened there: the next upstream may answer
            return jsonify(error="the upstream failed; only GET and HEAD are retried"), 502
        # An upstream's own answer, a 500 included, is the answer: passed on unchanged.
        return Response(answer.content, answer.status_code, end_to_end(answer.headers))
    return jsonify(error="no upstream is available"), 502
