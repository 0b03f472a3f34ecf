"""The grader of password-reset: an attacker who probes for accounts, guesses, replays and
outlives reset tokens, and a clock moved forward instead of waiting. Each test's docstring is what
the learner reads.

The app "sends" email by appending JSON lines to outbox.jsonl in its working directory; the
grader reads the tokens from there, as the account's owner would from their inbox.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sandbox.grading import expect, read_text_capped, unique_email, unique_password

OUTBOX = "outbox.jsonl"
TTL = 30 * 60


def register(app) -> tuple[str, str]:
    email, password = unique_email(), unique_password()
    r = app.post("/register", json={"email": email, "password": password})
    expect.status(r, 201, why="registering a new email works")
    return email, password


def login(app, email: str, password: str):
    return app.post("/login", json={"email": email, "password": password})


def session(app, email: str, password: str) -> str:
    r = login(app, email, password)
    expect.status(r, 200, why="the right password logs in")
    return expect.json_object(r, "token")["token"]


def mails(app, to: str) -> list[str]:
    """The reset tokens sent to `to`, oldest first."""
    path = Path(app.workdir) / OUTBOX
    try:
        text = read_text_capped(path, 2 * 1024 * 1024)
    except FileNotFoundError:
        return []
    tokens = []
    for line in text.splitlines():
        try:
            mail = json.loads(line)
        except ValueError:
            continue
        if isinstance(mail, dict) and mail.get("to") == to and isinstance(mail.get("token"), str):
            tokens.append(mail["token"])
    return tokens


def request_reset(app, email: str) -> str:
    before = len(mails(app, email))
    r = app.post("/forgot", json={"email": email})
    expect.status(r, 202, why="POST /forgot answers 202 Accepted")
    sent = mails(app, email)
    if len(sent) != before + 1:
        expect.fail(
            r,
            f'one new line {{"to": "{email}", "token": "..."}} in {OUTBOX}, '
            f"found {len(sent) - before}",
            "the owner gets the token by email",
        )
    return sent[-1]


def reset(app, token: str, password: str):
    return app.post("/reset", json={"token": token, "password": password})


# -- tests ----------------------------------------------------------------------------------------


@pytest.mark.points(1)
def test_the_account_endpoints_answer_as_the_table_says(app, checks):
    """Register 409/400, login 401 for wrong credentials, /me opens with the login's token"""
    email, password = register(app)
    with checks.case("POST /register with a registered email"):
        r = app.post("/register", json={"email": email, "password": unique_password()})
        expect.status(r, 409, why="one account per email")
    for label, body in {
        "no password": {"json": {"email": unique_email()}},
        "an empty password": {"json": {"email": unique_email(), "password": ""}},
        "a body that is not JSON": {"data": "x", "headers": {"Content-Type": "text/plain"}},
    }.items():
        with checks.case(f"POST /register with {label}"):
            expect.status(app.post("/register", **body), 400, why="say what is missing")
    for label, creds in {
        "a wrong password": {"email": email, "password": password + "x"},
        "an unknown email": {"email": unique_email(), "password": password},
        "no password": {"email": email},
    }.items():
        with checks.case(f"POST /login with {label}"):
            r = app.post("/login", json=creds)
            expect.status(r, 401, why="no session without the password")
    with checks.case("GET /me with the token from POST /login"):
        r = app.get("/me", headers={"Authorization": f"Bearer {session(app, email, password)}"})
        expect.status(r, 200, why="the login's token is the session")
        if expect.json_object(r, "email")["email"] != email:
            expect.fail(r, f'{{"email": "{email}"}}')
    with checks.case("GET /me without a token"):
        expect.status(app.get("/me"), 401)
    with checks.case("POST /forgot without an email"):
        expect.status(app.post("/forgot", json={}), 400, why="there is no one to send it to")


@pytest.mark.points(2)
def test_a_reset_request_emails_a_random_token(app, checks):
    """POST /forgot (202) sends one email with a long token, a different one each time"""
    email, _ = register(app)
    with checks.case("POST /forgot for a registered email"):
        first = request_reset(app, email)
        if len(first) < 22:
            expect.fail(
                None,
                f"a token of 22+ characters (128 random bits), got {first!r}",
                "a short token can be guessed by trying",
            )
    with checks.case("a second request sends a different token"):
        if request_reset(app, email) == first:
            expect.fail(
                None,
                "a new random token for each request",
                "a token derived from the account can be computed by anyone",
            )


@pytest.mark.points(2)
def test_forgot_answers_the_same_for_unknown_emails(app, checks):
    """POST /forgot answers an unknown email exactly like a registered one, and sends nothing"""
    email, _ = register(app)
    known = app.post("/forgot", json={"email": email})
    stranger = unique_email("nobody")
    unknown = app.post("/forgot", json={"email": stranger})
    with checks.case("the same status"):
        expect.status(
            unknown,
            known.status_code,
            why="a different status tells an attacker which emails have accounts",
        )
    with checks.case("the same body"):
        if unknown.content != known.content:
            expect.fail(
                unknown,
                f"the same body as for a registered email ({known.content[:120]!r})",
                "a different message tells an attacker who has an account (enumeration)",
            )
    with checks.case("no email to the unknown address"):
        if mails(app, stranger):
            expect.fail(unknown, f"nothing sent to {stranger}, which has no account")


@pytest.mark.points(2)
def test_a_token_sets_a_new_password(app, checks):
    """POST /reset with the emailed token (204) sets the password: the new one logs in, the old not"""
    email, old = register(app)
    token = request_reset(app, email)
    new = unique_password()
    with checks.case("POST /reset with the token"):
        expect.status(reset(app, token, new), [200, 204])
    with checks.case("the new password logs in"):
        expect.status(login(app, email, new), 200)
    with checks.case("the old password no longer does"):
        expect.status(login(app, email, old), 401)


@pytest.mark.points(2)
def test_a_token_works_only_once(app, checks):
    """A reset token used once is refused (400) the second time"""
    email, _ = register(app)
    token = request_reset(app, email)
    first = unique_password()
    expect.status(reset(app, token, first), [200, 204], why="the first use works")
    with checks.case("the same token again"):
        expect.status(
            reset(app, token, unique_password()),
            400,
            why="a token found later in a mailbox or a log must be worthless",
        )
    with checks.case("the password set by the first use still logs in"):
        expect.status(login(app, email, first), 200)


@pytest.mark.points(2)
def test_a_token_expires_after_30_minutes(app, clock, checks):
    """A reset token works for 30 minutes (on the app's clock), then is refused"""
    email, _ = register(app)
    with checks.case("29 minutes 40 seconds after the request"):
        token = request_reset(app, email)
        clock.advance(29 * 60 + 40)
        expect.status(
            reset(app, token, unique_password()), [200, 204], why="30 minutes have not passed"
        )
    with checks.case("30 minutes 20 seconds after the request"):
        token = request_reset(app, email)
        clock.advance(30 * 60 + 20)
        expect.status(
            reset(app, token, unique_password()), 400, why="an old email must not open the account"
        )


@pytest.mark.points(1)
def test_unknown_and_altered_tokens_are_refused(app, checks):
    """A made-up, altered or empty token is 400 and changes nothing"""
    email, password = register(app)
    token = request_reset(app, email)
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for label, value in {
        "a made-up token": unique_password(32),
        "the token altered": altered,
        "an empty token": "",
        "the email itself": email,
    }.items():
        with checks.case(label):
            expect.status(reset(app, value, unique_password()), 400)
    with checks.case("the password is unchanged"):
        expect.status(login(app, email, password), 200)


@pytest.mark.points(1)
def test_the_token_is_stored_only_as_a_hash(app):
    """The token appears in no file the app keeps, only in the email"""
    email, _ = register(app)
    token = request_reset(app, email)
    root = Path(app.workdir)
    for path in sorted(root.rglob("*"))[:200]:
        if path.name == OUTBOX or path.is_symlink() or not path.is_file():
            continue
        try:
            text = read_text_capped(path, 4 * 1024 * 1024)
        except (AssertionError, OSError, UnicodeDecodeError):
            continue
        if token in text:
            expect.fail(
                None,
                f"no copy of the token in {path.relative_to(root)}",
                "whoever reads the database (a backup, an injection) could reset any "
                "account: store a hash of the token (sha256)",
            )


@pytest.mark.points(2)
def test_a_reset_ends_existing_sessions(app, checks):
    """After a reset, sessions opened before it are logged out (401)"""
    email, password = register(app)
    laptop = session(app, email, password)
    stolen = session(app, email, password)
    token = request_reset(app, email)
    expect.status(reset(app, token, unique_password()), [200, 204])
    for label, bearer in (("the owner's old session", laptop), ("an attacker's session", stolen)):
        with checks.case(label):
            r = app.get("/me", headers={"Authorization": f"Bearer {bearer}"})
            expect.status(
                r,
                401,
                why="a reset is how a victim takes the account back: whoever "
                "was logged in with the old password must be thrown out",
            )


@pytest.mark.points(1)
def test_a_reset_voids_the_other_tokens(app, checks):
    """After a reset, the account's other unused reset tokens are refused"""
    email, _ = register(app)
    older = request_reset(app, email)
    newer = request_reset(app, email)
    expect.status(reset(app, newer, unique_password()), [200, 204], why="the newest token works")
    with checks.case("an older token of the same account"):
        expect.status(
            reset(app, older, unique_password()),
            400,
            why="another link in the mailbox must not reset the password again",
        )
