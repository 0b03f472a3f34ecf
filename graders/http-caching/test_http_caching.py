"""The grader of http-caching: validators, conditional GETs and conditional PUTs.

Contract: exercises/http-caching/README.md. Every test creates its own article with unique text.
Messages name the headers sent and received, and the rule of RFC 9110/9111 behind them.
"""

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

import pytest

from sandbox.grading import expect, unique, unique_int

STRONG_ETAG = r'"[\x21\x23-\x7e]+"'  # RFC 9110 §8.8.3: a quoted opaque tag, no W/ prefix


def create(app):
    article = {"title": unique("title"), "body": unique("body")}
    r = app.post("/articles", json=article)
    expect.status(r, 201, why="the grader creates its own articles with POST /articles")
    created = expect.json_object(r, "id")
    return created["id"], f"/articles/{created['id']}"


def current(app, path):
    """GET the article: (response, its ETag)."""
    r = app.get(path)
    expect.status(r, 200)
    etag = expect.header(
        r, "ETag", matches=STRONG_ETAG, why='a strong ETag is a quoted string, like "3f2a9c"'
    )
    return r, etag


def http_date(when):
    return format_datetime(when.astimezone(UTC), usegmt=True)


def last_modified(r):
    value = expect.header(r, "Last-Modified", why="Last-Modified lets caches revalidate by date")
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        when = None
    if when is None or when.tzinfo is None:
        expect.fail(r, f"Last-Modified as an HTTP date (Tue, 01 Dec 2026 21:04:11 GMT), not {value!r}")
    return when


def put(app, path, if_match=None):
    headers = {"If-Match": if_match} if if_match is not None else {}
    body = {"title": unique("title"), "body": unique("body")}
    return app.put(path, json=body, headers=headers), body


def not_modified(r, etag, why):
    expect.status(r, 304, why=why)
    expect.no_body(r, why="a 304 must not carry a body: the client already has it")
    expect.header(r, "ETag", equals=etag, why="a 304 repeats the ETag the client may keep using")


@pytest.mark.points(1)
def test_create_answers_201_with_validators(app):
    """POST /articles answers 201 with the article, an ETag and a Last-Modified date."""
    article = {"title": unique("title"), "body": unique("body")}
    r = app.post("/articles", json=article)
    expect.status(r, 201)
    created = expect.json_object(r, "id", "title", "body")
    if {k: created[k] for k in article} != article:
        expect.fail(r, f"the article sent: {article}")
    expect.header(r, "ETag", matches=STRONG_ETAG, why="every representation carries its ETag")
    last_modified(r)
    expect.header(r, "Location", matches=rf"(https?://[^/]+)?/articles/{created['id']}",
                  why="a 201 says where the new article lives")


@pytest.mark.points(2)
def test_get_sends_a_strong_etag_that_names_the_content(app):
    """GET /articles/<id> sends a strong ETag: the same for the same content, different for another article."""
    _, path = create(app)
    _, other_path = create(app)
    _, etag = current(app, path)
    again, etag_again = current(app, path)
    if etag_again != etag:
        expect.fail(again, f"ETag {etag} again: nothing changed", "an ETag names one version")
    other, other_etag = current(app, other_path)
    if other_etag == etag:
        expect.fail(other, f"an ETag other than {etag}: this is another article")


@pytest.mark.points(2)
def test_if_none_match_gives_304_without_a_body(app, checks):
    """GET with If-None-Match holding the current ETag answers 304 Not Modified with no body."""
    _, path = create(app)
    _, etag = current(app, path)
    with checks.case(f"If-None-Match: {etag}"):
        r = app.get(path, headers={"If-None-Match": etag})
        not_modified(r, etag, "the client's copy is current: say so in a few bytes")
    with checks.case(f'If-None-Match: "stale-tag", {etag}'):
        r = app.get(path, headers={"If-None-Match": f'"stale-tag", {etag}'})
        not_modified(r, etag, "If-None-Match may list several tags; one of them is current")


@pytest.mark.points(1)
def test_a_stale_if_none_match_gives_200(app):
    """GET with an If-None-Match that is not the current ETag answers 200 with the article."""
    _, path = create(app)
    r, _ = current(app, path)
    other = app.get(path, headers={"If-None-Match": '"not-the-current-tag"'})
    expect.status(other, 200, why="the client's copy is not the current one: send the article")
    if other.content != r.content:
        expect.fail(other, f"the article: {r.text}")


@pytest.mark.points(1)
def test_the_etag_changes_when_the_article_changes(app):
    """After a PUT the ETag is new, and GET sends the new one."""
    _, path = create(app)
    _, etag = current(app, path)
    r, _ = put(app, path, if_match=etag)
    expect.status(r, 200, why="a PUT with the current ETag in If-Match succeeds")
    new_etag = expect.header(r, "ETag", matches=STRONG_ETAG, why="a PUT's answer has the new ETag")
    if new_etag == etag:
        expect.fail(r, f"an ETag other than {etag}", "the content changed, so its validator must")
    fetched, fetched_etag = current(app, path)
    if fetched_etag != new_etag:
        expect.fail(fetched, f"ETag {new_etag}, the one the PUT answered")
    stale = app.get(path, headers={"If-None-Match": etag})
    expect.status(stale, 200, why=f"{etag} is the old version's tag: the client must get the new one")


@pytest.mark.points(2)
def test_if_modified_since(app, checks):
    """Last-Modified is sent; If-Modified-Since at that date answers 304, an earlier date 200."""
    _, path = create(app)
    r, etag = current(app, path)
    when = last_modified(r)
    with checks.case("Last-Modified is not in the future"):
        if when > datetime.now(UTC) + timedelta(seconds=5):
            expect.fail(r, "Last-Modified at or before now")
    with checks.case(f"If-Modified-Since: {http_date(when)}"):
        r = app.get(path, headers={"If-Modified-Since": http_date(when)})
        not_modified(r, etag, "not modified since the date the client has")
    with checks.case(f"If-Modified-Since: {http_date(when - timedelta(hours=1))}"):
        r = app.get(path, headers={"If-Modified-Since": http_date(when - timedelta(hours=1))})
        expect.status(r, 200, why="the article changed after that date: send it")
    with checks.case("If-Modified-Since: yesterday-ish (not a date)"):
        r = app.get(path, headers={"If-Modified-Since": "yesterday-ish"})
        expect.status(r, 200, why="an invalid date is ignored (RFC 9110 §13.1.3)")


@pytest.mark.points(1)
def test_if_none_match_wins_over_if_modified_since(app):
    """With both headers, If-None-Match decides: a stale tag gets 200 whatever the date says."""
    _, path = create(app)
    r, _ = current(app, path)
    headers = {
        "If-None-Match": '"an-old-version"',
        "If-Modified-Since": http_date(last_modified(r)),  # alone, this would be a 304
    }
    r = app.get(path, headers=headers)
    expect.status(
        r, 200, why="RFC 9110 §13.1.3: when If-None-Match is sent, If-Modified-Since is ignored"
    )


@pytest.mark.points(2)
def test_cache_control_per_resource(app, checks):
    """Articles send Cache-Control: max-age=60; /account sends Cache-Control: no-store."""
    _, path = create(app)
    with checks.case(f"GET {path}"):
        r = app.get(path)
        value = expect.header(r, "Cache-Control", why="say how long a copy stays fresh")
        directives = {d.strip().lower() for d in value.split(",")}
        if "max-age=60" not in directives or {"no-store", "no-cache", "private"} & directives:
            expect.fail(r, f"Cache-Control with max-age=60 (and not no-store, no-cache or private), not {value!r}")
    with checks.case("GET /account"):
        r = app.get("/account")
        expect.status(r, 200)
        value = expect.header(r, "Cache-Control", why="private data must say it is not to be stored")
        directives = {d.strip().lower() for d in value.split(",")}
        if "no-store" not in directives:
            expect.fail(r, f"Cache-Control: no-store, not {value!r}", "no cache may keep a copy of it")


@pytest.mark.points(1)
def test_put_with_the_current_etag_succeeds(app):
    """PUT with If-Match holding the current ETag answers 200 with the new article."""
    article_id, path = create(app)
    _, etag = current(app, path)
    r, body = put(app, path, if_match=etag)
    expect.status(r, 200, why="If-Match holds the current ETag: the client saw the latest version")
    got = expect.json_object(r, "id", "title", "body")
    if got != {"id": article_id, **body}:
        expect.fail(r, f"the new article {dict(id=article_id, **body)}")


@pytest.mark.points(3)
def test_a_stale_if_match_is_412_and_no_update_is_lost(app):
    """Two clients edit the same version: the second PUT answers 412 and the first one's change stays."""
    _, path = create(app)
    _, etag = current(app, path)  # both clients read this version
    first, first_body = put(app, path, if_match=etag)
    expect.status(first, 200, why="the first writer's If-Match is current")
    second, _ = put(app, path, if_match=etag)
    expect.status(
        second,
        412,
        why=f"the second client's If-Match: {etag} names a version that is gone; writing anyway "
        "would silently erase the first client's change (a lost update)",
    )
    error = expect.json_object(second, "error", why="errors are JSON, as everywhere in this API")
    if not isinstance(error["error"], str) or not error["error"].strip():
        expect.fail(second, 'a message under "error"')
    kept = app.get(path)
    got = expect.json_object(kept, "title", "body")
    if {k: got[k] for k in ("title", "body")} != first_body:
        expect.fail(kept, f"the first client's article {first_body}", "a 412 changes nothing")


@pytest.mark.points(1)
def test_put_without_if_match_is_428(app):
    """PUT without If-Match answers 428 Precondition Required and changes nothing."""
    _, path = create(app)
    before = app.get(path)
    r, _ = put(app, path)
    expect.status(r, 428, why="the API requires If-Match, so no client can overwrite blindly")
    error = expect.json_object(r, "error", why="errors are JSON, as everywhere in this API")
    if not isinstance(error["error"], str) or not error["error"].strip():
        expect.fail(r, 'a message under "error"')
    after = app.get(path)
    if after.content != before.content:
        expect.fail(r, f"the article unchanged: {before.text}")



@pytest.mark.points(1)
def test_bad_bodies_and_unknown_ids(app, checks):
    """An invalid body is a 400 and an unknown id a 404, with a JSON error; a 400 changes nothing."""
    _, path = create(app)
    before, etag = current(app, path)
    with checks.case('POST /articles with {"title": ""}'):
        r = app.post("/articles", json={"title": "", "body": unique("b")})
        expect.status(r, 400, why="title and body must be non-blank strings")
        expect.json_object(r, "error")
    with checks.case(f'PUT {path} with If-Match: {etag} and {{"body": 7}}'):
        r = app.put(path, json={"title": unique("t"), "body": 7}, headers={"If-Match": etag})
        expect.status(r, 400, why="title and body must be non-blank strings")
        if app.get(path).content != before.content:
            expect.fail(r, "the article unchanged", "a refused PUT changes nothing")
    missing = f"/articles/{10**9 + unique_int(1, 10**6)}"
    with checks.case(f"GET {missing}"):
        expect.status(app.get(missing), 404, why="no such article")
    with checks.case(f"PUT {missing}"):
        r = app.put(missing, json={"title": "t", "body": "b"}, headers={"If-Match": '"x"'})
        expect.status(r, 404, why="no such article")


@pytest.mark.points(1)
def test_last_modified_moves_on_after_a_put(app):
    """After a PUT, Last-Modified is the time of that change (the grader waits one second)."""
    _, path = create(app)
    r, etag = current(app, path)
    first = last_modified(r)
    time.sleep(1.0)
    put_r, _ = put(app, path, if_match=etag)
    expect.status(put_r, 200)
    later = last_modified(app.get(path))
    if later <= first:
        expect.fail(
            put_r,
            f"a Last-Modified after {http_date(first)}, not {http_date(later)}",
            "a cache holding the old version would be told it is still current",
        )
