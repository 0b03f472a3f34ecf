"""A reverse proxy: round-robin over the upstreams, a dead one taken out for a while, GETs retried."""

import os
import threading
import time

import requests
from flask import Flask, Response, jsonify, request

app = Flask(__name__, static_folder=None)  # every path belongs to the upstreams
UPSTREAMS = os.environ["UPSTREAM_URLS"].split(",")
DOWN_FOR_S = 10  # one failed connection takes an upstream out of the rotation this long
RETRIED = {"GET", "HEAD"}  # safe to send again: they change nothing
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

# Hop-by-hop headers describe one connection (client to proxy, or proxy to upstream), so they are
# never passed along; the Connection header can name more of them. Content-Length and Host are
# set again for the message we send.
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade",
}
SET_AGAIN = {"content-length", "host"}

lock = threading.Lock()
turn = 0  # the next upstream in the rotation
down_until = [0.0] * len(UPSTREAMS)  # time.monotonic() before which an upstream is skipped

session = requests.Session()  # keep-alive connections to the upstreams
session.headers.clear()  # send the client's headers, not requests' defaults
session.trust_env = False  # never through an HTTP(S)_PROXY from the environment
session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=64))


def in_rotation():
    """The upstreams that are up, in rotation order from whoever's turn it is."""
    global turn
    now = time.monotonic()
    with lock:  # two requests at once must not take the same turn
        order = [(turn + k) % len(UPSTREAMS) for k in range(len(UPSTREAMS))]
        up = [i for i in order if down_until[i] <= now]
        if up:
            turn = up[0] + 1
    return up


def take_out(i):
    with lock:
        down_until[i] = time.monotonic() + DOWN_FOR_S


def end_to_end(headers):
    """The headers to pass along: not hop-by-hop, not named in Connection, not Proxy-*."""
    named = {token.strip().lower() for token in headers.get("Connection", "").split(",")}
    return [
        (name, value)
        for name, value in headers.items()
        if name.lower() not in HOP_BY_HOP | named | SET_AGAIN
        and not name.lower().startswith("proxy-")
    ]


@app.route("/", defaults={"path": ""}, methods=METHODS, provide_automatic_options=False)
@app.route("/<path:path>", methods=METHODS, provide_automatic_options=False)
def proxy(path):
    headers = [(n, v) for n, v in end_to_end(request.headers) if n.lower() != "x-forwarded-for"]
    chain = request.headers.get("X-Forwarded-For")  # earlier proxies: append, never replace
    headers.append(("X-Forwarded-For", f"{chain}, {request.remote_addr}" if chain else request.remote_addr))
    target = request.path + (f"?{request.query_string.decode()}" if request.query_string else "")
    body = request.get_data()  # read whole, sent on with a Content-Length

    for i in in_rotation():
        try:
            answer = session.request(
                request.method, UPSTREAMS[i] + target, headers=dict(headers), data=body,
                timeout=(1, 10), allow_redirects=False, stream=True,
            )
        except requests.ConnectionError:  # refused, reset, or not connected within 1 s
            take_out(i)
            if request.method in RETRIED:
                continue  # nothing happened there: the next upstream may answer
            return jsonify(error="the upstream failed; only GET and HEAD are retried"), 502
        except requests.RequestException:
            return jsonify(error="the upstream did not answer in time"), 502
        if answer.status_code >= 500 and request.method in RETRIED:  # BUG: an answer is retried
            take_out(i)
            continue
        # The bytes as the upstream sent them (not decompressed: Content-Encoding goes along).
        content = answer.raw.read(decode_content=False)
        answer.close()
        # An upstream's own answer, a 500 included, is the answer: passed on unchanged.
        return Response(content, answer.status_code, end_to_end(answer.headers))
    return jsonify(error="no upstream is available"), 502
