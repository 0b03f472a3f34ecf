"""The grader of jwt-auth: an attacker who forges, tampers with, replays and outlives tokens, and a
clock moved forward instead of waiting. Each test's docstring is what the learner reads.

Tokens are read and made here by hand (base64url, HMAC-SHA256), so the grader can build exactly
the malformed ones an attacker would. JWT_SECRET comes from `app_secrets`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from sandbox.grading import expect, unique, unique_password

ISSUER, AUDIENCE, TTL = "backend-sandbox", "notes-api", 15 * 60


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_token(claims: dict, key: str | None, alg: str = "HS256", digest=hashlib.sha256) -> str:
    head = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    signing = f"{head}.{body}".encode()
    sig = b64(hmac.new(key.encode(), signing, digest).digest()) if key is not None else ""
    return f"{head}.{body}.{sig}"


def parts(token: str) -> tuple[dict, dict, str]:
    head, body, sig = token.split(".")
    return json.loads(unb64(head)), json.loads(unb64(body)), sig


def claims_for(username: str, now: float, **over: object) -> dict:
    claims = {
        "sub": username,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": int(now),
        "exp": int(now) + TTL,
    }
    claims.update(over)
    return {k: v for k, v in claims.items() if v is not None}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_user(app) -> tuple[str, str]:
    username, password = unique("user"), unique_password()
    r = app.post("/register", json={"username": username, "password": password})
    expect.status(r, 201, why="registering a new username works")
    return username, password


def login(app, username: str, password: str) -> dict:
    r = app.post("/login", json={"username": username, "password": password})
    expect.status(r, 200, why="the right password logs in")
    body = expect.json_object(r, "access_token", "refresh_token", "token_type", "expires_in")
    expect.shape(r, body, {"access_token": str, "refresh_token": str, "expires_in": int})
    return body


def me(app, token: str | None, raw_header: str | None = None):
    headers = {"Authorization": raw_header} if raw_header is not None else bearer(token or "")
    return app.get("/me", headers=headers)


def refused(r, why: str) -> None:
    """401; the WWW-Authenticate header has a test of its own, so one missing header does not
    cost every attack's points."""
    expect.status(r, 401, why=why)


def names_bearer(r) -> None:
    expect.header(
        r, "WWW-Authenticate", contains="Bearer", why="a 401 names the scheme it wants (RFC 6750)"
    )


def accepted(r, username: str, why: str) -> None:
    expect.status(r, 200, why=why)
    if expect.json_object(r, "username")["username"] != username:
        expect.fail(r, f'{{"username": "{username}"}}', why)


# -- tests ----------------------------------------------------------------------------------------


@pytest.mark.points(2)
def test_login_issues_an_hs256_token_signed_with_the_secret(app, app_secrets, clock, checks):
    """The access token is HS256, signed with JWT_SECRET, with sub, iss, aud, iat and exp"""
    username, password = new_user(app)
    with checks.case("a taken username is 409, a missing password 400"):
        r = app.post("/register", json={"username": username, "password": unique_password()})
        expect.status(r, 409, why="the username is taken")
        expect.status(app.post("/register", json={"username": unique("user")}), 400)
        expect.status(app.post("/login", json={"username": username}), [400, 401])
    not_json = {"data": "x", "headers": {"Content-Type": "text/plain"}}
    with checks.case("a body that is not JSON: POST /register 400, POST /login 400 or 401"):
        expect.status(app.post("/register", **not_json), 400)
        expect.status(app.post("/login", **not_json), [400, 401])
    for label, creds in {
        "a wrong password": {"username": username, "password": password + "x"},
        "an unknown username": {"username": unique("nobody"), "password": password},
    }.items():
        with checks.case(f"POST /login with {label} is 401"):
            expect.status(app.post("/login", json=creds), 401, why="no token without the password")
    tokens = login(app, username, password)
    token = tokens["access_token"]
    header: dict = {}
    claims: dict = {}
    sig = ""
    with checks.case("the token has three base64url parts"):
        try:
            header, claims, sig = parts(token)
        except (ValueError, json.JSONDecodeError) as exc:
            expect.fail(None, f"a JWT (header.payload.signature), got {token[:60]!r} ({exc})")
    with checks.case("header alg HS256"):
        if header.get("alg") != "HS256":
            expect.fail(None, f'"alg": "HS256" in the header, got {header}')
    with checks.case("signed with $JWT_SECRET"):
        head, body, _ = token.split(".")
        good = b64(
            hmac.new(
                app_secrets["JWT_SECRET"].encode(), f"{head}.{body}".encode(), hashlib.sha256
            ).digest()
        )
        if not hmac.compare_digest(good, sig):
            expect.fail(
                None,
                "a signature made with the JWT_SECRET of the environment",
                "a key in the source is known to every reader, who can then mint tokens",
            )
    with checks.case("the claims"):
        want = {"sub": username, "iss": ISSUER, "aud": AUDIENCE}
        wrong = {k: claims.get(k) for k, v in want.items() if claims.get(k) != v}
        if wrong:
            expect.fail(None, f"claims {want}, got {wrong}")
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int | float) or abs(iat - clock.now()) > 30:
            expect.fail(None, f"iat = the app's current time ({int(clock.now())}), got {iat!r}")
        if not isinstance(exp, int | float) or abs(exp - iat - TTL) > 5:
            expect.fail(None, f"exp = iat + {TTL} (15 minutes), got exp={exp!r}, iat={iat!r}")
    with checks.case('token_type "Bearer", expires_in 900'):
        if tokens["token_type"].lower() != "bearer" or tokens["expires_in"] != TTL:
            expect.fail(None, f'"token_type": "Bearer", "expires_in": {TTL}, got {tokens}')
    with checks.case("GET /me with it"):
        accepted(me(app, token), username, "the token the app issued opens /me")


@pytest.mark.points(1)
def test_a_token_minted_with_the_environment_secret_is_accepted(app, app_secrets, clock):
    """A correct token signed with JWT_SECRET (made by the grader) opens GET /me"""
    username, _ = new_user(app)
    token = make_token(claims_for(username, clock.now()), app_secrets["JWT_SECRET"])
    accepted(
        me(app, token),
        username,
        "the key is the one the environment gives (JWT_SECRET), not one in the code",
    )


@pytest.mark.points(1)
def test_no_or_a_malformed_authorization_is_401_with_www_authenticate(app, checks):
    """GET /me without a bearer token is 401 with a WWW-Authenticate: Bearer header"""
    for label, header in {
        "no Authorization header": None,
        "Basic credentials": "Basic dXNlcjpwYXNz",
        "Bearer and nothing else": "Bearer ",
        "a token that is not a JWT": f"Bearer {unique('junk')}",
        "a JWT with a broken payload": "Bearer eyJhbGciOiJIUzI1NiJ9.!!!.abc",
    }.items():
        with checks.case(label):
            r = app.get("/me", headers={"Authorization": header} if header else {})
            refused(r, "no valid token, no access (and never a 500)")
            names_bearer(r)
    with checks.case("a refused refresh token"):
        r = app.post("/refresh", json={"refresh_token": unique("refresh")})
        refused(r, "only a refresh token the app issued can be refreshed")
        names_bearer(r)


@pytest.mark.points(2)
def test_an_unsigned_alg_none_token_is_refused(app, clock, checks):
    """A token with "alg": "none" and no signature is refused, in every spelling"""
    username, _ = new_user(app)
    claims = claims_for(username, clock.now())
    for alg in ("none", "None", "NONE", "nOnE"):
        with checks.case(f'"alg": "{alg}", empty signature'):
            refused(
                me(app, make_token(claims, None, alg=alg)),
                "an unsigned token is one anybody can write: pin algorithms=['HS256']",
            )
    with checks.case('"alg": "none" with no signature part at all'):
        token = make_token(claims, None, alg="none").rstrip(".")
        refused(me(app, token), "a token without a signature proves nothing")


@pytest.mark.points(2)
def test_a_tampered_or_foreign_token_is_refused(app, app_secrets, clock, checks):
    """A token whose payload or signature was changed, or signed with another key, is refused"""
    alice, alice_pw = new_user(app)
    bob, _ = new_user(app)
    token = login(app, alice, alice_pw)["access_token"]
    head, body, sig = token.split(".")
    claims = json.loads(unb64(body))
    forged_body = b64(json.dumps({**claims, "sub": bob}).encode())
    flipped = sig[:-2] + ("AA" if not sig.endswith("AA") else "BB")
    secret = app_secrets["JWT_SECRET"]
    cases = {
        "Alice's token with sub changed to Bob, her signature kept": f"{head}.{forged_body}.{sig}",
        "Alice's token with its signature altered": f"{head}.{body}.{flipped}",
        "a token signed with another key": make_token(claims, unique("not-the-secret")),
        "a token signed with the secret but HS512": make_token(
            claims, secret, alg="HS512", digest=hashlib.sha512
        ),
        "a token whose header says HS512 over an HS256 signature": make_token(
            claims, secret, alg="HS512"
        ),
    }
    for label, forged in cases.items():
        with checks.case(label):
            refused(me(app, forged), "only a token signed with the app's key, by HS256, is genuine")


@pytest.mark.points(2)
def test_an_expired_token_is_refused(app, clock, checks):
    """An access token works for 15 minutes (on the app's clock), then is refused"""
    username, password = new_user(app)
    token = login(app, username, password)["access_token"]
    with checks.case("14 minutes after login"):
        clock.advance(14 * 60)
        accepted(me(app, token), username, "the token is still within its 15 minutes")
    with checks.case("16 minutes after login"):
        clock.advance(2 * 60)
        refused(me(app, token), "a stolen token must stop working on its own: check exp")


@pytest.mark.points(1)
def test_a_wrong_audience_issuer_or_missing_exp_is_refused(app, app_secrets, clock, checks):
    """Tokens for another audience or issuer, or without exp, are refused though well signed"""
    username, _ = new_user(app)
    secret, now = app_secrets["JWT_SECRET"], clock.now()
    # The control first: without it a key that is not JWT_SECRET would "refuse" every case.
    accepted(
        me(app, make_token(claims_for(username, now), secret)),
        username,
        "this test first needs a well-made token signed with JWT_SECRET to be accepted",
    )
    for label, claims in {
        'aud "billing-api"': claims_for(username, now, aud="billing-api"),
        'iss "someone-else"': claims_for(username, now, iss="someone-else"),
        "no exp": claims_for(username, now, exp=None),
        "no aud": claims_for(username, now, aud=None),
        "exp a minute ago": claims_for(username, now, exp=int(now) - 60),
    }.items():
        with checks.case(label):
            refused(
                me(app, make_token(claims, secret)),
                "a token made for another service (or forever) must not open this one",
            )


@pytest.mark.points(2)
def test_a_refresh_token_rotates(app, clock, checks):
    """POST /refresh trades a refresh token for a new pair; the new access token works"""
    username, password = new_user(app)
    first = login(app, username, password)
    clock.advance(20 * 60)  # the access token has expired: that is what refresh is for
    with checks.case("POST /refresh with the refresh token"):
        r = app.post("/refresh", json={"refresh_token": first["refresh_token"]})
        expect.status(r, 200)
        second = expect.json_object(r, "access_token", "refresh_token")
        if second["refresh_token"] == first["refresh_token"]:
            expect.fail(
                r,
                "a new refresh token (rotation)",
                "a refresh token that never changes is stolen once, used forever",
            )
        accepted(me(app, second["access_token"]), username, "the new access token works")


@pytest.mark.points(2)
def test_a_reused_refresh_token_revokes_its_family(app, checks):
    """Using a refresh token twice is 401 and also kills the tokens that came from it"""
    username, password = new_user(app)
    r1 = login(app, username, password)["refresh_token"]
    r = app.post("/refresh", json={"refresh_token": r1})
    expect.status(r, 200, why="the first use of a refresh token works")
    r2 = expect.json_object(r, "refresh_token")["refresh_token"]
    with checks.case("the used refresh token again (a thief's copy)"):
        refused(app.post("/refresh", json={"refresh_token": r1}), "each refresh token works once")
    with checks.case("the newer refresh token, after the reuse was detected"):
        refused(
            app.post("/refresh", json={"refresh_token": r2}),
            "after a reuse nobody knows which copy is the thief's: revoke the whole family",
        )
    with checks.case("a new login still works"):
        login(app, username, password)
    with checks.case("another user's refresh token still works"):
        other, other_pw = new_user(app)
        theirs = login(app, other, other_pw)["refresh_token"]
        expect.status(
            app.post("/refresh", json={"refresh_token": theirs}),
            200,
            why="revoke the family of the reused token, not everyone's tokens",
        )


@pytest.mark.points(1)
def test_access_and_refresh_tokens_are_not_interchangeable(app, checks):
    """An access token is refused by /refresh, and a refresh token by /me"""
    username, password = new_user(app)
    tokens = login(app, username, password)
    with checks.case("POST /refresh with the access token"):
        refused(
            app.post("/refresh", json={"refresh_token": tokens["access_token"]}),
            "only a refresh token the app issued can be refreshed",
        )
    with checks.case("GET /me with the refresh token"):
        refused(me(app, tokens["refresh_token"]), "a refresh token is not an access token")
    with checks.case("POST /refresh without a refresh_token"):
        refused(app.post("/refresh", json={}), "no refresh token, no new tokens (never a 500)")
    with checks.case("POST /refresh with a made-up token"):
        refused(
            app.post("/refresh", json={"refresh_token": unique("refresh")}),
            "only a refresh token the app issued can be refreshed",
        )
    with checks.case("POST /refresh with a body that is not JSON"):
        refused(
            app.post("/refresh", data="x", headers={"Content-Type": "text/plain"}),
            "every refusal is a 401 (never a 415 or a 500)",
        )
