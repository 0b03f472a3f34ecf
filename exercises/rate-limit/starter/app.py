"""A quote API that anyone can call as often as they like. Give each client a rate limit.

Redis is at REDIS_URL. README.md has the exact contract: 5 requests per 60-second window per
API key, 429 with Retry-After beyond that, and RateLimit-* headers on every answer.
"""

import os
import secrets

import redis
from flask import Flask, jsonify, request

app = Flask(__name__)
store = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
LIMIT = 5
WINDOW_S = 60


@app.get("/quote")
def quote():
    api_key = request.headers.get("X-API-Key", "").strip()
    if not api_key:
        return jsonify(error="send your API key in the X-API-Key header"), 401

    # TODO 1: count this request in Redis, per API key, in a window of WINDOW_S seconds that
    # Redis forgets on its own (a key with a TTL). The count must be right under a burst of
    # parallel requests: read-then-write in Python is not; one atomic Redis command (or a
    # MULTI/EXEC transaction) is.
    # TODO 2: past LIMIT requests in the window, answer 429 with a JSON error and Retry-After
    # (the seconds until the window resets).
    # TODO 3: on every counted answer, 200 or 429, send RateLimit-Limit, RateLimit-Remaining and
    # RateLimit-Reset.
    return jsonify(client=api_key, quote=secrets.choice(QUOTES))


QUOTES = [
    "Make it work, make it right, make it fast.",
    "Premature optimization is the root of all evil.",
    "There are only two hard things: cache invalidation and naming things.",
]
