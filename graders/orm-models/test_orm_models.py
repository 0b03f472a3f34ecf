"""Grader for "ORM models: relationships, cascades and eager loading".

The grader drives the API over HTTP and reads the tables the README names (authors, posts,
tags, post_tags) as the PostgreSQL superuser: the links a post has, what a delete left behind,
the keys the schema declares. It counts the statements the server ran for GET /posts and GET
/authors with `postgres.count_statements()`. Every author, title and tag name is unique per run.

Equivalent mutants (nothing the README promises changes): the wording of the 404 error; a
`back_populates` emptied (four of them: it only keeps the two sides of a relationship in step in
memory inside one session, and no request reads the other side after changing one); and a body
on the 204 answers of the three DELETEs (Werkzeug sends a 204 without its body, whatever the
handler returns).
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from sandbox.grading import expect, unique

MAX_STATEMENTS = 3
POST_SHAPE = {"id": int, "title": str, "author": {"id": int, "name": str}, "tags": [str]}


# --- helpers -----------------------------------------------------------------------------------


def new_author(app, name: str | None = None) -> dict[str, Any]:
    name = name or unique("author")
    r = app.post("/authors", json={"name": name})
    expect.status(r, 201, why="the grader creates its own authors")
    author = expect.json_object(r, "id", "name")
    expect.shape(r, author, {"id": int, "name": str})
    return author


def new_post(app, author: dict[str, Any], tags: list[str], title: str | None = None) -> dict:
    title = title or unique("post")
    r = app.post(f"/authors/{author['id']}/posts", json={"title": title, "tags": tags})
    expect.status(r, 201, why="the grader creates its own posts")
    post = expect.json_object(r, "id", "title", "author", "tags")
    expect.shape(r, post, POST_SHAPE)
    return post


def want_post(post_id: int, title: str, author: dict, tags: list[str]) -> dict[str, Any]:
    return {
        "id": post_id,
        "title": title,
        "author": {"id": author["id"], "name": author["name"]},
        "tags": sorted(set(tags)),
    }


def listed_posts(app) -> dict[int, dict]:
    r = app.get("/posts")
    expect.status(r, 200, why="GET /posts lists every post")
    body = expect.json_object(r, "posts")
    expect.shape(r, body, {"posts": [POST_SHAPE]})
    return {p["id"]: p for p in body["posts"]}


def scalar(postgres, sql: str, params: tuple = ()) -> Any:
    with postgres.admin() as conn:
        row = conn.execute(sql, params).fetchone()
    return row[0] if row else None


def links_of_posts(postgres, post_ids: list[int]) -> int:
    return scalar(postgres, "SELECT count(*) FROM post_tags WHERE post_id = ANY(%s)", (post_ids,))


def tag_names_in_db(postgres, names: list[str]) -> list[str]:
    with postgres.admin() as conn:
        rows = conn.execute(
            "SELECT name FROM tags WHERE name = ANY(%s) ORDER BY name", (names,)
        ).fetchall()
    return [n for (n,) in rows]


def world(app, authors: int, posts_each: int, tags: int) -> dict[str, Any]:
    """Authors, each with posts, each post with one to three of a pool of tags."""
    pool = [unique("tag") for _ in range(tags)]
    made = []
    for _ in range(authors):
        author = new_author(app)
        for _ in range(posts_each):
            chosen = random.sample(pool, random.randint(1, min(3, tags)))
            post = new_post(app, author, chosen)
            made.append({"post": post, "author": author, "tags": chosen})
    return {"pool": pool, "made": made}


# --- creating and reading ----------------------------------------------------------------------


@pytest.mark.points(1)
def test_an_author_and_a_post_are_created(app):
    """POST /authors and POST /authors/<id>/posts answer 201 with the author and the post (tags sorted, once each)."""
    author = new_author(app)
    title = unique("Engines")
    tags = [unique("zeta"), unique("alpha")]
    r = app.post(f"/authors/{author['id']}/posts", json={"title": title, "tags": tags + tags[:1]})
    expect.status(r, 201, why="a new post is created for an existing author")
    post = expect.json_object(r, "id", "title", "author", "tags")
    expect.shape(r, post, POST_SHAPE)
    want = want_post(post["id"], title, author, tags)
    if post != want:
        expect.fail(
            r, f"{want} (tags sorted by name, a repeated one once)", "it is what was stored"
        )
    r = app.get(f"/posts/{post['id']}")
    expect.status(r, 200)
    if expect.json_body(r) != want:
        expect.fail(r, f"{want}", "GET /posts/<id> serves the stored post")


@pytest.mark.points(1)
def test_unknown_ids_are_404(app, checks):
    """A post for an unknown author, GET /posts/<unknown> and each DELETE of something unknown answer 404."""
    cases = [
        ("POST", "/authors/987654321/posts", {"title": "t", "tags": []}),
        ("GET", "/posts/987654321", None),
        ("DELETE", "/authors/987654321", None),
        ("DELETE", "/posts/987654321", None),
        ("DELETE", f"/tags/{unique('nosuchtag')}", None),
    ]
    for method, path, body in cases:
        with checks.case(f"{method} {path}"):
            r = app.request(method, path, json=body) if body else app.request(method, path)
            expect.status(r, 404, why="there is no such thing")


@pytest.mark.points(2)
def test_a_tag_is_one_row_shared_by_its_posts(app, postgres):
    """Posts given the same tag name share one row of tags, linked by one post_tags row per post."""
    author = new_author(app)
    name = unique("shared")
    first = new_post(app, author, [name])
    second = new_post(app, author, [name, unique("other")])
    with postgres.admin() as conn:
        tag_rows = conn.execute("SELECT id FROM tags WHERE name = %s", (name,)).fetchall()
        links = conn.execute(
            "SELECT pt.post_id FROM post_tags pt JOIN tags t ON t.id = pt.tag_id"
            " WHERE t.name = %s ORDER BY pt.post_id",
            (name,),
        ).fetchall()
    assert len(tag_rows) == 1, (
        f"Two posts ({first['id']}, {second['id']}) were created with the tag {name!r}; tags has"
        f" {len(tag_rows)} rows named {name!r}; expected 1: a tag is one row that many posts"
        " link to (many-to-many), found by its name and reused."
    )
    got = [p for (p,) in links]
    want = sorted([first["id"], second["id"]])
    assert got == want, (
        f"post_tags links tag {name!r} to posts {got}; expected {want} (one row per post and tag)."
    )


@pytest.mark.points(2)
def test_the_schema_declares_its_keys(app, postgres, checks):
    """posts.author_id is NOT NULL and references authors; post_tags references both sides, one row per pair; tags.name is UNIQUE."""
    import psycopg

    author = new_author(app)
    tag = unique("key")
    post = new_post(app, author, [tag])
    tag_id = scalar(postgres, "SELECT id FROM tags WHERE name = %s", (tag,))
    attempts = [
        (
            "a post whose author does not exist",
            "INSERT INTO posts (title, author_id) VALUES ('x', 987654321)",
            "posts.author_id must reference authors (a FOREIGN KEY)",
        ),
        (
            "a post with no author",
            "INSERT INTO posts (title, author_id) VALUES ('x', NULL)",
            "posts.author_id must be NOT NULL: every post has an author",
        ),
        (
            "a link to a post that does not exist",
            f"INSERT INTO post_tags (post_id, tag_id) VALUES (987654321, {int(tag_id or 0)})",
            "post_tags.post_id must reference posts (a FOREIGN KEY)",
        ),
        (
            "a link to a tag that does not exist",
            f"INSERT INTO post_tags (post_id, tag_id) VALUES ({post['id']}, 987654321)",
            "post_tags.tag_id must reference tags (a FOREIGN KEY)",
        ),
        (
            "the same link twice",
            f"INSERT INTO post_tags (post_id, tag_id) VALUES ({post['id']}, {int(tag_id or 0)})",
            "a post and a tag are linked at most once (PRIMARY KEY or UNIQUE on the pair)",
        ),
        (
            "a second tag with the same name",
            f"INSERT INTO tags (name) VALUES ('{tag}')",
            "tags.name must be UNIQUE",
        ),
    ]
    for what, sql, rule in attempts:
        with checks.case(what):
            try:
                with postgres.admin() as conn, conn.transaction():
                    conn.execute(sql)
                    raise _Accepted
            except (psycopg.errors.IntegrityError, psycopg.errors.NotNullViolation):
                continue
            except _Accepted:
                raise AssertionError(
                    f"The grader ran `{sql}` as the superuser and PostgreSQL accepted it (then"
                    f" the grader rolled it back); expected a refusal: {rule}."
                ) from None
            except psycopg.Error as exc:
                raise AssertionError(f"The grader ran `{sql}`; it failed with {exc!s}") from None


class _Accepted(Exception):
    pass


@pytest.fixture(scope="module")
def library(app) -> dict[str, Any]:
    """Enough rows that lazy loading shows: 6 authors with 3 posts each, over 8 tags."""
    return world(app, authors=6, posts_each=3, tags=8)


@pytest.mark.points(2)
def test_get_posts_lists_every_post_with_its_author_and_tags(app, library):
    """GET /posts lists every post in id order with its author and its tags (sorted by name)."""
    r = app.get("/posts")
    listed = listed_posts(app)
    for item in library["made"]:
        post = item["post"]
        want = want_post(post["id"], post["title"], item["author"], item["tags"])
        if listed.get(post["id"]) != want:
            expect.fail(
                r, f"a list holding {want}", "every post is listed with its author and tags"
            )
    ids = list(listed)
    if ids != sorted(ids):
        expect.fail(r, f"posts in id order; got ids {ids[:12]}", "the README fixes the order")


@pytest.mark.points(3)
def test_get_posts_runs_a_bounded_number_of_statements(app, postgres, library):
    """GET /posts runs at most 3 statements on the server, however many posts, authors and tags there are."""
    app.get("/posts")  # warm: the pool's first connection has its own set-up queries
    n = len(listed_posts(app))
    with postgres.count_statements() as counted:
        r = app.get("/posts")
    expect.status(r, 200)
    assert counted.total <= MAX_STATEMENTS, (
        f"GET /posts (listing {n} posts, {len(library['made'])} of them the grader's own): "
        f"{counted.describe()}\nexpected at most {MAX_STATEMENTS}: load every post's author and"
        " tags with the posts (joinedload/selectinload), not one query per post."
    )


@pytest.mark.points(1)
def test_get_authors_lists_each_author_with_their_posts(app, library):
    """GET /authors lists every author in id order with their posts ({id, title}, in id order)."""
    r = app.get("/authors")
    expect.status(r, 200, why="GET /authors lists every author")
    body = expect.json_object(r, "authors")
    expect.shape(
        r, body, {"authors": [{"id": int, "name": str, "posts": [{"id": int, "title": str}]}]}
    )
    listed = {a["id"]: a for a in body["authors"]}
    by_author: dict[int, dict] = {}
    for item in library["made"]:
        entry = by_author.setdefault(item["author"]["id"], {**item["author"], "posts": []})
        entry["posts"].append({"id": item["post"]["id"], "title": item["post"]["title"]})
    for author_id, want in by_author.items():
        if listed.get(author_id) != want:
            expect.fail(r, f"a list holding {want}", "every author is listed with their posts")
    ids = list(listed)
    if ids != sorted(ids):
        expect.fail(r, f"authors in id order; got ids {ids[:12]}", "the README fixes the order")


@pytest.mark.points(2)
def test_get_authors_runs_a_bounded_number_of_statements(app, postgres, library):
    """GET /authors runs at most 3 statements on the server, however many authors and posts there are."""
    app.get("/authors")
    with postgres.count_statements() as counted:
        r = app.get("/authors")
    expect.status(r, 200)
    n = len(expect.json_object(r, "authors")["authors"])
    assert counted.total <= MAX_STATEMENTS, (
        f"GET /authors (listing {n} authors): {counted.describe()}\nexpected at most"
        f" {MAX_STATEMENTS}: load the authors' posts with the authors (selectinload), not one"
        " query per author."
    )


# --- cascades ----------------------------------------------------------------------------------


@pytest.mark.points(3)
def test_deleting_an_author_deletes_their_posts_and_links(app, postgres, checks):
    """DELETE /authors/<id> answers 204 and deletes their posts and those posts' links; tags and other authors' posts stay."""
    shared = [unique("tag"), unique("tag")]
    gone, kept = new_author(app), new_author(app)
    gone_posts = [new_post(app, gone, shared[:1]), new_post(app, gone, shared)]
    kept_post = new_post(app, kept, shared)
    gone_ids = [p["id"] for p in gone_posts]
    r = app.delete(f"/authors/{gone['id']}")
    with checks.case("the answer"):
        expect.status(r, 204, why="the author is deleted")
        expect.no_body(r)
    with checks.case("the author's posts"):
        left = scalar(postgres, "SELECT count(*) FROM posts WHERE id = ANY(%s)", (gone_ids,))
        author_left = scalar(postgres, "SELECT count(*) FROM authors WHERE id = %s", (gone["id"],))
        assert left == 0 and author_left == 0, (
            f"After DELETE /authors/{gone['id']} (answered {r.status_code}), authors still has"
            f" {author_left} row for them and posts {left} of their posts {gone_ids}; expected"
            " none: deleting a parent deletes its children (cascade)."
        )
    with checks.case("their posts' links"):
        links = links_of_posts(postgres, gone_ids)
        assert links == 0, (
            f"post_tags still holds {links} links of the deleted posts {gone_ids}; expected 0."
        )
    with checks.case("the tags and other posts"):
        tags_left = tag_names_in_db(postgres, shared)
        listed = listed_posts(app)
        want = want_post(kept_post["id"], kept_post["title"], kept, shared)
        assert tags_left == sorted(shared) and listed.get(kept_post["id"]) == want, (
            f"After deleting author {gone['id']}, tags holds {tags_left} of {sorted(shared)} and"
            f" GET /posts shows another author's post as {listed.get(kept_post['id'])}; expected"
            f" both tags kept and {want}: tags are shared, never deleted with a post."
        )


@pytest.mark.points(2)
def test_deleting_a_post_removes_only_its_links(app, postgres, checks):
    """DELETE /posts/<id> answers 204 and removes its post_tags rows; its tags, its author and other posts stay."""
    author = new_author(app)
    tags = [unique("tag"), unique("tag")]
    gone, kept = new_post(app, author, tags), new_post(app, author, tags)
    r = app.delete(f"/posts/{gone['id']}")
    with checks.case("the answer and the post"):
        expect.status(r, 204, why="the post is deleted")
        expect.no_body(r)
        left = scalar(postgres, "SELECT count(*) FROM posts WHERE id = %s", (gone["id"],))
        assert left == 0, f"posts still holds post {gone['id']} after its DELETE answered 204"
    with checks.case("its links"):
        links = links_of_posts(postgres, [gone["id"]])
        assert links == 0, f"post_tags still holds {links} links of deleted post {gone['id']}"
    with checks.case("its tags, author and other posts"):
        tags_left = tag_names_in_db(postgres, tags)
        authors = scalar(postgres, "SELECT count(*) FROM authors WHERE id = %s", (author["id"],))
        listed = listed_posts(app)
        want = want_post(kept["id"], kept["title"], author, tags)
        assert tags_left == sorted(tags) and authors == 1 and listed.get(kept["id"]) == want, (
            f"After DELETE /posts/{gone['id']}: tags holds {tags_left} of {sorted(tags)}, the"
            f" author's row {'is there' if authors else 'is gone'}, and the other post is"
            f" {listed.get(kept['id'])}; expected both tags, the author and {want}: deleting one"
            " side of a many-to-many removes only the links."
        )


@pytest.mark.points(2)
def test_deleting_a_tag_removes_only_its_links(app, postgres, checks):
    """DELETE /tags/<name> answers 204 and removes the tag and its post_tags rows; its posts stay, without it."""
    author = new_author(app)
    doomed, other = unique("doomed"), unique("tag")
    posts = [new_post(app, author, [doomed, other]), new_post(app, author, [doomed])]
    r = app.delete(f"/tags/{doomed}")
    with checks.case("the answer and the tag"):
        expect.status(r, 204, why="the tag is deleted")
        expect.no_body(r)
        assert tag_names_in_db(postgres, [doomed]) == [], f"tags still holds {doomed!r}"
    with checks.case("its links"):
        links = links_of_posts(postgres, [p["id"] for p in posts])
        assert links == 1, (
            f"post_tags holds {links} links for posts {[p['id'] for p in posts]} after deleting"
            f" tag {doomed!r}; expected 1 (the first post's link to {other!r})."
        )
    with checks.case("its posts"):
        listed = listed_posts(app)
        for post, tags in ((posts[0], [other]), (posts[1], [])):
            want = want_post(post["id"], post["title"], author, tags)
            assert listed.get(post["id"]) == want, (
                f"After DELETE /tags/{doomed}, GET /posts shows post {post['id']} as"
                f" {listed.get(post['id'])}; expected {want}: the posts stay, without the tag."
            )
