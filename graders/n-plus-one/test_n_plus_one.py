"""Grader for "N+1 queries: authors and their books in two statements".

Before each test the grader empties `books` and `authors` with its own superuser connection and
inserts random rows of its own (names and titles unique to the run, years that tie), so the JSON it
expects comes from rows it wrote, never from the app. Statements are counted on the server by
pg_stat_statements for the app's role (`postgres.count_statements()`): the app cannot fake the
count, and a cached answer fails because the rows change between requests.

Mutants: the full set, 25 of 25, is caught; no equivalent ones are known. (The example rows for
trying the API by hand live in schema.sql, which is SQL and not mutated.)
"""

from __future__ import annotations

import json
import secrets
import string
from typing import Any

import pytest

from sandbox.grading import expect

LOCK_TIMEOUT = "3s"


def _word(length: int = 7) -> str:
    return secrets.choice(string.ascii_uppercase) + "".join(
        secrets.choice(string.ascii_lowercase) for _ in range(length - 1)
    )


def fill(postgres: Any, books_per_author: list[int], same_name: bool = False) -> list[dict]:
    """Replace every row with random authors (that many books each); the JSON GET should return.

    With `same_name`, two authors share a name (the first and the third inserted, so the id
    order between them differs from the order of the rows around them) and the id breaks the tie.
    """
    tag = secrets.token_hex(3)
    names = [f"{_word()} {_word()} {tag}" for _ in books_per_author]
    if names == sorted(names):  # inserted (id) order must not already be the name order
        names.reverse()
    if same_name and len(names) > 2:
        names[2] = names[0]
    authors: list[dict] = []
    with postgres.admin() as conn:
        # An app that keeps a transaction open would block these forever; fail clearly instead.
        conn.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        conn.execute("DELETE FROM books")
        conn.execute("DELETE FROM authors")
        for name in names:
            (author_id,) = conn.execute(
                "INSERT INTO authors (name) VALUES (%s) RETURNING id", (name,)
            ).fetchone()
            authors.append({"id": author_id, "name": name, "books": []})
        # Books are inserted in a shuffled order with years that tie, so neither the insertion
        # order nor the id alone gives the order the README asks for.
        pending = [
            (a, n) for a, count in zip(authors, books_per_author, strict=True) for n in range(count)
        ]
        secrets.SystemRandom().shuffle(pending)
        first: set[int] = set()
        for author, n in pending:
            title = f'{_word(6)}\'s "{_word(5)}" № {n} {tag}'
            # Each author's first book (lowest id) is their latest: id order is never year order.
            year = 1994 if author["id"] not in first else 1990 + secrets.randbelow(4)
            first.add(author["id"])
            (book_id,) = conn.execute(
                "INSERT INTO books (author_id, title, year) VALUES (%s, %s, %s) RETURNING id",
                (author["id"], title, year),
            ).fetchone()
            author["books"].append({"id": book_id, "title": title, "year": year})
    for author in authors:
        author["books"].sort(key=lambda b: (b["year"], b["id"]))
    authors.sort(key=lambda a: (a["name"], a["id"]))
    return authors


def get_authors(app: Any) -> tuple[Any, Any]:
    r = app.get("/authors")
    expect.status(r, 200, why="GET /authors lists the authors")
    body = expect.json_object(r, "authors")
    expect.shape(
        r,
        body,
        {"authors": [{"id": int, "name": str, "books": [{"id": int, "title": str, "year": int}]}]},
    )
    return r, body["authors"]


def _brief(author: dict) -> str:
    return json.dumps(author, ensure_ascii=False)[:400]


def difference(got: list[dict], want: list[dict]) -> str:
    """The first place where the answer and the grader's rows part, in words."""
    want_ids = [a["id"] for a in want]
    got_ids = [a.get("id") for a in got]
    missing = [a for a in want if a["id"] not in got_ids]
    if missing:
        return (
            f"{len(missing)} of the {len(want)} authors in the database are missing, e.g. "
            f"{_brief(missing[0])}"
            + (
                " (an author without books: a JOIN must be a LEFT JOIN)"
                if not missing[0]["books"]
                else ""
            )
        )
    extra = [a for a in got if a.get("id") not in want_ids]
    if extra:
        return f"{len(extra)} authors that are not in the database, e.g. {_brief(extra[0])}"
    if len(got_ids) != len(want_ids):
        return f"{len(got_ids)} entries for {len(want_ids)} authors: an author appears twice"
    if got_ids != want_ids:
        return (
            f"the authors come in another order: ids {got_ids[:12]}; by name, then id, they are "
            f"{want_ids[:12]}"
        )
    for g, w in zip(got, want, strict=True):
        if g != w:
            return f"author {w['id']} is {_brief(g)}; the database has {_brief(w)}"
    return "no difference"


def expect_listing(r: Any, got: list[dict], want: list[dict], why: str) -> None:
    if got != want:
        expect.fail(r, f"the rows the grader inserted: {difference(got, want)}", why)


@pytest.mark.points(2)
def test_lists_every_author_with_their_books(app, postgres):
    """GET /authors lists every author in the database with their books (id, title, year)."""
    want = fill(postgres, [1, 3, 2, 4, 1])
    r, got = get_authors(app)
    expect_listing(r, got, want, "the faster endpoint must answer exactly what the slow one did")


@pytest.mark.points(1)
def test_an_author_without_books_has_an_empty_list(app, postgres):
    """An author with no books is listed with "books": []."""
    want = fill(postgres, [0, 2, 0])
    r, got = get_authors(app)
    expect_listing(r, got, want, "an author without books is still an author (LEFT JOIN, not JOIN)")


@pytest.mark.points(1)
def test_authors_are_ordered_by_name_then_id(app, postgres):
    """Authors come ordered by name, and two authors of the same name by id."""
    want = fill(postgres, [1, 1, 0, 2, 1, 0], same_name=True)
    r, got = get_authors(app)
    expect_listing(r, got, want, "the README states the order: name, then id")


@pytest.mark.points(1)
def test_books_are_ordered_by_year_then_id(app, postgres):
    """Each author's books come ordered by year, and books of the same year by id."""
    want = fill(postgres, [6, 5])
    r, got = get_authors(app)
    expect_listing(r, got, want, "the README states the order of books: year, then id")


@pytest.mark.points(1)
def test_an_empty_database_lists_no_authors(app, postgres):
    """With no authors at all, GET /authors answers {"authors": []}."""
    fill(postgres, [])
    r, got = get_authors(app)
    if got != []:
        expect.fail(r, '{"authors": []}: the grader emptied both tables', "no rows, no authors")


@pytest.mark.points(1)
def test_rows_added_behind_the_apps_back_show_at_once(app, postgres):
    """Rows inserted into the database between two requests are in the next answer (no cache)."""
    fill(postgres, [2, 1])
    get_authors(app)
    want = fill(postgres, [1, 2, 3])
    r, got = get_authors(app)
    expect_listing(r, got, want, "the database is the truth: a cached answer goes stale")


def expect_few_statements(app: Any, postgres: Any, books_per_author: list[int]) -> None:
    want = fill(postgres, books_per_author)
    with postgres.count_statements() as counted:
        r, got = get_authors(app)
    n = len(books_per_author)
    expect_listing(r, got, want, "fewer statements must still give the same answer")
    if counted.total > 2:
        expect.fail(
            None,
            f"at most 2 statements for GET /authors with {n} authors in the database; "
            f"{counted.describe()}",
            "a query per author is the N+1 problem: each statement is a round trip to the "
            "database, so the page gets slower with every author. Fetch all the books at once "
            "(a LEFT JOIN, or WHERE author_id = ANY(%s) with the authors' ids)",
        )


@pytest.mark.points(3)
def test_at_most_two_statements_for_a_few_authors(app, postgres):
    """GET /authors with 4 authors runs at most 2 statements on the server."""
    expect_few_statements(app, postgres, [2, 0, 3, 1])


@pytest.mark.points(3)
def test_at_most_two_statements_for_many_authors(app, postgres):
    """GET /authors with 120 authors (0 to 4 books each) still runs at most 2 statements."""
    expect_few_statements(app, postgres, [secrets.randbelow(5) for _ in range(120)])
