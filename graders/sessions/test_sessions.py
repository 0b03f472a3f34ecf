"""The grader of sessions: an attacker who plants, replays and guesses session ids, and a clock
moved forward instead of waiting. Each test's docstring is what the learner reads.

Every request goes out on a fresh connection with exactly the cookies the test chose, so two
users never share a jar. Each test registers its own users (random names).
"""

from __future__ import annotations

import base64
import contextlib
import secrets

import pytest

from sandbox.grading import expect, unique, unique_password

COOKIE = "sid"
IDLE_S = 15 * 60


def set_cookies(r) -> list[str]:
    raw = getattr(r.raw, "headers", None)
    if raw is not None and hasattr(raw, "getlist"):
        return list(raw.getlist("Set-Cookie"))
    value = r.headers.get("Set-Cookie")
    return [value] if value else []


def sid_header(r) -> str | None:
    """The Set-Cookie header that sets the sid cookie (the last one), if any."""
    found = [h for h in set_cookies(r) if h.split("=", 1)[0].strip() == COOKIE]
    return found[-1] if found else None


def sid_of(r) -> str:
    header = sid_header(r)
    if header is None:
        expect.fail(
            r,
            f"a Set-Cookie header for the cookie {COOKIE!r}",
            "the session id travels in the sid cookie",
        )
    return header.split("=", 1)[1].split(";", 1)[0].strip().strip('"')


def call(app, method: str, path: str, sid: str | None = None, **kw):
    cookies = {COOKIE: sid} if sid is not None else {}
    return app.request(method, path, cookies=cookies, fresh_connection=True, **kw)


def new_user(app) -> tuple[str, str]:
    username, password = unique("user"), unique_password()
    r = call(app, "POST", "/register", json={"username": username, "password": password})
    expect.status(r, 201, why="registering a new username works")
    return username, password


def log_in(app, username: str, password: str, sid: str | None = None):
    r = call(app, "POST", "/login", sid, json={"username": username, "password": password})
    expect.status(r, 200, why="the right password logs in")
    return r


def session(app) -> tuple[str, str]:
    """A new user, logged in: (username, sid)."""
    username, password = new_user(app)
    return username, sid_of(log_in(app, username, password))


def me(app, sid: str | None):
    return call(app, "GET", "/me", sid)


def logged_in_as(app, sid: str, username: str, why: str) -> None:
    r = me(app, sid)
    expect.status(r, 200, why=why)
    body = expect.json_object(r, "username")
    if body["username"] != username:
        expect.fail(r, f'{{"username": "{username}"}}', why)


# -- tests ----------------------------------------------------------------------------------------


@pytest.mark.points(2)
def test_a_user_logs_in_and_the_cookie_says_who_they_are(app, checks):
    """POST /login sets the sid cookie; GET /me with it answers the user, without it 401"""
    username, password = new_user(app)
    with checks.case("POST /login, then GET /me with its cookie"):
        r = log_in(app, username, password)
        body = expect.json_object(r, "username")
        if body["username"] != username:
            expect.fail(r, f'{{"username": "{username}"}}')
        logged_in_as(app, sid_of(r), username, "the cookie names this user's session")
    with checks.case("GET /me without a cookie"):
        expect.status(me(app, None), 401, why="no session, no user")
    with checks.case("POST /login for an unknown username"):
        r = call(app, "POST", "/login", json={"username": unique("nobody"), "password": password})
        expect.status(r, 401, why="an unknown user cannot log in (and never a 500)")
    with checks.case("POST /register with a taken username"):
        r = call(app, "POST", "/register", json={"username": username, "password": password})
        expect.status(r, 409, why="the username is taken")
    with checks.case("POST /login with a wrong password"):
        r = call(app, "POST", "/login", json={"username": username, "password": password + "x"})
        expect.status(r, 401)
        if sid_header(r) and sid_of(r) and me(app, sid_of(r)).status_code == 200:
            expect.fail(r, "no logged-in session after a failed login")


@pytest.mark.points(2)
def test_the_cookie_is_httponly_secure_samesite_and_path_root(app, checks):
    """The sid cookie is HttpOnly, Secure, SameSite=Lax or Strict, and Path=/"""
    username, password = new_user(app)
    r = log_in(app, username, password)
    header = sid_header(r) or ""
    attributes = {a.strip().split("=", 1)[0].lower(): a.strip() for a in header.split(";")[1:]}
    with checks.case("the sid cookie is set"):
        sid_of(r)
    with checks.case("HttpOnly"):
        if "httponly" not in attributes:
            expect.fail(
                r,
                f"HttpOnly in {header!r}",
                "a script injected into a page (XSS) could otherwise read and steal the id",
            )
    with checks.case("Secure"):
        if "secure" not in attributes:
            expect.fail(
                r,
                f"Secure in {header!r}",
                "over plain HTTP anyone on the network reads "
                "the cookie (browsers treat localhost as secure)",
            )
    with checks.case("SameSite=Lax or Strict"):
        value = attributes.get("samesite", "").lower().replace(" ", "")
        if value not in ("samesite=lax", "samesite=strict"):
            expect.fail(
                r,
                f"SameSite=Lax or SameSite=Strict in {header!r}",
                "the browser then keeps the cookie off cross-site POSTs",
            )
    with checks.case("Path=/"):
        if attributes.get("path", "").lower().replace(" ", "") != "path=/":
            expect.fail(r, f"Path=/ in {header!r}", "one session for the whole site")


@pytest.mark.points(2)
def test_the_cookie_holds_only_a_long_random_id(app, checks):
    """Each login gets a new unpredictable id (22+ characters) that carries no user data"""
    username, password = new_user(app)
    ids = [sid_of(log_in(app, username, password)) for _ in range(4)]
    with checks.case("four logins of one user, four different ids"):
        if len(set(ids)) != len(ids):
            expect.fail(
                None,
                f"four different ids, got {ids}",
                "an id derived from the user can be computed by anyone",
            )
    for sid in ids[:1]:
        with checks.case(f"the id {sid!r} is long enough"):
            if len(sid) < 22:
                expect.fail(
                    None,
                    f"at least 22 characters (128 random bits), got {len(sid)}",
                    "a short id can be guessed by trying",
                )
        with checks.case(f"the id {sid!r} holds no user data"):
            if username in _decodings(sid):
                expect.fail(
                    None,
                    f"an opaque random id, but {sid!r} contains {username!r}",
                    "the session's data stays on the server; the cookie only names it",
                )
        with checks.case("ids are not numbers counting up"):
            if all(i.isdigit() for i in ids):
                expect.fail(None, f"random ids, got {ids}", "the next id is easy to guess")


def _decodings(sid: str) -> str:
    texts = [sid]
    for part in sid.replace("~", ".").split("."):
        padded = part + "=" * (-len(part) % 4)
        for decode in (base64.urlsafe_b64decode, base64.b64decode):
            with contextlib.suppress(ValueError):
                texts.append(decode(padded).decode("utf-8", "replace"))
    return " ".join(texts)


@pytest.mark.points(2)
def test_a_planted_session_id_never_becomes_a_logged_in_session(app, checks):
    """Logging in with an id the attacker chose (session fixation) gets a new id"""
    username, password = new_user(app)
    planted = secrets.token_urlsafe(32)
    with checks.case(f"the victim logs in carrying sid={planted[:12]}… (the attacker's)"):
        r = log_in(app, username, password, sid=planted)
        fresh = sid_of(r)
        if fresh == planted:
            expect.fail(
                r,
                "a new session id in Set-Cookie, not the one the request carried",
                "an attacker who planted the id (a link, a subdomain cookie) would be "
                "logged in as the victim",
            )
    with checks.case("the attacker's planted id is not logged in"):
        r = me(app, planted)
        expect.status(r, 401, why="session fixation: the id the attacker knows must stay worthless")


@pytest.mark.points(1)
def test_the_id_changes_at_every_login(app, checks):
    """A session that logs in again gets a new id, and the id it had stops working"""
    first, first_pw = new_user(app)
    second, second_pw = new_user(app)
    old = sid_of(log_in(app, first, first_pw))
    with checks.case("log in as another user while holding a session"):
        r = log_in(app, second, second_pw, sid=old)
        new = sid_of(r)
        if new == old:
            expect.fail(r, "a new id for the new login", "privileges changed: the id must too")
        logged_in_as(app, new, second, "the new id is the new user's")
    with checks.case("the id from before that login"):
        r = me(app, old)
        if r.status_code == 200 and second.encode() in r.content:
            expect.fail(
                r,
                f"401 or {first!r}, never {second!r}",
                "an id seen before the login must not carry the new login",
            )
        expect.status(r, 401, why="the login replaced the session the request came with")


@pytest.mark.points(2)
def test_logout_ends_the_session_on_the_server(app, checks):
    """After POST /logout (204) a saved copy of the cookie is refused with 401"""
    _username, sid = session(app)
    with checks.case("POST /logout"):
        expect.status(call(app, "POST", "/logout", sid), 204)
    with checks.case("GET /me replaying the cookie saved before the logout"):
        expect.status(
            me(app, sid),
            401,
            why="deleting the cookie in the browser is not enough: whoever copied it "
            "(a shared computer, a stolen backup) still has a live session",
        )


@pytest.mark.points(1)
def test_logout_ends_only_that_session(app, checks):
    """Logging out on one device leaves the user's other session logged in"""
    username, password = new_user(app)
    laptop = sid_of(log_in(app, username, password))
    phone = sid_of(log_in(app, username, password))
    expect.status(call(app, "POST", "/logout", laptop), 204)
    with checks.case("the other session"):
        logged_in_as(app, phone, username, "logout ends one session, not every one")


@pytest.mark.points(1)
def test_unknown_and_forged_ids_are_401(app, checks):
    """An unknown, empty, altered or huge sid is 401, never 500"""
    username, sid = session(app)
    altered = sid[:-1] + ("A" if sid[-1] != "A" else "B")
    for label, value in {
        "a random id": secrets.token_urlsafe(32),
        "an empty id": "",
        "the real id with its last character changed": altered,
        "the real id with a character more": sid + "A",
        "a 3000-character id": "A" * 3000,
        "the username": username,
    }.items():
        with checks.case(f"GET /me with {label}"):
            expect.status(me(app, value), 401, why="only ids the server handed out are sessions")


@pytest.mark.points(2)
def test_an_idle_session_expires_after_15_minutes(app, clock, checks):
    """Unused for more than 15 minutes (on the app's clock), the session is 401"""
    username, sid = session(app)
    with checks.case("14 minutes 50 seconds idle"):
        clock.advance(14 * 60 + 50)
        logged_in_as(app, sid, username, "15 minutes have not passed")
    with checks.case("then 15 minutes 10 seconds idle"):
        clock.advance(15 * 60 + 10)
        expect.status(
            me(app, sid),
            401,
            why="a session nobody uses is a session somebody else may find: end it",
        )
    with checks.case("and still refused a minute later"):
        clock.advance(60)
        expect.status(me(app, sid), 401, why="an expired session never comes back")


@pytest.mark.points(1)
def test_activity_keeps_a_session_alive(app, clock, checks):
    """A request every 10 minutes keeps the session alive past 15 minutes"""
    username, sid = session(app)
    for n in (1, 2, 3):
        with checks.case(f"{n * 10} minutes after login, 10 since the last request"):
            clock.advance(10 * 60)
            logged_in_as(app, sid, username, "the timeout counts from the last request (sliding)")


@pytest.mark.points(1)
def test_register_and_login_refuse_a_missing_field_with_400(app, checks):
    """POST /register and POST /login with a missing or empty field, or no JSON, are 400"""
    bad_bodies = {
        "no password": {"json": {"username": unique("user")}},
        "an empty username": {"json": {"username": "", "password": unique_password()}},
        "a body that is not JSON": {"data": "x", "headers": {"Content-Type": "text/plain"}},
    }
    for path in ("/register", "/login"):
        for label, body in bad_bodies.items():
            with checks.case(f"POST {path} with {label}"):
                r = call(app, "POST", path, **body)
                expect.status(r, 400, why="say what is missing (never a 500, never a session)")
                if sid_header(r) and sid_of(r):
                    expect.fail(r, "no session cookie for a refused request")
