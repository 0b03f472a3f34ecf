import secrets
import time

from flask import Flask

app = Flask(__name__)
tokens = {}  # token -> expiry (Unix time)


@app.post("/tokens")
def issue():
    token = secrets.token_hex(8)
    tokens[token] = time.time() + 60
    return {"token": token, "expires_at": tokens[token]}, 201


@app.get("/check/<token>")
def check(token):
    if tokens.get(token, 0) > time.time():
        return {"valid": True}
    return {"valid": False}, 401
