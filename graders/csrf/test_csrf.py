"""The grader of csrf: a victim logged in in one browser, an attacker's page posting into it.
Each test's docstring is what the learner reads.

Every request goes out on a fresh connection with the cookies of one simulated browser only
(`Browser`), so two users never share a session. The HTML is parsed with html.parser.

Mutants (`sandbox verify csrf --mutants`) that survive are equivalent: the token's length
(`token_urlsafe(32)` -> 33), HEAD and OPTIONS dropped from the safe methods (the README states
GET and POST only), the `""` defaults of missing fields -> `"XX"` (a missing token still does not
match; the grader sends an empty username, not none), `session.clear()` at login (fixation is the
sessions exercise's; nothing here states it), /email's not-logged-in branch (unreachable: the
CSRF check answers 403 first, as a session without a user has no token), the error's wording and
the logout redirect's target (the README asks for a redirect).
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from sandbox.grading import expect, read_text_capped, unique, unique_email

EVIL = {"Origin": "https://evil.example", "Referer": "https://evil.example/win-a-prize.html"}


class Page(HTMLParser):
    """The forms of a page (method, action, inputs) and the text of the element id="email"."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.email: str | None = None
        self._in_email = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                {
                    "method": a.get("method", "get").lower(),
                    "action": a.get("action", ""),
                    "inputs": {},
                }
            )
        elif tag == "input" and self.forms and "name" in a:
            self.forms[-1]["inputs"][a["name"]] = a.get("value", "")
        if a.get("id") == "email":
            self._in_email, self.email = True, ""

    def handle_endtag(self, tag: str) -> None:
        self._in_email = False

    def handle_data(self, data: str) -> None:
        if self._in_email:
            self.email = (self.email or "") + data

    def form(self, action: str) -> dict | None:
        return next((f for f in self.forms if f["action"].endswith(action)), None)


class Browser:
    """One user's browser: its own cookie jar, nothing shared with any other Browser."""

    def __init__(self, app) -> None:
        self.app = app
        self.cookies: dict[str, str] = {}
        self.set_cookie_headers: list[str] = []

    def request(self, method: str, path: str, **kw):
        r = self.app.request(method, path, cookies=dict(self.cookies), fresh_connection=True, **kw)
        for header in _set_cookies(r):
            self.set_cookie_headers.append(header)
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            gone = re.search(r"expires=thu, 01 jan 1970|max-age=0\b", header, re.I)
            if gone or not value:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip('"')
        return r

    def get(self, path: str, **kw):
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw):
        return self.request("POST", path, **kw)

    def log_in(self, username: str | None = None) -> str:
        username = username or unique("user")
        form = {"username": username}
        login_page = Page(self.get("/login").text).form("/login")  # a token there is welcome
        if login_page and "csrf_token" in login_page["inputs"]:
            form["csrf_token"] = login_page["inputs"]["csrf_token"]
        r = self.post("/login", data=form)
        expect.status(r, [302, 303], why="a successful login redirects (to /account)")
        self.last_login = r
        return username

    def account(self) -> Page:
        r = self.get("/account")
        expect.status(r, 200, why="a logged-in user sees GET /account")
        return Page(r.text)

    def token(self, action: str = "/email") -> str:
        page = self.account()
        form = page.form(action)
        if form is None:
            expect.fail(None, f'a <form method="post" action="{action}"> on GET /account')
        token = form["inputs"].get("csrf_token", "")
        if not token:
            expect.fail(None, f"a hidden input named csrf_token with a value in the {action} form")
        return token

    def form_token(self, action: str = "/email") -> dict[str, str]:
        """{"csrf_token": ...} from the form on /account when it has one, else {}."""
        form = self.account().form(action) or {"inputs": {}}
        return {k: v for k, v in form["inputs"].items() if k == "csrf_token"}

    def email(self) -> str | None:
        page = self.account()
        return page.email.strip() if page.email is not None else None


def _set_cookies(r) -> list[str]:
    raw = getattr(r.raw, "headers", None)
    if raw is not None and hasattr(raw, "getlist"):
        return list(raw.getlist("Set-Cookie"))
    value = r.headers.get("Set-Cookie")
    return [value] if value else []


def victim(app) -> Browser:
    alice = Browser(app)
    alice.log_in()
    return alice


def unchanged(browser: Browser, before: str | None, attack: str) -> None:
    after = browser.email()
    if after != before:
        expect.fail(
            None,
            f"the email to stay {before!r} after {attack}, but it is now {after!r}",
            "a forged request changed the victim's account",
        )


# -- tests ----------------------------------------------------------------------------------------


@pytest.mark.points(2)
def test_a_user_logs_in_and_changes_their_email(app, checks):
    """Log in, then the /email form with its token changes the address (303 to /account)"""
    alice = Browser(app)
    with checks.case("GET /login shows the login form"):
        r = alice.get("/login")
        expect.status(r, 200)
        form = Page(r.text).form("/login")
        if form is None or "username" not in form["inputs"]:
            expect.fail(r, 'a <form method="post" action="/login"> with an input named username')
    with checks.case("POST /login with an empty username is 400"):
        r = Browser(app).post("/login", data={"username": ""})
        expect.status(r, 400, why="a username is required")
    with checks.case("GET /account without logging in"):
        r = Browser(app).get("/account")
        expect.status(r, [302, 303, 401, 403], why="the account page is for a logged-in user")
        if r.status_code in (302, 303):
            expect.header(r, "Location", matches=r"(https?://[^/]+)?/login")
    with checks.case("POST /login then GET /account"):
        name = alice.log_in()
        expect.header(alice.last_login, "Location", matches=r"(https?://[^/]+)?/account")
        email = alice.email()
        if email is None:
            expect.fail(None, 'GET /account to show the address in an element with id="email"')
        if email != f"{name}@example.test":
            expect.fail(None, f"a new user's address to be {name}@example.test, got {email!r}")
    with checks.case("POST /email with the form's csrf_token"):
        new = unique_email("alice")
        r = alice.post("/email", data={"email": new, **alice.form_token()})
        expect.status(r, [302, 303], why="after a POST, redirect (Post/Redirect/Get)")
        expect.header(r, "Location", matches=r"(https?://[^/]+)?/account")
        if alice.email() != new:
            expect.fail(r, f"GET /account to show the new address {new!r}, got {alice.email()!r}")
    with checks.case("POST /email with a valid token but no email field is 400"):
        before = alice.email()
        r = alice.post("/email", data=alice.form_token())
        expect.status(r, 400, why="an email address is required")
        unchanged(alice, before, "a POST without an email")


@pytest.mark.points(2)
def test_every_form_that_posts_carries_a_token(app, checks):
    """Every POST form on /account has a hidden csrf_token input with this session's token"""
    alice = victim(app)
    page = alice.account()
    posts = [f for f in page.forms if f["method"] == "post"]
    with checks.case("the page has the /email and /logout forms"):
        for action in ("/email", "/logout"):
            if page.form(action) is None:
                expect.fail(None, f'a <form method="post" action="{action}"> on GET /account')
    for f in posts:
        with checks.case(f"the form posting to {f['action'] or '(this page)'}"):
            if not f["inputs"].get("csrf_token"):
                expect.fail(
                    None,
                    'an <input type="hidden" name="csrf_token" value="..."> in it',
                    "a form without the token can be copied onto any other site",
                )
            if len(f["inputs"]["csrf_token"]) < 16:
                expect.fail(
                    None,
                    f"a token of at least 16 characters, got {f['inputs']['csrf_token']!r}",
                    "a short token can be guessed",
                )
    with checks.case("another session gets another token"):
        if victim(app).token() == alice.token():
            expect.fail(
                None,
                "a different token for each session",
                "a token shared by everyone is known to the attacker too",
            )


@pytest.mark.points(2)
def test_a_cross_site_post_without_a_token_is_403(app, checks):
    """POST /email or /logout from another site, without a token, is 403 and changes nothing"""
    alice = victim(app)
    alice.account()  # Alice has seen her page: her session holds its token
    before = alice.email()
    with checks.case("POST /email from evil.example with no csrf_token"):
        r = alice.post("/email", data={"email": "attacker@evil.example"}, headers=EVIL)
        expect.status(r, 403, why="the attacker's page cannot know the victim's token")
        unchanged(alice, before, "a POST without a token")
    with checks.case("POST /logout from evil.example with no csrf_token"):
        r = alice.post("/logout", headers=EVIL)
        expect.status(r, 403, why="logging a user out is a change of state too")
        expect.status(alice.get("/account"), 200, why="Alice is still logged in")


@pytest.mark.points(2)
def test_a_wrong_token_is_403(app, checks):
    """A made-up, empty, altered or non-ASCII csrf_token is 403, never a 500 or a change"""
    alice = victim(app)
    token = alice.token()
    before = alice.email()
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for label, sent in {
        "a random token": unique("token") + "x" * 20,
        "an empty token": "",
        "the right token with its last character changed": altered,
        "the right token with one character more": token + "A",
        "the right token cut short": token[:-3],
        "a non-ASCII token": "é" * len(token),
    }.items():
        with checks.case(f"POST /email with {label}"):
            r = alice.post(
                "/email", data={"email": "attacker@evil.example", "csrf_token": sent}, headers=EVIL
            )
            expect.status(
                r,
                403,
                why="only this session's exact token is accepted (a non-ASCII "
                "one can crash hmac.compare_digest on str: compare bytes)",
            )
            unchanged(alice, before, f"a POST with {label}")


@pytest.mark.points(2)
def test_a_token_from_another_session_is_403(app, checks):
    """The attacker's own valid token does not work in the victim's session"""
    alice, mallory = victim(app), victim(app)
    alice.account()
    before = alice.email()
    stolen = mallory.token()  # Mallory reads her own page: a real token, of her session
    with checks.case("Alice's browser posts Mallory's token"):
        r = alice.post(
            "/email", data={"email": "attacker@evil.example", "csrf_token": stolen}, headers=EVIL
        )
        expect.status(r, 403, why="a token belongs to one session; any valid token is not enough")
        unchanged(alice, before, "a POST with another session's token")


@pytest.mark.points(1)
def test_a_session_that_never_saw_a_form_is_not_open(app, checks):
    """Right after login, before any page was shown, a POST without a token is still 403"""
    alice = victim(app)  # logged in, /account never fetched
    for label, data in {
        "no csrf_token": {"email": "attacker@evil.example"},
        "an empty csrf_token": {"email": "attacker@evil.example", "csrf_token": ""},
    }.items():
        with checks.case(f"POST /email with {label}"):
            r = alice.post("/email", data=data, headers=EVIL)
            expect.status(
                r,
                403,
                why="a missing token in the session must not match a missing "
                "token in the form (None == None)",
            )
    with checks.case("the email is unchanged"):
        if "evil" in (alice.email() or ""):
            expect.fail(None, "the address unchanged", "a forged POST went through")


@pytest.mark.points(1)
def test_get_never_changes_state(app, checks):
    """GET /email?email=… and GET /logout change nothing"""
    alice = victim(app)
    before = alice.email()
    with checks.case("GET /email?email=attacker@evil.example"):
        alice.get("/email", params={"email": "attacker@evil.example"}, headers=EVIL)
        unchanged(alice, before, "a GET (an <img src> on any page sends one)")
    with checks.case("GET /logout"):
        alice.get("/logout", headers=EVIL)
        expect.status(alice.get("/account"), 200, why="a GET must not log Alice out")


@pytest.mark.points(1)
def test_the_token_works_for_the_whole_session(app, checks):
    """Two changes in a row, each with the token of the page just shown, both work"""
    alice = victim(app)
    for n in (1, 2):
        with checks.case(f"change number {n}"):
            new = unique_email(f"change{n}")
            r = alice.post("/email", data={"email": new, **alice.form_token()})
            expect.status(r, [302, 303])
            if alice.email() != new:
                expect.fail(r, f"the address {new!r}")
    with checks.case("POST /logout with the token logs out"):
        r = alice.post("/logout", data=alice.form_token("/logout"))
        expect.status(r, [302, 303])
        after = alice.get("/account")
        if after.status_code == 200:
            expect.fail(after, "no account page after logging out (a redirect to /login or 401)")


@pytest.mark.points(1)
def test_the_session_cookie_is_httponly_and_samesite(app, checks):
    """The session cookie is HttpOnly and SameSite=Lax or Strict"""
    alice = victim(app)
    alice.account()  # the page is shown: the session holds its token now
    headers = [h for h in alice.set_cookie_headers if h.split("=", 1)[0].strip() == "session"]
    with checks.case("the session cookie is set"):
        if not headers:
            expect.fail(
                None, f"a Set-Cookie for 'session' at login, saw {alice.set_cookie_headers}"
            )
    for header in headers[-1:]:
        attributes = [a.strip().lower() for a in header.split(";")[1:]]
        with checks.case("HttpOnly"):
            if "httponly" not in attributes:
                expect.fail(None, f"HttpOnly in {header!r}", "scripts must not read the session")
        with checks.case("SameSite=Lax or Strict"):
            if not {"samesite=lax", "samesite=strict"} & set(attributes):
                expect.fail(
                    None,
                    f"SameSite=Lax or SameSite=Strict in {header!r}",
                    "the browser then leaves the cookie off cross-site POSTs",
                )


@pytest.mark.points(1)
def test_the_session_is_signed_with_the_key_from_the_environment(app, app_secrets):
    """The session cookie is signed with SECRET_KEY from the environment"""
    alice = victim(app)
    alice.account()  # the page is shown: the session holds its token now
    cookie = alice.cookies.get("session")
    if not cookie:
        expect.fail(None, "a session cookie after logging in")
    signer = Flask("grader")
    signer.secret_key = app_secrets["SECRET_KEY"]
    serializer = SecureCookieSessionInterface().get_signing_serializer(signer)
    try:
        serializer.loads(cookie)
    except Exception:
        expect.fail(
            None,
            "a session cookie that verifies with $SECRET_KEY",
            "a key written in the source is known to every reader, who can then forge "
            "any session (and its CSRF token): read app.secret_key from os.environ",
        )


@pytest.mark.points(1)
def test_the_token_is_compared_in_constant_time(app):
    """The token is compared with hmac.compare_digest (or secrets.compare_digest)"""
    found = []
    for path in sorted(Path(app.workdir).rglob("*.py"))[:50]:
        if path.is_symlink() or not path.is_file():
            continue
        try:
            tree = ast.parse(read_text_capped(path, 512 * 1024))
        except (SyntaxError, ValueError, AssertionError):
            continue
        for node in ast.walk(tree):  # a call in code, not a word in a comment
            if (isinstance(node, ast.Attribute) and node.attr == "compare_digest") or (
                isinstance(node, ast.Name | ast.alias)
                and "compare_digest"
                in (
                    getattr(node, "id", None),
                    getattr(node, "name", None),
                )
            ):
                found.append(path.name)
    if not found:
        expect.fail(
            None,
            "hmac.compare_digest (or secrets.compare_digest) used in your code",
            "== stops at the first wrong character, and how long it took tells an "
            "attacker how much of a guess was right",
        )
