"""Bearer tokens: signed JWTs for access, refresh tokens to get new ones. Read the TODOs."""

import hashlib
import secrets
import threading
import time

import jwt
from flask import Flask, jsonify, request
from werkzeug.security import check_password_hash, generate_password_hash

app = Flask(__name__)

# TODO: a key in the source lets every reader mint tokens: read it from JWT_SECRET.
SECRET = "change-me-please-this-is-not-a-secret"
ISSUER, AUDIENCE = "backend-sandbox", "notes-api"
# TODO: a day is far too long for a token nobody can revoke: 15 minutes.
ACCESS_TTL_S = 24 * 60 * 60

users: dict[str, str] = {}  # username -> password hash
# sha256(refresh token) -> {"user", "family", "used"}: only hashes, a leaked table opens nothing
refresh_tokens: dict[str, dict] = {}
revoked_families: set[str] = set()
_lock = threading.Lock()


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def unauthorized(error: str):
    # TODO: every 401 needs a WWW-Authenticate header naming the Bearer scheme (RFC 6750).
    return jsonify(error=error), 401


def issue_tokens(username: str, family: str | None = None):
    now = int(time.time())
    claims = {
        "sub": username,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + ACCESS_TTL_S,
    }
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
        # TODO: the audience and the issuer are not checked, and exp is not required.
        claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_aud": False})
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
        # TODO: a refresh token must work once (mark it used). A token used a second time
        #       means someone holds a copy: revoke its whole family and answer 401.
    return issue_tokens(entry["user"], entry["family"])
