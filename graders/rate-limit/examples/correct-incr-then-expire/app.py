"""Rate limit as a class: INCR first, then EXPIRE when the count is 1; PTTL rounded up."""

import math
import os

import redis
from flask import Flask, jsonify, request
from flask.views import MethodView

app = Flask(__name__)


class FixedWindow:
    def __init__(self, url, limit=5, window_s=60):
        self.db = redis.Redis.from_url(url, decode_responses=True)
        self.limit, self.window_s = limit, window_s

    def hit(self, client):
        key = f"limit:{client}:count"
        count = self.db.incr(key)
        if count == 1:
            self.db.expire(key, self.window_s)
        left_ms = self.db.pttl(key)
        if left_ms < 0:  # no TTL (a crash between INCR and EXPIRE): repair it
            self.db.expire(key, self.window_s)
            left_ms = self.window_s * 1000
        return count, max(1, math.ceil(left_ms / 1000))


limiter = FixedWindow(os.environ["REDIS_URL"])


class Quote(MethodView):
    def get(self):
        client = request.headers.get("X-API-Key", "")
        if not client.strip():
            return jsonify(message="no key", error="X-API-Key is required"), 401
        count, reset = limiter.hit(client.strip())
        response = jsonify(quote="Readability counts.")
        if count > limiter.limit:
            response = jsonify(error="rate limited")
            response.status_code = 429
            response.headers["Retry-After"] = reset
        response.headers["RateLimit-Limit"] = limiter.limit
        response.headers["RateLimit-Remaining"] = max(limiter.limit - count, 0)
        response.headers["RateLimit-Reset"] = reset
        return response


app.add_url_rule("/quote", view_func=Quote.as_view("quote"))
