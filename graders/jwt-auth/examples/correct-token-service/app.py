"""PyJWT behind a small TokenService; each login's refresh tokens kept as a set to revoke at once."""

import os
import secrets
import time
import uuid

import jwt
from flask import Flask, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash


class TokenService:
    def __init__(self, key):
        self.key = key
        self.live = {}  # refresh token -> (user, family)
        self.spent = {}  # used refresh token -> family
        self.families = {}  # family -> set of its live refresh tokens

    def access(self, user):
        now = time.time()
        payload = {"sub": user, "aud": "notes-api", "iss": "backend-sandbox",
                   "iat": int(now), "exp": int(now) + 900}
        return jwt.encode(payload, self.key, "HS256")

    def check(self, token):
        return jwt.decode(token, self.key, ["HS256"], audience="notes-api",
                          issuer="backend-sandbox", options={"require": ["exp", "aud", "iss", "sub"]})

    def new_refresh(self, user, family):
        token = secrets.token_urlsafe(48)
        self.live[token] = (user, family)
        self.families.setdefault(family, set()).add(token)
        return token

    def rotate(self, token):
        if token in self.spent:  # reuse: kill everything of that login
            for t in self.families.pop(self.spent[token], set()):
                self.live.pop(t, None)
            return None
        if token not in self.live:
            return None
        user, family = self.live.pop(token)
        self.families[family].discard(token)
        self.spent[token] = family
        return user, family


app = Flask(__name__)
tokens = TokenService(os.environ["JWT_SECRET"])
accounts = {}


def issue(user, family):
    return {"access_token": tokens.access(user), "refresh_token": tokens.new_refresh(user, family),
            "token_type": "Bearer", "expires_in": 900}


def no(msg):
    resp = jsonify(error=msg)
    resp.status_code = 401
    resp.headers["WWW-Authenticate"] = f'Bearer error="invalid_token", error_description="{msg}"'
    return resp


@app.post("/register")
def register():
    data = request.get_json(silent=True) or {}
    name, pw = data.get("username"), data.get("password")
    if not (isinstance(name, str) and name and isinstance(pw, str) and pw):
        return {"error": "username and password required"}, 400
    if name in accounts:
        return {"error": "taken"}, 409
    accounts[name] = generate_password_hash(pw)
    return {"username": name}, 201


@app.post("/login")
def login():
    data = request.get_json(silent=True) or {}
    name, pw = data.get("username"), data.get("password")
    if not isinstance(pw, str) or name not in accounts or not check_password_hash(accounts[name], pw):
        return {"error": "invalid username or password"}, 401
    return issue(name, uuid.uuid4().hex)


@app.get("/me")
def me():
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return no("missing bearer token")
    try:
        return {"username": tokens.check(header.removeprefix("Bearer ").strip())["sub"]}
    except jwt.PyJWTError as exc:
        return no(str(exc))


@app.post("/refresh")
def refresh():
    data = request.get_json(silent=True) or {}
    got = tokens.rotate(str(data.get("refresh_token", "")))
    if got is None:
        return no("invalid refresh token")
    return issue(*got)
