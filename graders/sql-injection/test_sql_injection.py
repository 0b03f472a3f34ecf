"""Grader for "SQL injection: parameters and allow-lists".

The grader attacks the search and the login the way an attacker would (a quote that closes the
string, OR 1=1, UNION, a stacked DROP TABLE, LIKE wildcards, a sort column that is SQL) and
checks that honest input with quotes, % and _ in it still works. Every product and user it makes
carries a unique tag, so only its own rows match its searches.

Equivalent mutants (nothing the README promises changes): the seed products' names and prices
and whether they are inserted (the grader searches only for its own rows), the `, id`
tie-breaker in ORDER BY (the grader's rows never tie on the sort key), `get_json(silent=False)`
(the grader always sends JSON), `'ASC'` -> `''` (ascending is SQL's default), the wording of
the sort error (still a message), and `price < 0` -> `price < -1` (the README does not say a
negative price is refused).
"""

from __future__ import annotations

import hashlib

import pytest

from sandbox.grading import expect, open_sqlite_readonly, unique, unique_int, unique_password


def make_product(app, name: str, price: int) -> dict:
    r = app.post("/products", json={"name": name, "price_cents": price})
    expect.status(r, 201, why="the grader creates its own products to search for")
    return expect.json_object(r, "id", "name", "price_cents")


def make_user(app, username: str, password: str) -> None:
    r = app.post("/users", json={"username": username, "password": password})
    expect.status(r, 201, why="the grader signs up its own users to log in with")


def search(app, **params):
    r = app.get("/products/search", params=params)
    return r


def names(app, r, why: str) -> list[str]:
    expect.status(r, 200, why=why)
    body = expect.json_object(r, "products")
    expect.shape(r, body, {"products": [{"id": int, "name": str, "price_cents": int}]})
    return [p["name"] for p in body["products"]]


@pytest.fixture(scope="module")
def catalog(app) -> dict:
    """Three products sharing a unique tag, with distinct prices."""
    tag = unique("mug")
    prices = [unique_int(100, 999), unique_int(1000, 1999), unique_int(2000, 2999)]
    rows = [
        (f"Cobalt {tag}", prices[1]),
        (f"Amber {tag}", prices[2]),
        (f"Birch {tag}", prices[0]),
    ]
    made = [make_product(app, n, p) for n, p in rows]
    return {"tag": tag, "made": made}


def error_message(r) -> str:
    """The answer's {"error": "<a message>"}: a JSON object whose error is a non-empty string."""
    err = expect.json_object(r, "error")["error"]
    if not isinstance(err, str) or not err:
        expect.fail(r, '{"error": "<a message>"}, a non-empty string', "the client reads why")
    return err


@pytest.mark.points(1)
def test_plain_search_finds_products_sorted_by_name(app, catalog, checks):
    """A plain search returns the products whose name contains q, sorted by name by default."""
    want = sorted(p["name"] for p in catalog["made"])
    with checks.case(f"q={catalog['tag']}"):
        got = names(app, search(app, q=catalog["tag"]), "an honest search must keep working")
        assert got == want, f"GET /products/search?q={catalog['tag']} gave {got}; expected {want}."
    with checks.case("no q at all"):
        got = names(app, search(app), "a missing q matches every product")
        mine = [name for name in got if catalog["tag"] in name]
        assert mine == want, (
            f"GET /products/search (no q) gave {len(got)} products, of the grader's {mine}; "
            f"expected every product, the grader's among them in name order: {want}."
        )


@pytest.mark.points(1)
def test_sort_by_price_in_both_orders(app, catalog, checks):
    """sort=price and order=asc|desc order the results by price; a price of 0 is fine."""
    with checks.case("a product priced 0"):
        free = make_product(app, f"Gift {unique('free')}", 0)
        r = search(app, q=free["name"], sort="price")
        got = names(app, r, "a free product is a product")
        assert got == [free["name"]], f"Searching {free['name']!r} gave {got}; expected it."
    by_price = sorted(catalog["made"], key=lambda p: p["price_cents"])
    for order, want in (("asc", by_price), ("desc", by_price[::-1])):
        with checks.case(f"sort=price&order={order}"):
            r = search(app, q=catalog["tag"], sort="price", order=order)
            got = names(app, r, "sorting by an allowed column must work")
            assert got == [p["name"] for p in want], (
                f"GET /products/search?q={catalog['tag']}&sort=price&order={order} gave {got}; "
                f"expected {[p['name'] for p in want]} (prices {[p['price_cents'] for p in want]})."
            )


@pytest.mark.points(2)
def test_names_with_quotes_are_stored_and_found(app, checks):
    """Honest names with quotes in them can be created and searched for."""
    tag = unique("quote")
    for name, q in ((f"Kid's mug {tag}", f"kid's mug {tag}"), (f'The "Big" one {tag}', '"Big"')):
        with checks.case(f"create {name!r}, search q={q!r}"):
            make_product(app, name, 500)
            got = names(app, search(app, q=q), "a quote is ordinary text, not SQL")
            assert name in got, (
                f"Searching q={q!r} gave {got}; expected it to contain {name!r}. A quote in a "
                "value ends the SQL string literal when the value is pasted into the SQL text; "
                "bound as a ? parameter it is just a character. (Search is case-insensitive.)"
            )


@pytest.mark.points(2)
def test_like_wildcards_in_q_are_literal(app, checks):
    """%, _ and \\ in q match themselves only, not any text or any character."""
    tag = unique("pct")
    percent, plain = f"100% wool {tag}", f"1000 wool {tag}"
    under, other = f"size_s {tag}", f"sizeXs {tag}"
    slash, no_slash = f"back\\slash {tag}", f"backslash {tag}"
    for name in (percent, plain, under, other, slash, no_slash):
        make_product(app, name, 700)
    for q, want in (
        (f"100% wool {tag}", [percent]),
        (f"size_s {tag}", [under]),
        (f"%{tag}", []),
        (slash, [slash]),
    ):
        with checks.case(f"q={q!r}"):
            got = names(app, search(app, q=q), "an honest search for % or _ must work")
            assert sorted(got) == sorted(want), (
                f"Searching q={q!r} gave {got}; expected {want}. In LIKE, % means any text and "
                "_ any one character: bound as a parameter they are still wildcards. Escape "
                "them (and the escape character) and add ESCAPE '\\' to the LIKE, or match "
                "with instr()."
            )


@pytest.mark.points(2)
def test_or_1_equals_1_in_search_returns_nothing(app, catalog, checks):
    """q = "' OR 1=1 --" is searched for as text: no product is named that, so nothing comes back."""
    for q in ("zz' OR 1=1 --", "zz%' OR '1'='1", "zz' OR name LIKE '%"):
        with checks.case(f"q={q!r}"):
            got = names(app, search(app, q=q), "an attack string is just an odd search term")
            assert got == [], (
                f"Searching q={q!r} gave {len(got)} products (e.g. {got[:3]}); expected none. "
                "The quote closed the SQL string and OR 1=1 made the WHERE true for every row: "
                "the value became SQL. Bind q with a ? placeholder."
            )


@pytest.mark.points(2)
def test_union_cannot_read_the_users_table(app, checks):
    """A UNION SELECT in q does not leak usernames or password hashes."""
    username, password = unique("victim"), unique_password()
    make_user(app, username, password)
    digest = hashlib.sha256(password.encode()).hexdigest()
    for q in (
        "zz' UNION SELECT id, username, password_hash FROM users --",
        "zz' UNION SELECT 1, username || ':' || password_hash, 2 FROM users --",
    ):
        with checks.case(f"q={q!r}"):
            r = search(app, q=q)
            leaked = username in r.text or digest in r.text
            assert not leaked, (
                f"Searching q={q!r} answered {r.status_code} with the user {username!r} "
                f"(or their password hash) in it: {r.text[:300]!r}. UNION glued a second query "
                "onto yours and its rows came back as products. Bind q as a parameter."
            )
            got = names(app, r, "an attack string is just an odd search term")
            assert got == [], f"Searching q={q!r} gave {got}; expected no products."


@pytest.mark.points(1)
def test_stacked_drop_table_does_nothing(app, catalog, checks):
    """q = "'; DROP TABLE products; --" answers 200 with no products, and the table survives."""
    q = "zz'; DROP TABLE products; --"
    with checks.case(f"q={q!r} answers 200 with no products"):
        got = names(app, search(app, q=q), "a search never errors on odd text")
        assert got == [], f"Searching q={q!r} gave {got}; expected none."
    with checks.case("the products table is still there"):
        conn = open_sqlite_readonly(app.workdir / "shop.db")
        try:
            tables = [
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
        finally:
            conn.close()
        assert "products" in tables, f"shop.db now has the tables {tables}: products was dropped."
        got = names(app, search(app, q=catalog["tag"]), "the products must survive an attack")
        assert len(got) == 3, f"After the attack, searching {catalog['tag']!r} gave {got}."


@pytest.mark.points(1)
def test_honest_login_works_with_quotes_in_the_name(app, checks):
    """Sign-up and login work (a quote in the name too); a taken name is 409, a wrong password 401."""
    for username in (unique("alice"), unique("o'neil")):
        password = unique_password()
        with checks.case(f"sign up and log in as {username!r}"):
            make_user(app, username, password)
            r = app.post("/login", json={"username": username, "password": password})
            expect.status(r, 200, why="the right password logs in")
            body = expect.json_object(r, "username")
            assert body["username"] == username, (
                f"POST /login answered {body}; expected {username!r}."
            )
        with checks.case(f"{username!r} with a wrong password"):
            r = app.post("/login", json={"username": username, "password": password + "x"})
            expect.status(r, 401, why="a wrong password must not log in")
            error_message(r)
        with checks.case(f"sign up as {username!r} again"):
            r = app.post("/users", json={"username": username, "password": unique_password()})
            expect.status(r, 409, why="the username is taken: two accounts cannot share it")
            error_message(r)


@pytest.mark.points(3)
def test_login_cannot_be_bypassed(app, checks):
    """Usernames such as "alice' --" or "' OR 1=1 --" with a wrong password are 401."""
    victim = unique("admin")
    make_user(app, victim, unique_password())
    for username in (f"{victim}' --", f"{victim}'/*", "' OR 1=1 --", "x' OR '1'='1' --"):
        with checks.case(f"username {username!r}"):
            r = app.post("/login", json={"username": username, "password": "wrong"})
            expect.status(
                r,
                401,
                why=(
                    "the quote closed the username literal and -- commented out the password "
                    "check (or OR 1=1 matched every user): bind both values with ? placeholders"
                ),
            )


@pytest.mark.points(2)
def test_sort_and_order_go_through_an_allow_list(app, catalog, checks):
    """A sort that is not name or price, or an order that is not asc or desc, is 400."""
    bad = [
        {"sort": "id"},
        {"sort": "price_cents"},
        {"sort": "(SELECT password_hash FROM users LIMIT 1)"},
        {"sort": "name; DROP TABLE products"},
        {"sort": "NAME"},
        {"sort": "name", "order": "desc; --"},
        {"sort": "name", "order": "sideways"},
    ]
    for params in bad:
        with checks.case(f"{params}"):
            r = search(app, q=catalog["tag"], **params)
            expect.status(
                r,
                400,
                why=(
                    "a column name or ASC/DESC cannot be a ? parameter (placeholders stand for "
                    "values, not for SQL): the only safe way is to pick the SQL text from a fixed "
                    "list and refuse everything else"
                ),
            )
            error_message(r)


@pytest.mark.points(1)
def test_missing_fields_are_400(app, checks):
    """Sign-up, login and new products without their fields are 400 with a JSON error."""
    for path, body in (
        ("/users", {"username": unique("nopw")}),
        ("/users", {"password": "pw"}),
        ("/login", {"username": unique("nopw")}),
        ("/login", {}),
        ("/products", {"price_cents": 100}),
        ("/products", {"name": unique("noprice")}),
    ):
        with checks.case(f"POST {path} {body}"):
            r = app.post(path, json=body)
            expect.status(r, 400, why="a request without its required fields is the client's error")
            error_message(r)
