"""JWTs by hand with hmac and base64 (no PyJWT); refresh-token families as parent links."""

import base64
import hashlib
import hmac
import json
import os
import secrets
import time

from flask import Flask, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)
KEY = os.environ["JWT_SECRET"].encode()
HEADER = {"alg": "HS256", "typ": "JWT"}
people = {}
refresh = {}  # token -> {"user", "root", "spent"}
dead_roots = set()


def b64e(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64d(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(claims):
    signing = b64e(json.dumps(HEADER).encode()) + "." + b64e(json.dumps(claims).encode())
    return signing + "." + b64e(hmac.new(KEY, signing.encode(), hashlib.sha256).digest())


def verify(token):
    try:
        head, body, sig = token.split(".")
        header = json.loads(b64d(head))
        claims = json.loads(b64d(body))
        given = b64d(sig)
    except (ValueError, TypeError):
        return None
    if not isinstance(header, dict) or header.get("alg") != "HS256" or not isinstance(claims, dict):
        return None
    expected = hmac.new(KEY, f"{head}.{body}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, given):
        return None
    if claims.get("aud") != "notes-api" or claims.get("iss") != "backend-sandbox":
        return None
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool) or exp <= time.time():
        return None
    return claims if isinstance(claims.get("sub"), str) else None


def denied(msg):
    return jsonify(error=msg), 401, {"WWW-Authenticate": "Bearer"}


def pair(user, root=None):
    now = int(time.time())
    access = sign({"sub": user, "iss": "backend-sandbox", "aud": "notes-api", "iat": now, "exp": now + 900})
    token = secrets.token_urlsafe(32)
    refresh[token] = {"user": user, "root": root or token, "spent": False}
    return jsonify(access_token=access, refresh_token=token, token_type="bearer", expires_in=900)


def creds():
    d = request.get_json(silent=True)
    if isinstance(d, dict) and isinstance(d.get("username"), str) and isinstance(d.get("password"), str):
        if d["username"] and d["password"]:
            return d["username"], d["password"]
    return None


@app.post("/register")
def register():
    c = creds()
    if not c:
        return jsonify(error="missing"), 400
    if c[0] in people:
        return jsonify(error="taken"), 409
    people[c[0]] = generate_password_hash(c[1])
    return jsonify(username=c[0]), 201


@app.post("/login")
def login():
    c = creds()
    if not c:
        return jsonify(error="missing"), 400
    if c[0] not in people or not check_password_hash(people[c[0]], c[1]):
        return jsonify(error="invalid username or password"), 401
    return pair(c[0])


@app.get("/me")
def me():
    auth = request.headers.get("Authorization", "")
    claims = verify(auth[7:]) if auth.startswith("Bearer ") else None
    return jsonify(username=claims["sub"]) if claims else denied("invalid token")


@app.post("/refresh")
def do_refresh():
    d = request.get_json(silent=True)
    token = d.get("refresh_token") if isinstance(d, dict) else None
    entry = refresh.get(token) if isinstance(token, str) else None
    if entry is None or entry["root"] in dead_roots:
        return denied("invalid refresh token")
    if entry["spent"]:
        dead_roots.add(entry["root"])
        return denied("refresh token reuse")
    entry["spent"] = True
    return pair(entry["user"], entry["root"])
