"""The grader of rest-crud: a whole resource at /books, every method.

Contract: exercises/rest-crud/README.md. Every test makes its own books with unique titles, so
no test depends on another and no hard-coded answer can pass.
"""

import json
from urllib.parse import urljoin, urlparse

import pytest

from sandbox.grading import expect, unique, unique_int

MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


def new_book(**extra):
    book = {"title": unique("title"), "author": unique("author")}
    book.update(extra)
    return book


def create(app, **extra):
    """POST a valid book; return what the app answered (the book, with its id)."""
    sent = new_book(**extra)
    r = app.post("/books", json=sent)
    expect.status(r, [200, 201], why="a valid book must be created")
    book = expect.json_object(r, "id", "title", "author")
    return book


def fetch(app, book_id):
    r = app.get(f"/books/{book_id}")
    expect.status(r, 200, why=f"book {book_id} was created and not deleted")
    return expect.json_object(r, "id")


def fields_of(book):
    return {k: v for k, v in book.items() if k != "id"}


def patch(app, book_id, body):
    return app.patch(f"/books/{book_id}", data=json.dumps(body), headers=MERGE_PATCH)


def same_fields(r, got, wanted, why):
    if fields_of(got) != fields_of(wanted):
        expect.fail(r, f"the book to be {json.dumps(wanted)}, but it is {json.dumps(got)}", why)


def missing_id(app):
    r = app.get("/books")
    ids = [b.get("id") for b in (r.json() if r.ok else []) if isinstance(b, dict)]
    return max([i for i in ids if isinstance(i, int)] + [0]) + unique_int(1000, 100000)


# --- reading and creating ------------------------------------------------------------------


@pytest.mark.points(2)
def test_create_answers_201_with_the_book(app):
    """POST /books answers 201 Created with the new book, its id and the fields sent."""
    sent = new_book(year=unique_int(1500, 2025), notes=unique("notes"))
    r = app.post("/books", json=sent)
    expect.status(r, 201, why="201 Created says a new resource exists now")
    book = expect.json_object(r, "id", "title", "author", "year", "notes")
    expect.shape(r, book, {"id": int})
    same_fields(r, book, sent, "the answer to a create is the stored book, with every field sent")


@pytest.mark.points(2)
def test_create_sets_location_to_the_new_book(app):
    """POST /books sends a Location header; GET on it returns the new book."""
    r = app.post("/books", json=new_book())
    expect.status(r, 201)
    book = expect.json_object(r, "id")
    location = expect.header(
        r, "Location", why="a 201 tells the client where the new resource lives"
    )
    path = urlparse(urljoin(app.url("/books"), location)).path
    if path.rstrip("/") != f"/books/{book['id']}":
        expect.fail(r, f"Location to be /books/{book['id']} (relative or absolute), not {location}")
    fetched = app.get(path)
    expect.status(fetched, 200, why="the Location of a new book must lead to it")
    if fetched.json() != book:
        expect.fail(fetched, f"the book POST answered: {json.dumps(book)}")


@pytest.mark.points(1)
def test_list_and_get_one(app):
    """GET /books lists every book; GET /books/<id> returns one."""
    a, b = create(app), create(app, year=unique_int(1500, 2025))
    r = app.get("/books")
    expect.status(r, 200)
    listed = expect.json_body(r)
    expect.shape(r, listed, [{"id": int}], why="GET /books answers a JSON list of books")
    for book in (a, b):
        if book not in listed:
            expect.fail(r, f"the list to contain {json.dumps(book)}", "every stored book is listed")
        got = app.get(f"/books/{book['id']}")
        expect.status(got, 200)
        if got.json() != book:
            expect.fail(got, f"the book {json.dumps(book)}")


@pytest.mark.points(2)
def test_create_rejects_invalid_books(app, checks):
    """POST /books with a missing, blank or mistyped field answers 400 and stores nothing."""
    bodies = [
        {"author": unique("author")},
        {"title": unique("title")},
        {"title": "  ", "author": unique("author")},
        {"title": 42, "author": unique("author")},
        new_book(year="1999"),
        new_book(year=True),
        new_book(notes=7),
        [new_book()],
    ]
    for body in bodies:
        with checks.case(f"POST /books with {json.dumps(body)}"):
            r = app.post("/books", json=body)
            expect.status(r, 400, why="an invalid book is the client's mistake: 400, never stored")
            expect.json_object(r, "error")
            title = body.get("title") if isinstance(body, dict) else None
            if isinstance(title, str) and title.strip():
                stored = [b for b in app.get("/books").json() if b.get("title") == title]
                if stored:
                    expect.fail(r, "nothing stored", f"GET /books lists {json.dumps(stored)}")
    with checks.case("POST /books with malformed JSON"):
        r = app.post("/books", data='{"title": "x"', headers={"Content-Type": "application/json"})
        expect.status(r, 400, why="a body that is not JSON is a bad request")


@pytest.mark.points(1)
def test_unknown_id_is_404_for_every_method(app, checks):
    """GET, PUT and PATCH on an id that does not exist answer 404 and create nothing."""
    book_id = missing_id(app)
    path = f"/books/{book_id}"
    calls = {
        "GET": lambda: app.get(path),
        "PUT": lambda: app.put(path, json=new_book()),
        "PATCH": lambda: patch(app, book_id, {"title": unique("title")}),
        "DELETE": lambda: app.delete(path),
    }
    for method, call in calls.items():
        with checks.case(f"{method} {path}"):
            r = call()
            # DELETE may answer 204 as well: "it is gone" holds either way (the README says so).
            wanted = [404, 204] if method == "DELETE" else 404
            expect.status(r, wanted, why="no book has that id; PUT does not create books here")
    with checks.case(f"GET /books after those calls has no book {book_id}"):
        r = app.get("/books")
        if any(b.get("id") == book_id for b in r.json()):
            expect.fail(r, f"no book {book_id}: a PUT or PATCH on an unknown id must not create it")


# --- PUT ---------------------------------------------------------------------------------------


@pytest.mark.points(2)
def test_put_replaces_the_whole_book(app):
    """PUT /books/<id> replaces the book: fields left out are removed, the id stays."""
    book = create(app, year=unique_int(1500, 2025), notes=unique("notes"))
    replacement = new_book(notes=unique("notes"))  # no "year": it must be gone afterwards
    r = app.put(f"/books/{book['id']}", json={**replacement, "id": book["id"] + 1})
    expect.status(r, 200, why="PUT on an existing book answers 200 with its new state")
    answered = expect.json_object(r, "id")
    if answered.get("id") != book["id"]:
        expect.fail(r, f'"id": {book["id"]}: the URL names the book, the body cannot move it')
    same_fields(r, answered, replacement, "PUT replaces the whole representation")
    stored = fetch(app, book["id"])
    same_fields(r, stored, replacement, "after a PUT, GET returns exactly what was PUT")


@pytest.mark.points(1)
def test_put_with_a_missing_field_is_400(app, checks):
    """PUT without a required field, or with a bad one, answers 400 and changes nothing."""
    book = create(app, year=unique_int(1500, 2025))
    path = f"/books/{book['id']}"
    for body in [
        {"title": unique("title")},
        {"author": unique("author"), "year": book["year"]},
        new_book(year="soon"),
    ]:
        with checks.case(f"PUT {path} with {json.dumps(body)}"):
            r = app.put(path, json=body)
            expect.status(r, 400, why="PUT sends the whole book: required fields must be there")
            same_fields(r, fetch(app, book["id"]), book, "a refused PUT changes nothing")


@pytest.mark.points(1)
def test_put_is_idempotent(app):
    """The same PUT twice gives the same answer and the same book."""
    book = create(app)
    body = new_book(year=unique_int(1500, 2025))
    first = app.put(f"/books/{book['id']}", json=body)
    second = app.put(f"/books/{book['id']}", json=body)
    expect.status(second, 200, why="repeating a PUT is safe: a client may retry it")
    if first.status_code != second.status_code or first.json() != second.json():
        expect.fail(second, f"the same answer as the first PUT: {first.status_code} {first.text}")
    same_fields(second, fetch(app, book["id"]), body, "a repeated PUT leaves the same state")


# --- PATCH -------------------------------------------------------------------------------------


@pytest.mark.points(2)
def test_patch_changes_only_the_fields_sent(app):
    """PATCH /books/<id> (JSON Merge Patch) changes the fields sent and keeps the others."""
    book = create(app, year=unique_int(1500, 2025), notes=unique("notes"))
    change = {"title": unique("title"), "year": unique_int(1500, 2025)}
    r = patch(app, book["id"], change)
    expect.status(r, 200, why="a valid merge patch answers 200 with the patched book")
    wanted = {**book, **change}
    same_fields(r, expect.json_object(r, "id"), wanted, "a merge patch keeps fields it omits")
    same_fields(r, fetch(app, book["id"]), wanted, "GET returns the patched book")


@pytest.mark.points(2)
def test_patch_null_removes_an_optional_field(app, checks):
    """In a merge patch, null removes an optional field; null on a required one is a 400."""
    book = create(app, year=unique_int(1500, 2025), notes=unique("notes"))
    with checks.case('PATCH {"notes": null}'):
        r = patch(app, book["id"], {"notes": None})
        expect.status(r, 200)
        wanted = {k: v for k, v in book.items() if k != "notes"}
        same_fields(r, fetch(app, book["id"]), wanted, 'RFC 7396: null means "remove this field"')
    with checks.case('PATCH {"author": null}'):
        r = patch(app, book["id"], {"author": None})
        expect.status(r, 400, why="a required field cannot be removed")
        if fetch(app, book["id"]).get("author") != book["author"]:
            expect.fail(r, "the author kept", "a refused patch changes nothing")
    with checks.case('PATCH {"id": <another>, "colour": "red"} (fields that are not a book\'s)'):
        r = patch(app, book["id"], {"id": book["id"] + 1000, "colour": "red"})
        expect.status(r, 200, why='"id" and unknown fields in a patch are ignored')
        got = fetch(app, book["id"])
        if got.get("id") != book["id"] or "colour" in got:
            expect.fail(r, f"book {book['id']} unchanged, without colour", "the README says: ignored")
    # Both orders: an app that applies fields one by one and stops at the bad one has already
    # changed the title when "year" comes last.
    for body in (
        {"year": "soon", "title": unique("title")},
        {"title": unique("title"), "notes": unique("notes"), "year": "soon"},
    ):
        with checks.case(f"PATCH {json.dumps(body)} (one bad field)"):
            before = fetch(app, book["id"])
            r = patch(app, book["id"], body)
            expect.status(r, 400, why='"year" must be a whole number')
            got = fetch(app, book["id"])
            if fields_of(got) != fields_of(before):
                expect.fail(
                    r,
                    f"the book unchanged, but GET now shows {json.dumps(fields_of(got))}",
                    "a refused patch changes nothing, not even the valid fields sent with the bad one",
                )


# --- DELETE and methods ------------------------------------------------------------------------


@pytest.mark.points(2)
def test_delete_answers_204_then_the_book_is_gone(app, checks):
    """DELETE /books/<id> answers 204 with no body; the book is then 404 and not listed."""
    book, other = create(app), create(app)
    path = f"/books/{book['id']}"
    with checks.case(f"DELETE {path}"):
        r = app.delete(path)
        expect.status(r, 204, why="204 No Content: done, nothing to say")
        expect.no_body(r, why="a 204 never carries a body")
    with checks.case(f"GET {path} after the DELETE"):
        expect.status(app.get(path), 404, why="a deleted book no longer exists")
    with checks.case("GET /books after the DELETE"):
        r = app.get("/books")
        if book in r.json() or other not in r.json():
            expect.fail(r, f"the list without book {book['id']} and with the others")
    with checks.case(f"DELETE {path} a second time"):
        r = app.delete(path)
        expect.status(r, [404, 204], why="DELETE is idempotent: repeating it changes nothing")
        fetch(app, other["id"])


@pytest.mark.points(1)
def test_wrong_method_is_405_with_allow(app, checks):
    """A method a URL does not support answers 405 with an Allow header that lists the others."""
    book = create(app)
    for method, path, wanted in [
        ("DELETE", "/books", {"GET", "POST"}),
        ("PUT", "/books", {"GET", "POST"}),
        ("POST", f"/books/{book['id']}", {"GET", "PUT", "PATCH", "DELETE"}),
    ]:
        with checks.case(f"{method} {path}"):
            r = app.request(method, path)
            expect.status(r, 405, why="the URL exists, the method does not")
            allow = expect.header(r, "Allow", why="a 405 must say which methods do work")
            listed = {m.strip().upper() for m in allow.split(",")}
            if not wanted <= listed:
                expect.fail(r, f"Allow to list {', '.join(sorted(wanted))}, not {allow!r}")
