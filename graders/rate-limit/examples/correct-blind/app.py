"""A quote API with a fixed-window rate limit per API key, counted atomically in Redis."""

import os
import secrets

import redis
from flask import Flask, jsonify, request

app = Flask(__name__)
store = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
LIMIT = 5
WINDOW_S = 60


def _count(api_key):
    """Open a window if none is open, count this request; return (count, seconds left)."""
    key = f"ratelimit:{api_key}"
    with store.pipeline(transaction=True) as pipe:
        pipe.set(key, 0, ex=WINDOW_S, nx=True)
        pipe.incr(key)
        pipe.ttl(key)
        _, count, ttl = pipe.execute()
    if ttl is None or ttl < 1:
        ttl = 1
    return count, min(ttl, WINDOW_S)


@app.get("/quote")
def quote():
    api_key = request.headers.get("X-API-Key", "").strip()
    if not api_key:
        return jsonify(error="send your API key in the X-API-Key header"), 401

    count, left = _count(api_key)
    headers = {
        "RateLimit-Limit": str(LIMIT),
        "RateLimit-Remaining": str(max(LIMIT - count, 0)),
        "RateLimit-Reset": str(left),
    }
    if count > LIMIT:
        headers["Retry-After"] = str(left)
        return jsonify(error=f"rate limit of {LIMIT} requests per {WINDOW_S} s exceeded; retry in {left} s"), 429, headers
    return jsonify(client=api_key, quote=secrets.choice(QUOTES)), 200, headers


QUOTES = [
    "Make it work, make it right, make it fast.",
    "Premature optimization is the root of all evil.",
    "There are only two hard things: cache invalidation and naming things.",
]
