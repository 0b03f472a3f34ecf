"""Rate limit with a Lua script: INCR, EXPIRE on the first hit, and the TTL, atomically."""

import os

import redis
from flask import Flask, jsonify, request

app = Flask(__name__)
r = redis.from_url(os.environ["REDIS_URL"])

HIT = r.register_script(
    """
    local n = redis.call('INCR', KEYS[1])
    if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
    return {n, redis.call('TTL', KEYS[1])}
    """
)


@app.route("/quote")
def quote():
    who = request.headers.get("X-API-Key")
    if not who:
        return {"error": "missing X-API-Key"}, 401
    n, ttl = HIT(keys=["rl:" + who], args=[60])
    ttl = ttl if ttl > 0 else 1
    h = {"RateLimit-Limit": "5", "RateLimit-Remaining": str(max(0, 5 - n)), "RateLimit-Reset": str(ttl)}
    if n > 5:
        h["Retry-After"] = str(ttl)
        return {"error": "too many requests, slow down"}, 429, h
    return {"quote": "Simple is better than complex."}, 200, h
