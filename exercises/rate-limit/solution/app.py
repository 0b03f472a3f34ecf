"""A quote API with a per-client rate limit kept in Redis: 5 requests per 60-second window."""

import os
import secrets

import redis
from flask import Flask, jsonify, request

app = Flask(__name__)
store = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
LIMIT = 5
WINDOW_S = 60


def count_request(api_key):
    """Count one request in the client's window; return (requests so far, seconds left)."""
    key = f"ratelimit:{api_key}"
    # One MULTI/EXEC transaction: no other request can slip between these commands.
    # SET NX EX opens a window only when none is open; INCR keeps the TTL it finds.
    pipe = store.pipeline(transaction=True)
    pipe.set(key, 0, ex=WINDOW_S, nx=True)
    pipe.incr(key)
    pipe.ttl(key)
    _, count, ttl = pipe.execute()
    return count, max(ttl, 1)


@app.get("/quote")
def quote():
    api_key = request.headers.get("X-API-Key", "").strip()
    if not api_key:
        return jsonify(error="send your API key in the X-API-Key header"), 401

    count, reset_s = count_request(api_key)
    headers = {
        "RateLimit-Limit": str(LIMIT),
        "RateLimit-Remaining": str(max(LIMIT - count, 0)),
        "RateLimit-Reset": str(reset_s),
    }
    if count > LIMIT:
        headers["Retry-After"] = str(reset_s)
        return jsonify(error="rate limit exceeded: retry after Retry-After seconds"), 429, headers
    return jsonify(client=api_key, quote=secrets.choice(QUOTES)), 200, headers


QUOTES = [
    "Make it work, make it right, make it fast.",
    "Premature optimization is the root of all evil.",
    "There are only two hard things: cache invalidation and naming things.",
]
