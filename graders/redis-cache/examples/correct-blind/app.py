"""Cache-aside product API in front of a slow catalog, with a Redis lock against stampedes."""

import json
import os

import redis
import requests
from flask import Flask, Response, jsonify, request

app = Flask(__name__)
store = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
CATALOG = os.environ["UPSTREAM_URL"]
TTL_S = 60


def _key(product_id):
    return f"product:{product_id}"


def _answer(text, cache_state):
    resp = Response(text, status=200, mimetype="application/json")
    resp.headers["X-Cache"] = cache_state
    return resp


@app.get("/products/<product_id>")
def get_product(product_id):
    key = _key(product_id)
    cached = store.get(key)
    if cached is not None:
        return _answer(cached, "HIT")
    with store.lock(f"lock:{key}", timeout=10, blocking_timeout=8):
        cached = store.get(key)
        if cached is not None:
            return _answer(cached, "HIT")
        upstream = requests.get(f"{CATALOG}/products/{product_id}", timeout=4)
        if upstream.status_code != 200:
            return jsonify(error=f"the catalog answered {upstream.status_code}"), upstream.status_code
        text = json.dumps(upstream.json())
        store.set(key, text, ex=TTL_S)
        return _answer(text, "MISS")


@app.put("/products/<product_id>")
def put_product(product_id):
    upstream = requests.put(
        f"{CATALOG}/products/{product_id}", json=request.get_json(silent=True), timeout=4
    )
    store.delete(_key(product_id))
    try:
        body = upstream.json()
    except ValueError:
        body = {"error": f"the catalog answered {upstream.status_code}"}
    return jsonify(body), upstream.status_code
