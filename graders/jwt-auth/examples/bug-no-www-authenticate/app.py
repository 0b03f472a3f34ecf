"""Bearer tokens: short-lived signed JWTs, and refresh tokens that rotate (reference solution)."""

import hashlib
import os
import secrets
import threading
import time

import jwt
from flask import Flask, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)

SECRET = os.environ["JWT_SECRET"]  # from the environment: never in the source
ISSUER, AUDIENCE = "backend-sandbox", "notes-api"
ACCESS_TTL_S = 15 * 60

users: dict[str, str] = {}  # username -> password hash
# sha256(refresh token) -> {"user", "family", "used"}: only hashes, a leaked table opens nothing
refresh_tokens: dict[str, dict] = {}
revoked_families: set[str] = set()
_lock = threading.Lock()


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def unauthorized(error: str):
    # WWW-Authenticate tells the client which scheme to use (RFC 6750).
    header = f'Bearer realm="notes-api", error="invalid_token", error_description="{error}"'
    return jsonify(error=error, hint=header), 401  # BUG: no WWW-Authenticate header


def issue_tokens(username: str, family: str | None = None):
    now = int(time.time())
    claims = {"sub": username, "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + ACCESS_TTL_S}
    access = jwt.encode(claims, SECRET, algorithm="HS256")
    refresh = secrets.token_urlsafe(32)
    with _lock:
        refresh_tokens[digest(refresh)] = {
            "user": username,
            "family": family or secrets.token_hex(8),  # one family per login
            "used": False,
        }
    return jsonify(
        access_token=access, refresh_token=refresh, token_type="Bearer", expires_in=ACCESS_TTL_S
    )


def credentials():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return None
    username, password = data.get("username"), data.get("password")
    if isinstance(username, str) and username and isinstance(password, str) and password:
        return username, password
    return None


@app.post("/register")
def register():
    creds = credentials()
    if creds is None:
        return jsonify(error="username and password are required"), 400
    if creds[0] in users:
        return jsonify(error="username already taken"), 409
    users[creds[0]] = generate_password_hash(creds[1])
    return jsonify(username=creds[0]), 201


@app.post("/login")
def login():
    creds = credentials()
    if creds is None:
        return jsonify(error="username and password are required"), 400
    stored = users.get(creds[0])
    if stored is None or not check_password_hash(stored, creds[1]):
        return jsonify(error="invalid username or password"), 401
    return issue_tokens(creds[0])


@app.get("/me")
def me():
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return unauthorized("a bearer token is required")
    try:
        # algorithms= pins HS256: "none" and any other algorithm are refused, and exp, aud
        # and iss are checked (and required) on every request.
        claims = jwt.decode(
            token,
            SECRET,
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
    except jwt.InvalidTokenError as exc:
        return unauthorized(type(exc).__name__)
    return jsonify(username=claims["sub"])


@app.post("/refresh")
def refresh():
    data = request.get_json(silent=True)
    token = data.get("refresh_token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token:
        return unauthorized("a refresh_token is required")
    with _lock:
        entry = refresh_tokens.get(digest(token))
        if entry is None or entry["family"] in revoked_families:
            return unauthorized("unknown or revoked refresh token")
        if entry["used"]:
            # Reuse: someone holds a copy. Revoke the whole family, the thief's and the
            # victim's newer tokens alike; the user logs in again.
            revoked_families.add(entry["family"])
            return unauthorized("refresh token reused")
        entry["used"] = True  # rotation: each refresh token works once
    return issue_tokens(entry["user"], entry["family"])
