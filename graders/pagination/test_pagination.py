"""The grader of pagination: an event feed, newest first, paged with keyset cursors.

Contract: exercises/pagination/README.md. Tests that walk the whole feed use `fresh_app` (a new,
empty app) so they know every row that exists; the grader inserts rows between page fetches,
which an offset hidden in a cursor cannot survive.

Equivalent mutants (`sandbox verify pagination --mutants`): the POST handler's title check and
its message (POST is given in the starter and only used to insert events; the README grades no
invalid POST), and the wording of error messages (only the status and a JSON "error" are stated).
"""

import re
from urllib.parse import urljoin, urlparse

import pytest

from sandbox.grading import expect, unique

NEXT_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?', re.I)


def create(app, n):
    """POST n events; return their ids in the order created (oldest first)."""
    ids = []
    for _ in range(n):
        r = app.post("/events", json={"title": unique("event")})
        expect.status(r, 201, why="the grader creates its own events with POST /events")
        ids.append(expect.json_object(r, "id")["id"])
    return ids


def page(app, path="/events", **params):
    """One page: (response, item ids, next_cursor)."""
    r = app.get(path, params=params or None)
    expect.status(r, 200, why="a page of the feed answers 200")
    body = expect.json_object(r, "items", "next_cursor")
    expect.shape(r, body, {"items": [{"id": int, "title": str}]})
    cursor = body["next_cursor"]
    if cursor is not None and (not isinstance(cursor, str) or not cursor):
        expect.fail(r, '"next_cursor" to be a non-empty string, or null on the last page')
    return r, [item["id"] for item in body["items"]], cursor


def next_link(r):
    """The target of the Link rel="next" header, as a path with its query, or None."""
    header = r.headers.get("Link")
    match = NEXT_LINK.search(header or "")
    if not match:
        return None
    target = urlparse(urljoin(r.url, match.group(1)))
    return target.path + (f"?{target.query}" if target.query else "")


def exactly_once(r, seen, wanted, why):
    """`seen` (ids in the order the pages gave them) is `wanted`, newest first, each once."""
    if seen == wanted:
        return
    dups = sorted({i for i in seen if seen.count(i) > 1})
    gaps = sorted(set(wanted) - set(seen))
    extra = sorted(set(seen) - set(wanted))
    story = []
    if dups:
        story.append(f"listed twice: {dups}")
    if gaps:
        story.append(f"never listed (a gap): {gaps}")
    if extra:
        story.append(f"not expected in this walk: {extra}")
    if not story:
        story.append("the right rows in the wrong order")
    expect.fail(
        r,
        f"the pages to list ids {wanted} (newest first, each once); they listed {seen}: "
        + "; ".join(story),
        why,
    )


@pytest.mark.points(1)
def test_create_answers_201_with_the_event(app):
    """POST /events answers 201 with the new event: its id and title."""
    title = unique("event")
    r = app.post("/events", json={"title": title})
    expect.status(r, 201)
    event = expect.json_object(r, "id", "title")
    expect.shape(r, event, {"id": int, "title": str})
    if event["title"] != title:
        expect.fail(r, f'"title": "{title}"')


@pytest.mark.points(2)
def test_first_page_is_the_newest_ten(fresh_app):
    """GET /events without parameters answers the 10 newest events, newest first."""
    ids = create(fresh_app, 13)
    r, got, cursor = page(fresh_app)
    wanted = ids[::-1][:10]
    if got != wanted:
        expect.fail(r, f"ids {wanted}: the 10 newest (the default limit), newest first, not {got}")
    if cursor is None:
        expect.fail(r, "a next_cursor: 3 more events follow", "the client must be able to go on")


@pytest.mark.points(1)
def test_limit_sets_the_page_size(fresh_app):
    """?limit=N answers the N newest events."""
    ids = create(fresh_app, 6)
    r, got, _ = page(fresh_app, limit=4)
    if got != ids[::-1][:4]:
        expect.fail(r, f"ids {ids[::-1][:4]}, the 4 newest, not {got}")


@pytest.mark.points(2)
def test_limit_out_of_bounds_is_400(app, checks):
    """A limit that is not a whole number from 1 to 100 answers 400; 100 is allowed."""
    create(app, 101)
    for bad in ["0", "-1", "ten", "2.5", ""]:
        with checks.case(f"GET /events?limit={bad}"):
            r = app.get("/events", params={"limit": bad})
            expect.status(r, 400, why="the limit must be a whole number from 1 to 100")
            expect.json_object(r, "error")
    with checks.case("GET /events?limit=1"):
        r, got, _ = page(app, limit=1)
        if len(got) != 1:
            expect.fail(r, f"1 item, not {len(got)}", "1 is the smallest allowed page")
    with checks.case("GET /events?limit=100 (101 events exist)"):
        r, got, _ = page(app, limit=100)
        if len(got) != 100:
            expect.fail(r, f"100 items, not {len(got)}", "100 is the largest allowed page")
    with checks.case("GET /events?limit=101 (101 events exist)"):
        r = app.get("/events", params={"limit": "101"})
        if r.status_code == 200:
            items = r.json().get("items", [])
            if len(items) > 100:
                expect.fail(r, "400, or a page of at most 100 items", "a client cannot ask for all")
        else:
            expect.status(r, 400, why="the largest page is 100 items")


@pytest.mark.points(2)
def test_cursor_walks_every_event_once(fresh_app):
    """Following next_cursor from the first page lists every event once; the last page has null."""
    ids = create(fresh_app, 17)
    seen, r, cursor = [], None, None
    for _ in range(10):
        r, got, cursor = page(fresh_app, limit=5, **({"cursor": cursor} if cursor else {}))
        seen += got
        if cursor is None:
            break
    exactly_once(r, seen, ids[::-1], "a client walking the pages must see each event once")
    if cursor is not None:
        expect.fail(r, '"next_cursor": null on the last page', "it is how a client knows to stop")


@pytest.mark.points(2)
def test_link_header_leads_to_the_next_page(fresh_app, checks):
    """Each page but the last sends Link: <…>; rel="next", and following it gives the next page
    (8 events, limit 4: the second page is full and the last)."""
    ids = create(fresh_app, 8)
    r, got, cursor = page(fresh_app, limit=4)
    seen, pages = list(got), 1
    while cursor is not None and pages < 10:
        with checks.case(f'page {pages}: Link rel="next"'):
            target = next_link(r)
            if target is None:
                expect.fail(
                    r,
                    'a header Link: </events?limit=4&cursor=…>; rel="next"',
                    "generic clients follow Link headers without knowing your JSON (RFC 8288)",
                )
        if target is None:
            target = f"/events?limit=4&cursor={cursor}"  # go on, so the other cases are graded
        r, got, cursor = page(fresh_app, target)
        seen += got
        pages += 1
    with checks.case('the last page has no Link rel="next"'):
        if next_link(r) is not None:
            expect.fail(r, "no rel=next link on the last page", "there is nothing after it")
    with checks.case("the pages reached through the links"):
        exactly_once(r, seen, ids[::-1], "the link must keep the limit and the position")
        if pages != 2:
            expect.fail(
                r,
                f"2 pages of 4 events, not {pages}",
                "following the links must give pages of the limit first asked for (does your "
                "next link keep limit=4?), and a full page that is the last one has no next "
                "page (fetch one row more than the limit to know whether another follows)",
            )


@pytest.mark.points(3)
def test_rows_inserted_between_pages_cause_no_duplicates(fresh_app):
    """New events created while a client pages cause no duplicates and no gaps."""
    ids = create(fresh_app, 20)
    seen, r, cursor = [], None, None
    for _ in range(10):
        r, got, cursor = page(fresh_app, limit=6, **({"cursor": cursor} if cursor else {}))
        seen += got
        if cursor is None:
            break
        create(fresh_app, 3)  # new rows arrive at the top of the feed
    exactly_once(
        r,
        seen,
        ids[::-1],
        "3 events were created after each page; with an offset they push old rows onto the next "
        "page (duplicates). A keyset cursor remembers the last id shown: "
        "WHERE id < :last ORDER BY id DESC",
    )


@pytest.mark.points(2)
def test_a_cursor_gives_the_same_page_later(fresh_app):
    """A cursor fetched again, after new events were created, gives the same page."""
    create(fresh_app, 12)
    _, _, cursor = page(fresh_app, limit=5)
    if cursor is None:
        pytest.fail("GET /events?limit=5 with 12 events gave no next_cursor; expected one")
    _, got, _ = page(fresh_app, limit=5, cursor=cursor)
    create(fresh_app, 4)
    again, got_again, _ = page(fresh_app, limit=5, cursor=cursor)
    if got_again != got:
        expect.fail(
            again,
            f"the same ids as before, {got} (4 events created in between), not {got_again}",
            "a cursor names a position in the data, so it keeps meaning the same rows",
        )


@pytest.mark.points(1)
def test_a_bad_cursor_is_400(app, checks):
    """A cursor the app never gave out answers 400 with a JSON error, never 500."""
    # The last two are base64 of JSON the app never wrote ({"before": "zz"}, {"before": true}).
    for bad in ["not a cursor", "!!!!", unique("zz~~")[:12], "%ff%fe",
                "eyJiZWZvcmUiOiAienoifQ", "eyJiZWZvcmUiOiB0cnVlfQ"]:
        with checks.case(f"GET /events?cursor={bad}"):
            r = app.get("/events", params={"cursor": bad})
            expect.status(r, 400, why="a client sent a cursor this API cannot read: its mistake")
            expect.json_object(r, "error")
