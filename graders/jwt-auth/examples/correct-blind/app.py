"""Short-lived HS256 access tokens plus rotating, single-use refresh tokens with reuse
detection (a reused refresh token revokes its whole login family)."""

import hashlib
import os
import secrets
import threading
import time

import jwt
from flask import Flask, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)

ISSUER = "backend-sandbox"
AUDIENCE = "notes-api"
ACCESS_LIFETIME = 900
REQUIRED_CLAIMS = ["sub", "iss", "aud", "iat", "exp"]

_accounts: dict[str, str] = {}
_refresh: dict[str, dict] = {}  # sha256 hex of refresh token -> {user, family, used}
_dead_families: set[str] = set()
_mutex = threading.Lock()


def _key() -> str:
    return os.environ["JWT_SECRET"]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _deny(reason: str, code: str = "invalid_token"):
    resp = jsonify(error=reason)
    resp.status_code = 401
    resp.headers["WWW-Authenticate"] = (
        f'Bearer realm="{AUDIENCE}", error="{code}", error_description="{reason}"'
    )
    return resp


def _token_pair(user: str, family: str):
    issued = int(time.time())
    access = jwt.encode(
        {
            "sub": user,
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": issued,
            "exp": issued + ACCESS_LIFETIME,
        },
        _key(),
        algorithm="HS256",
    )
    refresh = secrets.token_urlsafe(32)
    with _mutex:
        _refresh[_hash(refresh)] = {"user": user, "family": family, "used": False}
    return jsonify(
        access_token=access,
        refresh_token=refresh,
        token_type="Bearer",
        expires_in=ACCESS_LIFETIME,
    )


def _creds():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return None
    u, p = body.get("username"), body.get("password")
    if isinstance(u, str) and u and isinstance(p, str) and p:
        return u, p
    return None


@app.post("/register")
def register():
    c = _creds()
    if c is None:
        return jsonify(error="username and password are required"), 400
    with _mutex:
        if c[0] in _accounts:
            return jsonify(error="username already taken"), 409
        _accounts[c[0]] = generate_password_hash(c[1])
    return jsonify(username=c[0]), 201


@app.post("/login")
def login():
    c = _creds()
    if c is None:
        return jsonify(error="username and password are required"), 400
    stored = _accounts.get(c[0])
    if stored is None or not check_password_hash(stored, c[1]):
        return _deny("invalid username or password", "invalid_request")
    return _token_pair(c[0], secrets.token_hex(16))


@app.get("/me")
def me():
    header = request.headers.get("Authorization", "")
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return _deny("a bearer token is required", "invalid_request")
    try:
        claims = jwt.decode(
            parts[1],
            _key(),
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as exc:
        return _deny(type(exc).__name__)
    except Exception:  # anything odd in a hostile token is still just a bad token
        return _deny("malformed token")
    sub = claims.get("sub")
    if not isinstance(sub, str):
        return _deny("bad subject")
    return jsonify(username=sub)


@app.post("/refresh")
def refresh():
    body = request.get_json(silent=True)
    token = body.get("refresh_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        return _deny("a refresh_token is required", "invalid_request")
    with _mutex:
        entry = _refresh.get(_hash(token))
        if entry is None:
            return _deny("unknown refresh token")
        if entry["family"] in _dead_families:
            return _deny("revoked refresh token")
        if entry["used"]:
            _dead_families.add(entry["family"])
            return _deny("refresh token reused; its family is revoked")
        entry["used"] = True
        user, family = entry["user"], entry["family"]
    return _token_pair(user, family)
