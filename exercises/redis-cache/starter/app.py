"""A product API in front of a slow catalog service. Every request calls the catalog: make it cache.

The catalog lives at UPSTREAM_URL; Redis at REDIS_URL. README.md has the exact contract.
"""

import os

import redis
import requests
from flask import Flask, jsonify, request

app = Flask(__name__)
store = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
CATALOG = os.environ["UPSTREAM_URL"]


@app.get("/products/<product_id>")
def get_product(product_id):
    # TODO 1: look in Redis first, under the key product:<id>. A value there is a HIT: answer it
    # without calling the catalog, with the header X-Cache: HIT.
    # TODO 2: on a MISS, fetch from the catalog and store its JSON body under product:<id> with a
    # TTL of 60 s (SET with EX), then answer with X-Cache: MISS. Never cache an error answer.
    # TODO 3: ten requests for the same cold product at once must make ONE catalog call: let one
    # request fetch while the others wait for the cache to fill (a lock).
    upstream = requests.get(f"{CATALOG}/products/{product_id}", timeout=3)
    if upstream.status_code != 200:
        return jsonify(
            {"error": f"the catalog answered {upstream.status_code}"}
        ), upstream.status_code
    response = jsonify(upstream.json())
    response.headers["X-Cache"] = "MISS"
    return response


@app.put("/products/<product_id>")
def put_product(product_id):
    upstream = requests.put(
        f"{CATALOG}/products/{product_id}", json=request.get_json(silent=True), timeout=3
    )
    # TODO 4: once you cache, a write must not leave a stale copy behind: invalidate the key.
    return upstream.json(), upstream.status_code
