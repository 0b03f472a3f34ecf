"""Cache-aside with one threading.Lock per key (the app is one process), json.dumps storage."""

import json
import os
import threading
from collections import defaultdict

import redis
import requests
from flask import Flask, jsonify, request

app = Flask(__name__)
cache = redis.from_url(os.environ["REDIS_URL"])  # bytes, not str
catalog = requests.Session()
BASE = os.environ["UPSTREAM_URL"]
locks = defaultdict(threading.Lock)
locks_guard = threading.Lock()


def lock_for(key):
    with locks_guard:
        return locks[key]


def lookup(key):
    raw = cache.get(key)
    return None if raw is None else json.loads(raw)


@app.get("/products/<product_id>")
def product(product_id):
    key = f"product:{product_id}"
    found = lookup(key)
    state = "hit"
    if found is None:
        with lock_for(key):
            found = lookup(key)
            if found is None:
                state = "miss"
                upstream = catalog.get(f"{BASE}/products/{product_id}", timeout=3)
                if not upstream.ok:
                    return jsonify(error="catalog said no"), upstream.status_code
                found = upstream.json()
                cache.set(key, json.dumps(found), ex=60)
    response = jsonify(found)
    response.headers["x-cache"] = state
    return response


@app.put("/products/<product_id>")
def update(product_id):
    upstream = catalog.put(f"{BASE}/products/{product_id}", json=request.json, timeout=3)
    cache.unlink(f"product:{product_id}")
    return jsonify(upstream.json()), upstream.status_code
