import secrets
import time

from flask import Flask

app = Flask(__name__)
tokens = {}


@app.post("/tokens")
def issue():
    token = secrets.token_hex(8)
    tokens[token] = time.time() + 60
    return {"token": token, "expires_at": tokens[token]}, 201


@app.get("/check/<token>")
def check(token):
    # TODO: a token is valid for 60 s only
    return ({"valid": True}, 200) if token in tokens else ({"valid": False}, 401)
