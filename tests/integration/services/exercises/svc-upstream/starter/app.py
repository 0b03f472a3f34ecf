import os

import requests
from flask import Flask

app = Flask(__name__)
UPSTREAM = os.environ["UPSTREAM_URL"]


@app.get("/price/<item>")
def price(item):
    # TODO: cache answers, and try the next upstream when one is down
    return {**requests.get(f"{UPSTREAM}/price/{item}", timeout=2).json(), "cached": False}
