"""Grader for "Authentication: store passwords safely".

The app is started once per session; every test registers its own users (unique
names), so the tests do not depend on each other or on their order.

Mutants (`sandbox verify hash-passwords --mutants`) that survive are equivalent: the dummy
password's text and the dummy check removed (timing is "going further", not graded); the wording
of the 400 and 409 messages (the README states their statuses only).
"""

import base64
import hashlib
import json
import re
import sqlite3
import uuid

import pytest

from sandbox.grading import describe, expect, open_sqlite_readonly, unique

DB_NAME = "users.db"
GENERIC_ERROR = "invalid username or password"


# --------------------------------------------------------------------------- helpers


def new_password() -> str:
    # Contains characters that can never appear in a hex digest, and is unique per test,
    # so finding it inside a stored value is never a coincidence.
    return f"Correct-Horse-{uuid.uuid4().hex[:10]}-Battery!"


def register(app, username: str, password: str):
    return app.post("/register", json={"username": username, "password": password})


def login(app, username: str, password: str):
    return app.post("/login", json={"username": username, "password": password})


def register_ok(app, username: str, password: str) -> None:
    expect.status(register(app, username, password), 201, why="the username is new")


def query_db(app, sql: str, params: tuple = ()) -> list:
    path = app.workdir / DB_NAME
    if not path.exists():
        pytest.fail(
            f"no {DB_NAME} in the app's working directory after a successful registration; "
            f"keep the users in the SQLite file {DB_NAME} (relative path, in the cwd)"
        )
    try:
        conn = open_sqlite_readonly(path)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        pytest.fail(
            f"could not read {DB_NAME} ({exc}); it must contain the table "
            f"users(username TEXT PRIMARY KEY, password_hash TEXT NOT NULL)"
        )


def stored_value(app, username: str) -> str:
    rows = query_db(app, "SELECT password_hash FROM users WHERE username = ?", (username,))
    assert rows, (
        f"registered {username!r} (got 201) but found no row with that username in "
        f"table users of {DB_NAME}"
    )
    value = rows[0][0]
    if isinstance(value, bytes):  # e.g. bcrypt.hashpw() stored without .decode()
        value = value.decode("ascii", errors="replace")
    assert isinstance(value, str) and value, (
        f"users.password_hash for {username!r} is {value!r}; expected the hash as text"
    )
    return value


def fast_digests(username: str, password: str) -> dict[str, str]:
    """Hex digests of fast hashes an app might have used, with and without naive salts."""
    inputs = {
        "the password": password,
        "username + password": username + password,
        "password + username": password + username,
        "username:password": f"{username}:{password}",
        "password:username": f"{password}:{username}",
    }
    for salt in ("salt", "pepper", "secret", "somesalt", "s3cr3t"):
        inputs[f"{salt!r} + password"] = salt + password
        inputs[f"password + {salt!r}"] = password + salt
    digests = {}
    for algo in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512"):
        for label, text in inputs.items():
            digests[f"{algo}({label})"] = hashlib.new(algo, text.encode()).hexdigest()
    return digests


# Accepted slow, salted formats. Each entry: name, regex, check(match) -> problem or None.
def _werkzeug_scrypt(m: re.Match) -> str | None:
    n = int(m["n"])
    if n < 2**14:
        return f"scrypt with N={n} is too cheap; use N >= 16384 (werkzeug's default is 32768)"
    return None


def _werkzeug_pbkdf2(m: re.Match) -> str | None:
    iterations = int(m["iterations"])
    if iterations < 100_000:
        return (
            f"pbkdf2 with {iterations} iterations is too fast to slow down an attacker; "
            f"use at least 100000 (werkzeug's default is 1000000)"
        )
    return None


def _bcrypt(m: re.Match) -> str | None:
    cost = int(m["cost"])
    if cost < 10:
        return f"bcrypt cost {cost} is too low; use a cost of at least 10 (the default is 12)"
    return None


def _argon2(m: re.Match) -> str | None:
    memory_kib, passes = int(m["m"]), int(m["t"])
    if memory_kib * passes < ARGON2_MIN_WORK:
        return (
            f"argon2 with m={memory_kib} KiB and t={passes} is too cheap; use at least "
            f"m * t >= {ARGON2_MIN_WORK} (e.g. m=19456, t=2; argon2-cffi's default is m=65536, t=3)"
        )
    return None


# OWASP's weakest recommended argon2id settings (m=7168 KiB, t=5) do this much memory-hard work.
ARGON2_MIN_WORK = 7168 * 5


SLOW_FORMATS = [
    (
        "werkzeug scrypt",
        re.compile(r"scrypt:(?P<n>\d+):(?P<r>\d+):(?P<p>\d+)\$(?P<salt>[^$]{8,})\$[0-9a-f]{32,}"),
        _werkzeug_scrypt,
    ),
    (
        "werkzeug pbkdf2",
        re.compile(
            r"pbkdf2:(?:sha256|sha512):(?P<iterations>\d+)\$(?P<salt>[^$]{8,})\$[0-9a-f]{32,}"
        ),
        _werkzeug_pbkdf2,
    ),
    (
        "bcrypt",
        re.compile(r"\$2[aby]\$(?P<cost>\d\d)\$(?P<salt>[./A-Za-z0-9]{22})[./A-Za-z0-9]{31}"),
        _bcrypt,
    ),
    (
        "argon2",
        re.compile(
            r"\$argon2(?:id|i)\$v=\d+\$m=(?P<m>\d+),t=(?P<t>\d+),p=\d+"
            r"\$(?P<salt>[A-Za-z0-9+/]{8,})\$[A-Za-z0-9+/]{16,}"
        ),
        _argon2,
    ),
]

FORMATS_HELP = (
    "a salted, slow password hash: werkzeug.security.generate_password_hash(password) "
    "('scrypt:...' or 'pbkdf2:sha256:<iterations>$salt$hash'), bcrypt ('$2b$12$...') "
    "or argon2 ('$argon2id$...')"
)


def recognise(value: str):
    """Return (format name, match, problem) for a recognised slow format, else None."""
    for name, regex, check in SLOW_FORMATS:
        m = regex.fullmatch(value)
        if m:
            return name, m, check(m)
    return None


def short(value: str, limit: int = 80) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "...")


# ----------------------------------------------------------------------------- tests


@pytest.mark.points(2)
def test_register_then_login_with_right_password(app):
    """A registered user logs in with the right password: 200 {"ok": true}."""
    username, password = unique("user"), new_password()
    register_ok(app, username, password)

    r = login(app, username, password)
    assert r.status_code == 200, (
        f"registered {username!r}, then POST /login with the same password returned "
        f'{expect.got(r)}; expected 200 {{"ok": true}}. If you hash passwords at '
        f"registration, verify them at login with the matching check function "
        f"(e.g. werkzeug.security.check_password_hash(stored_hash, password)), not with =="
    )
    try:
        body = r.json()
    except ValueError:
        body = None
    assert body == {"ok": True}, (
        f"POST /login with the right password returned {expect.got(r)}; "
        f'expected the JSON body {{"ok": true}}'
    )


@pytest.mark.points(1)
def test_login_with_wrong_password_is_401(app):
    """A wrong password is refused with 401."""
    username, password = unique("user"), new_password()
    register_ok(app, username, password)

    r = login(app, username, password + "x")
    assert r.status_code == 401, (
        f"registered {username!r}, then POST /login with a wrong password returned "
        f'{expect.got(r)}; expected 401 {{"error": "{GENERIC_ERROR}"}}'
    )


@pytest.mark.points(2)
def test_password_is_not_stored_in_plaintext(app):
    """The password is kept nowhere in users.db, the app's output or its answers."""
    username, password = unique("user"), new_password()
    answers = [("POST /register", register(app, username, password))]
    assert answers[0][1].status_code == 201, (
        f"POST /register {{'username': {username!r}, 'password': ...}} returned "
        f"{expect.got(answers[0][1])}; expected 201 for a new username"
    )
    answers += [("POST /login", login(app, username, password))]
    answers += [("POST /login (wrong password)", login(app, username, password + "x"))]
    for what, r in answers:
        assert password not in r.text and password not in str(r.headers), (
            f"{what} for {username!r} answered with the password in it ({expect.got(r)}). "
            f"Never send a password back: answers end up in browser histories, proxies and logs"
        )
    value = stored_value(app, username)

    assert value != password, (
        f"users.password_hash for {username!r} is exactly the password that was sent. "
        f"Anyone who reads the database (a backup, a leak, an SQL injection) gets every "
        f"password. Store {FORMATS_HELP} instead"
    )
    assert password not in value, (
        f"users.password_hash for {username!r} contains the plaintext password "
        f"({short(value)}). Store {FORMATS_HELP}, never the password itself"
    )
    encodings = {
        "hex": password.encode().hex(),
        "base64": base64.b64encode(password.encode()).decode().rstrip("="),
        "urlsafe base64": base64.urlsafe_b64encode(password.encode()).decode().rstrip("="),
    }
    for name, encoded in encodings.items():
        assert encoded.lower() not in value.lower(), (
            f"users.password_hash for {username!r} is the password {name}-encoded "
            f"({short(value)}). Encoding is reversible, anyone can decode it; store "
            f"{FORMATS_HELP}"
        )

    # No other column (or table) may keep a copy of the password either.
    tables = query_db(app, "SELECT name FROM sqlite_master WHERE type = 'table'")
    for (table,) in tables:
        quoted = '"' + str(table).replace('"', '""') + '"'
        for row in query_db(app, f"SELECT * FROM {quoted}"):
            for cell in row:
                text = cell.decode("utf-8", "replace") if isinstance(cell, bytes) else str(cell)
                assert password not in text, (
                    f"the plaintext password of {username!r} is stored in table {table!r} of "
                    f"{DB_NAME}. Keep only the hash; remove every copy of the password"
                )

    assert password not in app.output(), (
        f"the plaintext password of {username!r} appears in the app's output (stdout/"
        f"stderr). Logs are read by many people and kept for a long time: never print "
        f"or log passwords"
    )


@pytest.mark.points(3)
def test_password_hash_is_slow_and_salted(app):
    """users.password_hash is a slow, salted hash (scrypt, PBKDF2, bcrypt, argon2) with a sensible cost."""
    username, password = unique("user"), new_password()
    register_ok(app, username, password)
    value = stored_value(app, username)
    lowered = value.lower()

    assert password not in value, (
        f"users.password_hash for {username!r} contains the plaintext password "
        f"({short(value)}). Store {FORMATS_HELP}"
    )
    for label, digest in fast_digests(username, password).items():
        algo = label.split("(")[0]
        assert digest not in lowered, (
            f"users.password_hash for {username!r} is {label} ({short(value)}). {algo} is a "
            f"fast hash: an attacker with a GPU tries billions of guesses per second, and "
            f"a fixed or guessable salt does not help. Store {FORMATS_HELP}"
        )

    found = recognise(value)
    assert found is not None, (
        f"users.password_hash for {username!r} is {short(value)}, which is not a "
        f"recognised password-hash format. Expected {FORMATS_HELP}. Store the whole string "
        f"the library returns (it holds the algorithm, its cost, the salt and the hash)"
    )
    name, _match, problem = found
    assert problem is None, f"users.password_hash for {username!r} is {name}, but {problem}"


@pytest.mark.points(2)
def test_same_password_gives_different_hashes(app):
    """Two users with the same password get different hashes and salts."""
    password = new_password()
    first, second = unique("user"), unique("user")
    register_ok(app, first, password)
    register_ok(app, second, password)
    value_1 = stored_value(app, first)
    value_2 = stored_value(app, second)

    assert value_1 != value_2, (
        f"{first!r} and {second!r} registered with the same password and got the same "
        f"stored value ({short(value_1)}). Without a random per-user salt an attacker "
        f"sees who shares a password and can crack all of them at once (rainbow tables). "
        f"generate_password_hash, bcrypt and argon2 add a random salt for you"
    )
    found_1, found_2 = recognise(value_1), recognise(value_2)
    if found_1 and found_2:
        salt_1, salt_2 = found_1[1]["salt"], found_2[1]["salt"]
        assert salt_1 != salt_2, (
            f"{first!r} and {second!r} got the same salt ({salt_1!r}). The salt must be "
            f"random for every password; let the library generate it"
        )


@pytest.mark.points(3)
def test_unknown_user_and_wrong_password_look_the_same(app):
    """An unknown username and a wrong password get the same 401 answer."""
    username, password = unique("user"), new_password()
    register_ok(app, username, password)
    wrong = password + "-wrong"

    wrong_password = login(app, username, wrong)
    unknown_user = login(app, unique("user"), wrong)

    for what, r in (("a wrong password", wrong_password), ("an unknown username", unknown_user)):
        assert r.status_code == 401, (
            f"POST /login with {what} returned {expect.got(r)}; expected 401 "
            f'{{"error": "{GENERIC_ERROR}"}}'
        )

    same_type = wrong_password.headers.get("Content-Type") == unknown_user.headers.get(
        "Content-Type"
    )
    same_body = wrong_password.content == unknown_user.content
    assert same_type and same_body, (
        f"POST /login answers differently for a wrong password ({describe(wrong_password)}) "
        f"and for an unknown username ({describe(unknown_user)}). The difference tells an "
        f"attacker which usernames exist (user enumeration). Return exactly the same "
        f'response for both: 401 {{"error": "{GENERIC_ERROR}"}}'
    )
    try:
        body = json.loads(unknown_user.content)
    except ValueError:
        body = None
    assert body == {"error": GENERIC_ERROR}, (
        f"POST /login with wrong credentials returned {expect.got(unknown_user)}; expected "
        f'exactly the JSON body {{"error": "{GENERIC_ERROR}"}}'
    )


@pytest.mark.points(1)
def test_duplicate_username_is_409_and_keeps_the_original(app):
    """Registering a taken username answers 409 and leaves the account as it was."""
    username, password = unique("user"), new_password()
    register_ok(app, username, password)

    other_password = new_password()
    r = register(app, username, other_password)
    assert r.status_code == 409, (
        f"POST /register twice with username {username!r} returned {expect.got(r)} the "
        f"second time; expected 409 (the username is taken)"
    )

    r = login(app, username, password)
    assert r.status_code == 200, (
        f"after a rejected duplicate registration, POST /login for {username!r} with the "
        f"original password returned {expect.got(r)}; expected 200. A duplicate registration "
        f"must not change the existing account"
    )
    r = login(app, username, other_password)
    assert r.status_code == 401, (
        f"after a rejected duplicate registration, POST /login for {username!r} with the "
        f"password of the rejected attempt returned {expect.got(r)}; expected 401"
    )


@pytest.mark.points(1)
def test_register_with_missing_fields_is_400(app):
    """A missing, empty or non-string username or password answers 400, at register and login."""
    username = unique("user")
    bodies = [
        {},
        {"username": username},
        {"password": new_password()},
        {"username": "", "password": new_password()},
        {"username": username, "password": ""},
        {"username": None, "password": new_password()},
        {"username": 42, "password": new_password()},
        {"username": username, "password": 12345678},
        {"username": username, "password": ["a", "list"]},
    ]
    for path in ("/register", "/login"):
        for body in bodies:
            shown = {
                k: ("..." if k == "password" and isinstance(v, str) and v else v)
                for k, v in body.items()
            }
            r = app.post(path, json=body)
            assert r.status_code == 400, (
                f"POST {path} with JSON body {shown} returned {expect.got(r)}; expected 400: "
                f"both username and password are required, as non-empty strings"
            )

    r = app.post("/register", data="username=x&password=y", headers={"Content-Type": "text/plain"})
    assert r.status_code == 400, (
        f"POST /register with a body that is not JSON returned {expect.got(r)}; expected 400"
    )

    # A username of only spaces: the README allows refusing it (400) or keeping it as it is.
    spaces, password = " " * 5, new_password()
    r = register(app, spaces, password)
    if r.status_code != 400:
        assert r.status_code in (201, 409), (
            f"POST /register with the username '     ' (five spaces) returned {expect.got(r)}; "
            f"expected 400 (refused) or 201 (accepted as it is)"
        )
        if r.status_code == 201:
            r = login(app, spaces, password)
            assert r.status_code == 200, (
                f"POST /register accepted the username '     ' (five spaces), but logging in "
                f"with it returned {expect.got(r)}; expected 200. Refuse it or keep it as it is"
            )

    if (app.workdir / DB_NAME).exists():
        rows = query_db(app, "SELECT username FROM users WHERE username IN (?, ?)", (username, ""))
        assert not rows, (
            f"POST /register with a missing or empty field created a user row "
            f"({[tuple(row) for row in rows]!r}); reject the request before touching the database"
        )


@pytest.mark.points(1)
def test_login_still_works_after_restart(app):
    """Logging in still works after the app restarts: everything needed is in users.db."""
    username, password = unique("user"), new_password()
    register_ok(app, username, password)

    app.restart()

    r = login(app, username, password)
    assert r.status_code == 200, (
        f"registered {username!r}, restarted the app, then POST /login with the right "
        f"password returned {expect.got(r)}; expected 200. Everything needed to check a "
        f"password (algorithm, cost, salt, hash) must be stored in {DB_NAME}, not kept "
        f"in memory"
    )
    r = login(app, username, password + "x")
    assert r.status_code == 401, (
        f"after a restart, POST /login for {username!r} with a wrong password returned "
        f"{expect.got(r)}; expected 401"
    )


@pytest.mark.points(1)
def test_password_over_72_bytes_is_refused_or_checked_whole(app):
    """A password over 72 bytes is refused with 400, or accepted and then checked in full."""
    username = unique("user")
    password = new_password() + "x" * 72  # > 72 bytes: bcrypt alone ignores everything after 72
    twin = password[:72] + "y" * (len(password) - 72)  # same first 72 bytes, different tail
    r = register(app, username, password)
    assert r.status_code in (201, 400), (
        f"POST /register with a {len(password.encode())}-byte password returned {expect.got(r)}; "
        f"expected 400 (refused: too long) or 201 (accepted). bcrypt 5 raises ValueError for "
        f"passwords over 72 bytes: catch it, or prefer werkzeug's scrypt or argon2"
    )
    if r.status_code == 400:
        r = login(app, username, password)
        assert r.status_code == 401, (
            f"POST /register refused a {len(password.encode())}-byte password (400), yet logging "
            f"in as {username!r} with it returned {expect.got(r)}; expected 401: no account exists"
        )
        return
    r = login(app, username, password)
    assert r.status_code == 200, (
        f"registered {username!r} with a {len(password.encode())}-byte password (201), then "
        f"POST /login with the same password returned {expect.got(r)}; expected 200"
    )
    r = login(app, username, twin)
    assert r.status_code == 401, (
        f"registered {username!r} with a {len(password.encode())}-byte password, then POST /login "
        f"with a password that only shares its first 72 bytes returned {expect.got(r)}; expected "
        f"401. bcrypt looks at the first 72 bytes only: the rest of the password must count too "
        f"(refuse long passwords, or use scrypt or argon2)"
    )
