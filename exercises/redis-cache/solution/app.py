"""A product API in front of a slow catalog service, with a cache-aside layer in Redis."""

import json
import os

import redis
import requests
from flask import Flask, jsonify, request

app = Flask(__name__)
store = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
CATALOG = os.environ["UPSTREAM_URL"]
TTL_S = 60


def cache_key(product_id):
    return f"product:{product_id}"


def answer(body, cache):
    """A 200 with the product, saying whether it came from the cache."""
    response = jsonify(body)
    response.headers["X-Cache"] = cache
    return response


@app.get("/products/<product_id>")
def get_product(product_id):
    key = cache_key(product_id)
    cached = store.get(key)
    if cached is not None:
        return answer(json.loads(cached), "HIT")

    # A cold key under load: without a lock, every concurrent request would miss and call the
    # slow catalog at once (a stampede). One request fetches; the others wait for its result.
    with store.lock(f"lock:{key}", timeout=10, blocking_timeout=5):
        cached = store.get(key)  # filled while we waited for the lock?
        if cached is not None:
            return answer(json.loads(cached), "HIT")
        upstream = requests.get(f"{CATALOG}/products/{product_id}", timeout=3)
        if upstream.status_code != 200:
            # Errors are passed on, never cached: a product created a second later must show.
            return jsonify(error=f"the catalog answered {upstream.status_code}"), upstream.status_code
        # SET with EX in one command: a key without a TTL would be stale forever.
        store.set(key, upstream.text, ex=TTL_S)
        return answer(upstream.json(), "MISS")


@app.put("/products/<product_id>")
def put_product(product_id):
    upstream = requests.put(
        f"{CATALOG}/products/{product_id}", json=request.get_json(silent=True), timeout=3
    )
    # Write to the source of truth first, then drop the cached copy: the next read is fresh.
    store.delete(cache_key(product_id))
    return upstream.json(), upstream.status_code
