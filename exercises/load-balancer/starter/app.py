"""A reverse proxy in front of three upstreams (UPSTREAM_URLS).

It takes turns, but knows nothing of failures: a dead upstream's share of the requests fails.
It also passes every header along, connection-level ones included. Fix that (see the README).
"""

import os

import requests
from flask import Flask, Response, jsonify, request

app = Flask(__name__, static_folder=None)  # every path belongs to the upstreams
UPSTREAMS = os.environ["UPSTREAM_URLS"].split(",")
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

turn = 0  # TODO: two requests at once can take the same turn


def pick():
    global turn
    i = turn % len(UPSTREAMS)
    turn += 1
    return i


@app.route("/", defaults={"path": ""}, methods=METHODS, provide_automatic_options=False)
@app.route("/<path:path>", methods=METHODS, provide_automatic_options=False)
def proxy(path):
    # TODO: drop hop-by-hop headers (and the ones Connection names), both ways
    # TODO: X-Forwarded-For: append the client's address
    headers = {
        k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")
    }
    target = request.path + (f"?{request.query_string.decode()}" if request.query_string else "")
    i = pick()
    try:
        answer = requests.request(
            request.method, UPSTREAMS[i] + target, headers=headers, data=request.get_data(),
            timeout=(1, 10), allow_redirects=False,
        )
    except requests.ConnectionError:
        # TODO: take upstream i out of the rotation for 10 s; retry a GET or HEAD on the next one
        return jsonify(error="the upstream failed"), 502
    passed = [(k, v) for k, v in answer.headers.items() if k.lower() != "content-length"]
    return Response(answer.content, answer.status_code, passed)
