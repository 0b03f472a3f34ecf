"""The grader of cors: an allow-list of origins, preflights, Vary: Origin, credentials.

Contract: exercises/cors/README.md. The allowed origins are fixed by the README; refused ones are
random, and look-alikes of the allowed ones (another scheme, port, or a suffix) must be refused.
"""

import secrets

import pytest

from sandbox.grading import expect, unique

ALLOWED = ["https://app.example.com", "https://admin.example.com:8443"]
ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"


def refused_origins():
    return [
        f"https://evil-{secrets.token_hex(4)}.example",
        f"https://app.example.com.evil-{secrets.token_hex(3)}.test",
        f"https://evil{secrets.token_hex(2)}app.example.com",
        "http://app.example.com",
        "https://app.example.com:444",
        "https://admin.example.com",
        "null",
    ]


def preflight(app, origin, method="PUT", headers="content-type, authorization", path="/api/items"):
    hdrs = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        hdrs["Access-Control-Request-Headers"] = headers
    return app.request("OPTIONS", path, headers=hdrs)


def listed(r, name):
    return {v.strip().lower() for v in r.headers.get(name, "").split(",") if v.strip()}


def no_cors(r, why):
    expect.header(r, ACAO, absent=True, why=why)
    expect.header(r, ACAC, absent=True, why="credentials are only ever allowed with an allowed origin")


@pytest.mark.points(2)
def test_an_allowed_origin_is_echoed_with_credentials(app, checks):
    """A request from an allowed origin gets Access-Control-Allow-Origin: <that origin> and credentials."""
    for origin in ALLOWED:
        with checks.case(f"GET /api/items with Origin: {origin}"):
            r = app.get("/api/items", headers={"Origin": origin})
            expect.status(r, 200)
            expect.header(
                r, ACAO, equals=origin,
                why="with credentials, the browser needs its exact origin back: '*' is refused",
            )
            expect.header(r, ACAC, equals="true", why="the front ends send cookies")


@pytest.mark.points(2)
def test_a_refused_origin_gets_no_cors_headers(app, checks):
    """Other origins, look-alikes included, get no Access-Control-Allow-Origin (the data still comes)."""
    for origin in refused_origins():
        with checks.case(f"GET /api/items with Origin: {origin}"):
            r = app.get("/api/items", headers={"Origin": origin})
            expect.status(r, 200, why="CORS is enforced by the browser; the server still answers")
            no_cors(r, "a refused origin gets no Access-Control-Allow-Origin: the browser then "
                       "hides the answer from that page's script")


@pytest.mark.points(1)
def test_without_origin_there_are_no_cors_headers(app):
    """A request without Origin (curl, a server) gets no CORS headers."""
    r = app.get("/api/items")
    expect.status(r, 200)
    no_cors(r, "no Origin, no cross-origin page to allow")


@pytest.mark.points(1)
def test_api_answers_vary_on_origin(app, checks):
    """Every /api answer sends Vary: Origin, whatever the Origin."""
    for origin in [ALLOWED[0], refused_origins()[0], None]:
        with checks.case(f"GET /api/items with Origin: {origin}"):
            r = app.get("/api/items", headers={"Origin": origin} if origin else {})
            if "origin" not in listed(r, "Vary"):
                expect.fail(
                    r, f"Vary containing Origin, not {r.headers.get('Vary')!r}",
                    "the answer differs by Origin: a cache that ignores it would hand one "
                    "origin's Access-Control-Allow-Origin to another",
                )


@pytest.mark.points(2)
def test_an_allowed_preflight_is_answered(app, checks):
    """OPTIONS preflights from an allowed origin get the origin, methods, headers, Max-Age and credentials."""
    for origin, method, headers in [
        (ALLOWED[0], "PUT", "Content-Type, Authorization"),
        (ALLOWED[1], "DELETE", "x-request-id"),
        (ALLOWED[0], "POST", None),
        (ALLOWED[1], "GET", "authorization"),  # an Authorization header makes even a GET preflight
        (ALLOWED[0], "PUT", "Content-Type, Authorization, X-Request-Id"),  # every allowed one
    ]:
        with checks.case(f"OPTIONS /api/items from {origin} for {method} with {headers}"):
            r = preflight(app, origin, method, headers)
            expect.status(r, [200, 204], why="a preflight is answered before the real request")
            expect.header(
                r,
                ACAO,
                equals=origin,
                why="an allowed origin asking for an allowed method and allowed headers gets its "
                "origin back (header names compare case-insensitively: x-request-id is "
                "X-Request-Id)",
            )
            expect.header(r, ACAC, equals="true", why="the real request will carry cookies")
            if method.lower() not in listed(r, "Access-Control-Allow-Methods"):
                expect.fail(r, f"Access-Control-Allow-Methods listing {method}")
            wanted = {h.strip().lower() for h in (headers or "").split(",") if h.strip()}
            if not wanted <= listed(r, "Access-Control-Allow-Headers"):
                expect.fail(r, f"Access-Control-Allow-Headers listing {headers}")
            expect.header(r, "Access-Control-Max-Age", equals="600",
                          why="the browser may reuse this answer for 10 minutes")


@pytest.mark.points(2)
def test_a_refused_preflight_gets_no_allow_origin(app, checks):
    """A preflight from a refused origin, for another method or with another header gets no Access-Control-Allow-Origin."""
    cases = [(o, "PUT", "content-type") for o in refused_origins()[:3]] + [
        (ALLOWED[0], "PATCH", "content-type"),
        (ALLOWED[0], "PUT", f"x-secret-{secrets.token_hex(3)}"),
        (ALLOWED[1], "TRACE", None),
    ]
    for origin, method, headers in cases:
        with checks.case(f"OPTIONS /api/items from {origin} for {method} with {headers}"):
            r = preflight(app, origin, method, headers)
            if r.status_code >= 500:
                expect.status(r, [200, 204, 403], why="a refusal is not a crash")
            no_cors(r, "a refused preflight gets no Access-Control-Allow-Origin, so the browser "
                       "never sends the real request")


@pytest.mark.points(1)
def test_real_requests_and_errors_carry_cors(app, checks):
    """POST, DELETE and error answers to an allowed origin carry its Access-Control-Allow-Origin too."""
    origin = ALLOWED[1]
    with checks.case("POST /api/items"):
        r = app.post("/api/items", json={"name": unique("item")}, headers={"Origin": origin})
        expect.status(r, 201)
        expect.header(r, ACAO, equals=origin, why="the preflight allowed it; the answer must too")
        item_id = r.json()["id"]
    with checks.case(f"DELETE /api/items/{item_id}"):
        r = app.delete(f"/api/items/{item_id}", headers={"Origin": origin})
        expect.status(r, 204)
        expect.header(r, ACAO, equals=origin, why="without it the page cannot see the DELETE worked")
    with checks.case(f"DELETE /api/items/{item_id} again (404)"):
        r = app.delete(f"/api/items/{item_id}", headers={"Origin": origin})
        expect.status(r, 404)
        expect.header(r, ACAO, equals=origin, why="the page must be able to read errors too")


@pytest.mark.points(1)
def test_the_public_endpoint_uses_a_wildcard_without_credentials(app, checks):
    """/public/status sends Access-Control-Allow-Origin: * and never Allow-Credentials."""
    for origin in [refused_origins()[0], ALLOWED[0]]:
        with checks.case(f"GET /public/status with Origin: {origin}"):
            r = app.get("/public/status", headers={"Origin": origin})
            expect.status(r, 200)
            expect.header(r, ACAO, equals="*", why="public data, readable from any page")
            expect.header(r, ACAC, absent=True,
                          why="'*' with credentials is forbidden: browsers refuse the pair")
