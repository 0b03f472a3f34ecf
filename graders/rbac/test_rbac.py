"""The grader of rbac: an attacker with an account of their own tries to reach other people's notes
and the admin's powers. Each test's docstring is what the learner reads.

Every test registers its own users (random names), so tests do not depend on each other. The
admin logs in with the ADMIN_PASSWORD the grader put in the app's environment (`app_secrets`).
"""

from __future__ import annotations

import pytest

from sandbox.grading import expect, unique, unique_password

ADMIN = "admin"
NOT_FOUND = {"error": "not found"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(app, username: str, password: str) -> str:
    r = app.post("/login", json={"username": username, "password": password})
    expect.status(r, 200, why=f"{username} logs in with the right password")
    body = expect.json_object(r, "token", why='POST /login answers {"token": "..."}')
    token = body["token"]
    if not isinstance(token, str) or not token:
        expect.fail(r, "a non-empty string token", "the token goes into Authorization: Bearer")
    return token


class User:
    """A registered, logged-in user: id, name, token, and requests made as them."""

    def __init__(self, app, **extra: object) -> None:
        self.app = app
        self.username, self.password = unique("user"), unique_password()
        r = app.post(
            "/register", json={"username": self.username, "password": self.password, **extra}
        )
        expect.status(r, 201, why="registering a new username works")
        body = expect.json_object(r, "id", "username", "role")
        expect.shape(r, body, {"id": int, "username": str, "role": str})
        self.id: int = body["id"]
        self.role_at_registration: str = body["role"]
        self.token = login(app, self.username, self.password)

    def call(self, method: str, path: str, **kw):
        return self.app.request(method, path, headers=bearer(self.token), **kw)

    def new_note(self, **extra: object) -> dict:
        title, body = unique("title"), unique("body")
        r = self.call("POST", "/notes", json={"title": title, "body": body, **extra})
        expect.status(r, 201, why="a logged-in user creates a note")
        note = expect.json_object(r, "id", "owner", "title", "body")
        expect.shape(r, note, {"id": int, "owner": int, "title": str, "body": str})
        return note


class Admin(User):
    def __init__(self, app, password: str) -> None:
        self.app = app
        self.username, self.password = ADMIN, password
        self.token = login(app, ADMIN, password)
        r = self.call("GET", "/me")
        expect.status(r, 200, why="GET /me answers the logged-in user")
        self.id = expect.json_object(r, "id")["id"]


@pytest.fixture
def admin(app, app_secrets) -> Admin:
    return Admin(app, app_secrets["ADMIN_PASSWORD"])


# -- authentication -----------------------------------------------------------------------------


@pytest.mark.points(2)
def test_requests_without_a_valid_token_are_401(app, checks):
    """Every endpoint but /register and /login answers 401 without a valid bearer token"""
    user = User(app)
    note = user.new_note()
    forged = user.token[:-4] + ("AAAA" if not user.token.endswith("AAAA") else "BBBB")
    headers = {
        "no Authorization header": {},
        "an unknown token": bearer(unique("token")),
        "a token with its last characters changed": bearer(forged),
        "the right token without 'Bearer '": {"Authorization": user.token},
        "Bearer and nothing else": {"Authorization": "Bearer "},
    }
    paths = [
        ("GET", "/notes"),
        ("POST", "/notes"),
        ("GET", f"/notes/{note['id']}"),
        ("DELETE", f"/notes/{note['id']}"),
        ("GET", "/users"),
        ("PUT", f"/users/{user.id}/role"),
    ]
    for label, header in headers.items():
        for method, path in paths:
            with checks.case(f"{method} {path} with {label}"):
                body = {"title": "x", "role": "admin"} if method in ("POST", "PUT") else None
                r = app.request(method, path, headers=header, json=body)
                expect.status(r, 401, why="who you are must be proven before anything is done")
    with checks.case("the note survives the unauthenticated DELETEs"):
        expect.status(user.call("GET", f"/notes/{note['id']}"), 200, why="nothing was allowed")


@pytest.mark.points(2)
def test_an_owner_creates_reads_updates_and_deletes_a_note(app, checks):
    """A user creates (201), reads (200), replaces (200) and deletes (204) their own note"""
    user = User(app)
    with checks.case("registering answers role 'user'"):
        if user.role_at_registration != "user":
            expect.fail(None, f"role 'user' after registering, got {user.role_at_registration!r}")
    note = user.new_note()
    with checks.case("the new note's owner is its creator"):
        if note["owner"] != user.id:
            expect.fail(None, f"owner {user.id} (the creator's id), got {note['owner']}")
    path = f"/notes/{note['id']}"
    with checks.case(f"GET {path}"):
        r = user.call("GET", path)
        expect.status(r, 200)
        if expect.json_body(r) != note:
            expect.fail(r, f"the note as created: {note}")
    with checks.case(f"PUT {path}"):
        title = unique("new-title")
        r = user.call("PUT", path, json={"title": title, "body": "changed"})
        expect.status(r, 200)
        changed = expect.json_object(r, "title", "body")
        if (changed["title"], changed["body"]) != (title, "changed"):
            expect.fail(r, f"the replaced note, with title {title!r} and body 'changed'")
    with checks.case("POST /notes with an empty title is 400"):
        expect.status(user.call("POST", "/notes", json={"title": ""}), 400)
    with checks.case(f"PUT {path} with an empty title is 400"):
        expect.status(user.call("PUT", path, json={"title": "", "body": "x"}), 400)
    with checks.case(f"DELETE {path}, then GET it"):
        expect.status(user.call("DELETE", path), 204)
        expect.status(user.call("GET", path), 404, why="a deleted note is gone")


@pytest.mark.points(1)
def test_the_list_holds_only_your_own_notes(app):
    """GET /notes lists exactly your own notes, never anyone else's"""
    alice, mallory = User(app), User(app)
    alices = {alice.new_note()["id"], alice.new_note()["id"]}
    mallorys = {mallory.new_note()["id"]}
    r = mallory.call("GET", "/notes")
    expect.status(r, 200)
    listed = expect.json_body(r)
    expect.shape(r, listed, [{"id": int}])
    ids = {n["id"] for n in listed}
    if ids & alices:
        expect.fail(
            r,
            f"only Mallory's notes {sorted(mallorys)}, not Alice's {sorted(alices)}",
            "a list is an object reference too: filter it by owner",
        )
    if ids != mallorys:
        expect.fail(r, f"exactly Mallory's notes {sorted(mallorys)}")


# -- insecure direct object references ----------------------------------------------------------


@pytest.mark.points(2)
def test_another_users_note_cannot_be_read_by_guessing_its_id(app, checks):
    """GET /notes/<id> of someone else's note is 404, for every id an attacker guesses"""
    alice, carol, mallory = User(app), User(app), User(app)
    others = [alice.new_note(), alice.new_note(), carol.new_note()]
    own = mallory.new_note()["id"]
    why = (
        "changing the number in a URL must never show another user's data (an insecure "
        "direct object reference)"
    )
    for note in others:
        with checks.case(f"Mallory GET /notes/{note['id']} (another user's note)"):
            r = mallory.call("GET", f"/notes/{note['id']}")
            expect.status(r, 404, why=why)
    with checks.case("Mallory GET every id near them"):
        secrets_ = [n["body"].encode() for n in others]
        ids = {n["id"] for n in others}
        for note_id in range(max(1, min(ids) - 5), max(ids) + 6):
            if note_id == own or note_id in ids:
                continue
            r = mallory.call("GET", f"/notes/{note_id}")
            if r.status_code == 200 or any(b in r.content for b in secrets_):
                expect.fail(r, "404: the note is not Mallory's", why)


@pytest.mark.points(2)
def test_another_users_note_cannot_be_changed_or_deleted(app, checks):
    """PUT and DELETE of someone else's note are 404 and change nothing"""
    alice, mallory = User(app), User(app)
    note = alice.new_note()
    path = f"/notes/{note['id']}"
    with checks.case(f"Mallory PUT {path}"):
        r = mallory.call("PUT", path, json={"title": "pwned", "body": "pwned"})
        expect.status(r, 404, why="someone else's note is answered like a missing one")
    with checks.case(f"Mallory DELETE {path}"):
        r = mallory.call("DELETE", path)
        expect.status(r, 404, why="someone else's note is answered like a missing one")
    with checks.case("Alice's note is unchanged afterwards"):
        r = alice.call("GET", path)
        expect.status(r, 200, why="Mallory's DELETE must not have removed it")
        if expect.json_body(r) != note:
            expect.fail(r, f"the note as Alice wrote it: {note}", "Mallory's PUT must not apply")


@pytest.mark.points(1)
def test_someone_elses_note_looks_exactly_like_a_missing_one(app, checks):
    """Someone else's note and a note that never existed get the same 404 and body"""
    alice, mallory = User(app), User(app)
    theirs = alice.new_note()["id"]
    missing = theirs + 100_000
    for method in ("GET", "PUT", "DELETE"):
        with checks.case(f"{method} /notes/{theirs} vs /notes/{missing}"):
            body = {"title": "x", "body": "y"} if method == "PUT" else None
            a = mallory.call(method, f"/notes/{theirs}", json=body)
            b = mallory.call(method, f"/notes/{missing}", json=body)
            expect.status(b, 404, why="a note that does not exist is 404")
            if (a.status_code, a.content) != (b.status_code, b.content):
                expect.fail(
                    a,
                    f"the same answer as for a missing note ({b.status_code} {b.content[:80]!r})",
                    "a different status or body (403, 'not yours') tells an id-guesser "
                    "which notes exist",
                )
            if expect.json_body(b) != NOT_FOUND:
                expect.fail(b, '404 {"error": "not found"}')


@pytest.mark.points(1)
def test_the_owner_comes_from_the_token_not_the_body(app, checks):
    """A note's owner is the logged-in user, whatever the body of POST or PUT says"""
    alice, mallory = User(app), User(app)
    with checks.case('Mallory POST /notes with "owner": Alice\'s id'):
        note = mallory.new_note(owner=alice.id)
        if note["owner"] != mallory.id:
            expect.fail(
                None,
                f"owner {mallory.id} (Mallory), but the note was filed under "
                f"{note['owner']} (Alice)",
                "the body is the attacker's to write",
            )
    with checks.case('Mallory PUT her note with "owner": Alice\'s id'):
        note = mallory.new_note()
        r = mallory.call(
            "PUT", f"/notes/{note['id']}", json={"title": "t", "body": "b", "owner": alice.id}
        )
        expect.status(r, 200)
        if expect.json_object(r, "owner")["owner"] != mallory.id:
            expect.fail(r, f"owner still {mallory.id}", "an owner is not a field a client sets")


# -- roles --------------------------------------------------------------------------------------


@pytest.mark.points(1)
def test_register_and_login_refuse_bad_requests(app, checks):
    """A taken name is 409, a missing field or a body that is not JSON 400; wrong credentials 401"""
    user = User(app)
    with checks.case("POST /register with a taken username"):
        r = app.post("/register", json={"username": user.username, "password": "another-pw"})
        expect.status(r, 409, why="one account per username")
    for label, body in {
        "no password": {"json": {"username": unique("user")}},
        "an empty username": {"json": {"username": "", "password": unique_password()}},
        "a body that is not JSON": {"data": "x", "headers": {"Content-Type": "text/plain"}},
    }.items():
        with checks.case(f"POST /register with {label}"):
            expect.status(app.post("/register", **body), 400, why="say what is missing")
    for label, creds in {
        "a wrong password": {"username": user.username, "password": user.password + "x"},
        "an unknown username": {"username": unique("nobody"), "password": user.password},
    }.items():
        with checks.case(f"POST /login with {label}"):
            expect.status(app.post("/login", json=creds), 401, why="no token without the password")


@pytest.mark.points(1)
def test_registering_cannot_choose_a_role(app, checks):
    """POST /register with "role": "admin" still makes a plain user"""
    mallory = User(app, role="admin")
    with checks.case("the role answered by POST /register"):
        if mallory.role_at_registration != "user":
            expect.fail(
                None,
                f"role 'user', got {mallory.role_at_registration!r}",
                "mass assignment: a client must not pick its own privileges",
            )
    with checks.case("GET /users with the new account's token"):
        expect.status(mallory.call("GET", "/users"), 403, why="a self-made 'admin' is a user")


@pytest.mark.points(2)
def test_user_management_is_for_admins_only(app, admin, checks):
    """GET /users and PUT /users/<id>/role are 403 for a user and work for the admin"""
    mallory = User(app)
    with checks.case("a user GET /users"):
        expect.status(mallory.call("GET", "/users"), 403, why="only admins see every account")
    with checks.case("a user PUT /users/<own id>/role {'role': 'admin'}"):
        r = mallory.call("PUT", f"/users/{mallory.id}/role", json={"role": "admin"})
        expect.status(r, 403, why="a user must not promote themselves")
        expect.status(
            mallory.call("GET", "/users"), 403, why="the refused promotion changed nothing"
        )
    with checks.case("the admin GET /users"):
        r = admin.call("GET", "/users")
        expect.status(r, 200)
        listed = expect.json_body(r)
        expect.shape(r, listed, [{"id": int, "username": str, "role": str}])
        if not any(u["id"] == mallory.id and u["role"] == "user" for u in listed):
            expect.fail(r, f"the list to hold user {mallory.id} with role 'user'")
    with checks.case("the admin PUT /users/<id>/role with role 'root' is 400"):
        r = admin.call("PUT", f"/users/{mallory.id}/role", json={"role": "root"})
        expect.status(r, 400, why="the roles are 'user' and 'admin'")
    with checks.case("the admin PUT /users/<unknown id>/role is 404"):
        r = admin.call("PUT", f"/users/{mallory.id + 10_000}/role", json={"role": "user"})
        expect.status(r, 404, why="no such account")


@pytest.mark.points(2)
def test_a_role_change_applies_on_the_next_request(app, admin, checks):
    """Promoted or demoted, the same token gets the new rights on its very next request"""
    bob = User(app)
    with checks.case("before: Bob GET /users"):
        expect.status(bob.call("GET", "/users"), 403)
    with checks.case("the admin promotes Bob, then Bob GET /users with his old token"):
        r = admin.call("PUT", f"/users/{bob.id}/role", json={"role": "admin"})
        expect.status(r, 200)
        expect.status(bob.call("GET", "/users"), 200, why="Bob is an admin now")
    with checks.case("the admin demotes Bob, then Bob GET /users with the same token"):
        r = admin.call("PUT", f"/users/{bob.id}/role", json={"role": "user"})
        expect.status(r, 200)
        expect.status(
            bob.call("GET", "/users"),
            403,
            why="a role kept in the token or the login session outlives a demotion: "
            "look the role up on every request",
        )


@pytest.mark.points(2)
def test_an_admin_reads_and_deletes_any_note_but_edits_only_their_own(app, admin, checks):
    """An admin may GET (200) and DELETE (204) anyone's note; PUT of another's note is 403"""
    alice = User(app)
    note = alice.new_note()
    path = f"/notes/{note['id']}"
    with checks.case(f"the admin GET {path}"):
        r = admin.call("GET", path)
        expect.status(r, 200)
        if expect.json_body(r) != note:
            expect.fail(r, f"Alice's note: {note}")
    with checks.case(f"the admin PUT {path}"):
        r = admin.call("PUT", path, json={"title": "edited", "body": "by admin"})
        expect.status(r, 403, why="moderation is reading and removing; only an owner edits")
        after = alice.call("GET", path)
        if expect.json_object(after, "title")["title"] != note["title"]:
            expect.fail(after, "Alice's note unchanged after the refused PUT")
    with checks.case(f"the admin DELETE {path}"):
        expect.status(admin.call("DELETE", path), 204)
        expect.status(alice.call("GET", path), 404, why="the admin removed it")


@pytest.mark.points(1)
def test_the_admin_password_comes_from_the_environment(app, app_secrets, checks):
    """The admin logs in with ADMIN_PASSWORD from the environment, and with nothing else"""
    guesses = ("admin", "password", "change-me", "secret", "admin123", "")
    with checks.case("POST /login as admin with $ADMIN_PASSWORD", weight=len(guesses)):
        r = app.post("/login", json={"username": ADMIN, "password": app_secrets["ADMIN_PASSWORD"]})
        expect.status(
            r,
            200,
            why="the grader set ADMIN_PASSWORD; a password in the source "
            "is one every reader of the repository knows",
        )
    for guess in guesses:
        with checks.case(f"POST /login as admin with {guess!r}"):
            r = app.post("/login", json={"username": ADMIN, "password": guess})
            # An empty password may be refused as a bad request too (the README: both accepted).
            expect.status(
                r,
                [400, 401] if guess == "" else 401,
                why="only ADMIN_PASSWORD opens the admin account",
            )
