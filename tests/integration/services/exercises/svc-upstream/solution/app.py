import os

import requests
from flask import Flask

app = Flask(__name__)
UPSTREAMS = os.environ["UPSTREAM_URLS"].split(",")
cache = {}


@app.get("/price/<item>")
def price(item):
    if item in cache:
        return {**cache[item], "cached": True}
    for base in UPSTREAMS:  # the first that answers
        try:
            answer = requests.get(f"{base}/price/{item}", timeout=2)
        except requests.ConnectionError:
            continue
        cache[item] = answer.json()
        return {**cache[item], "cached": False}
    return {"error": "no upstream answered"}, 502
