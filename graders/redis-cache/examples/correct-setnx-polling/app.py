"""Cache-aside with a hand-made Redis lock (SET NX EX) and polling waiters."""

import json
import os
import secrets
import time

import redis
import requests
from flask import Flask, Response, request

app = Flask(__name__)
r = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
UP = os.environ["UPSTREAM_URL"].rstrip("/")


def reply(text, status, state):
    return Response(text, status=status, mimetype="application/json", headers={"X-Cache": state})


@app.route("/products/<pid>", methods=["GET"])
def read(pid):
    key = "product:" + pid
    deadline = time.monotonic() + 4
    while True:
        hit = r.get(key)
        if hit is not None:
            return reply(hit, 200, "HIT")
        token = secrets.token_hex(8)
        if r.set("fill:" + key, token, nx=True, ex=10) or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    try:
        hit = r.get(key)
        if hit is not None:
            return reply(hit, 200, "HIT")
        up = requests.get(f"{UP}/products/{pid}", timeout=3)
        if up.status_code == 200:
            r.setex(key, 45, up.text)
            return reply(up.text, 200, "MISS")
        return reply(json.dumps({"error": "catalog error"}), up.status_code, "MISS")
    finally:
        if r.get("fill:" + key) == token:
            r.delete("fill:" + key)


@app.route("/products/<pid>", methods=["PUT"])
def write(pid):
    up = requests.put(f"{UP}/products/{pid}", json=request.get_json(force=True), timeout=3)
    r.delete("product:" + pid)
    return Response(up.content, status=up.status_code, mimetype="application/json")
