"""Grader for load-balancer: the app is a reverse proxy in front of three upstreams the grader runs.

Contract (exercises/load-balancer/README.md): every request is forwarded round-robin (strict
rotation, also under a burst of 30 at once); an upstream whose connection fails is out of the
rotation for 10 s on the app's clock (not tried at all, even if it is back sooner), then gets its
turn again; a GET or HEAD whose connection failed is retried at once on the next upstream that is
up, any other method answers 502 and is not sent anywhere else; 502 with a JSON error when no
upstream answers; X-Forwarded-For gets the client's address appended; hop-by-hop headers
(Connection and the names it lists, Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade,
Proxy-*) are dropped both ways; everything else (method, path and query, end-to-end headers,
body, status) passes unchanged.

The upstreams are the grader's (`kill()` refuses connections, `revive()` listens again on the
same port). Time is the app's clock, moved with `clock.advance`: no test sleeps. Every test first
moves the clock past any earlier test's 10 s window, so each starts with all three in rotation.

Mutants (`sandbox verify load-balancer --mutants`: 70 of 76 caught) that survive are equivalent:
the window 10 -> 11 s (the grader looks at 5 s and 11 s; a one-second boundary cannot be told
apart while real time runs underneath); `start + k` -> `start - k` (a retry goes to the previous
upstream instead of the next: still another upstream that is up, which is what the README asks);
the Connection default '' -> 'XX' (names no header the grader sends); the timeout 3 -> 4 s (no
upstream is ever slow); and the two 502 error texts (only the status and the JSON shape count).
"""

import json
import secrets

import pytest

from sandbox.grading import burst, expect, responses, unique
from sandbox.grading.services import UpstreamResponse

DOWN_FOR_S = 10
CLIENT = "127.0.0.1"  # where the grader's requests come from, as the app sees it


@pytest.fixture
def pool(upstreams, clock):
    """The three upstreams, all up, and every earlier ejection over."""
    clock.advance(DOWN_FOR_S + 1)
    return upstreams


def served_by(r):
    """Which upstream answered: the default handler names itself in the body."""
    try:
        body = r.json()
    except ValueError:
        return None
    return body.get("upstream") if isinstance(body, dict) else None


def get_ok(app, path, why):
    r = app.get(path)
    expect.status(r, 200, why=why)
    if served_by(r) is None:
        expect.fail(r, 'the upstream\'s answer passed on: {"upstream": "upstream-N", ...}', why)
    return r


def calls_under(upstream, prefix):
    return [c for c in upstream.calls if c.path.startswith(prefix)]


def the_call(pool, path):
    """The one upstream call for `path` (a request must be forwarded exactly once)."""
    calls = [c for u in pool for c in u.calls if c.path == path]
    assert len(calls) == 1, (
        f"the request for {path} reached the upstreams {len(calls)} times; expected once"
    )
    return calls[0]


def counts(pool, prefix):
    return {u.name: len(calls_under(u, prefix)) for u in pool}


def eject(app, pool, dead, prefix):
    """Kill `dead` and send three GETs: one of them is its turn, so it is found out and retried."""
    dead.kill()
    for n in range(3):
        r = get_ok(
            app,
            f"{prefix}/find-out-{n}",
            f"{dead.name} refuses connections: a GET whose turn it was is retried on another "
            "upstream, so the client never sees the failure",
        )
        if served_by(r) == dead.name:
            expect.fail(r, f"an answer from an upstream that is up, not {dead.name}")


@pytest.mark.points(2)
def test_a_request_reaches_an_upstream_unchanged(app, pool):
    """Method, path and query, body and end-to-end headers reach the upstream as the client sent them."""
    prefix = f"/{unique('fwd')}"
    token, request_id = secrets.token_hex(12), unique("req")
    body = json.dumps({"order": unique("order"), "qty": 3}).encode()
    r = app.post(
        f"{prefix}/orders?q=a%20b&n=1",
        data=body,
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "X-Request-Id": request_id,
            "Cookie": f"sid={token}",
        },
    )
    expect.status(r, 200, why="the upstream answered 200: the proxy passes that on")
    got = [c for u in pool for c in calls_under(u, prefix)]
    if len(got) != 1:
        expect.fail(r, f"exactly one upstream call (the upstreams got {len(got)})")
    call = got[0]
    headers = {k.lower(): v for k, v in call.headers.items()}
    wanted = {
        "method": ("POST", call.method),
        "path and query": (f"{prefix}/orders?q=a%20b&n=1", call.path),
        "body": (body, call.body),
        "Content-Type": ("application/json", headers.get("content-type")),
        "Authorization (end-to-end, unlike Proxy-Authorization)": (
            f"Bearer {token}",
            headers.get("authorization"),
        ),
        "X-Request-Id": (request_id, headers.get("x-request-id")),
        "Cookie": (f"sid={token}", headers.get("cookie")),
    }
    wrong = [
        f"{what}: sent {a!r}, the upstream got {b!r}" for what, (a, b) in wanted.items() if a != b
    ]
    if wrong:
        expect.fail(
            r,
            "the request passed on unchanged; but " + "; ".join(wrong),
            "a proxy is invisible: the upstream must see what the client sent",
        )


@pytest.mark.points(1)
def test_every_method_is_forwarded(app, pool, checks):
    """PUT, PATCH, DELETE, OPTIONS and HEAD (and the path /) reach an upstream as they were sent."""
    prefix = f"/{unique('verbs')}"
    probe = unique("probe")
    for method, path in (
        ("PUT", f"{prefix}/put"),
        ("PATCH", f"{prefix}/patch"),
        ("DELETE", f"{prefix}/delete"),
        ("OPTIONS", f"{prefix}/options"),
        ("HEAD", f"{prefix}/head"),
        ("GET", f"/?{probe}=get"),
        ("OPTIONS", f"/?{probe}=options"),
    ):
        with checks.case(f"{method} {path}"):
            r = app.request(method, path)
            expect.status(r, 200, why=f"the upstream answers 200 to {method}")
            call = the_call(pool, path)
            assert call.method == method, (
                f"{method} {path} reached the upstream as {call.method}; expected {method}"
            )


@pytest.mark.points(1)
def test_the_answer_comes_back_unchanged(app, pool):
    """The upstream's status (a 303 too), body and end-to-end headers reach the client unchanged."""
    tag, order = unique("tag"), unique("order")
    body = json.dumps({"created": order}).encode()
    for u in pool:
        u.handler = lambda req: UpstreamResponse(
            201,
            body,
            {
                "Content-Type": "application/json",
                "Location": f"/orders/{order}",
                "Set-Cookie": f"seen={tag}; Path=/",
                "X-Upstream-Tag": tag,
            },
        )
    r = app.post(f"/{unique('ans')}/orders", json={"order": order})
    expect.status(r, 201, why="the upstream answered 201 Created: the proxy passes it on")
    if r.content != body:
        expect.fail(r, f"the upstream's body, byte for byte: {body.decode()}")
    expect.header(r, "Location", equals=f"/orders/{order}", why="an end-to-end header")
    expect.header(r, "X-Upstream-Tag", equals=tag, why="an end-to-end header")
    expect.header(r, "Set-Cookie", contains=f"seen={tag}", why="an end-to-end header")
    expect.header(r, "Content-Type", contains="application/json", why="an end-to-end header")
    for u in pool:
        u.handler = lambda req: UpstreamResponse(303, b"", {"Location": f"/orders/{order}"})
    r = app.post(f"/{unique('ans')}/orders", json={"order": order})
    expect.status(r, 303, why="a redirect is the upstream's answer for the client to follow")
    expect.header(r, "Location", equals=f"/orders/{order}", why="the client follows it")


@pytest.mark.points(1)
def test_an_upstream_error_is_its_answer(app, pool):
    """An upstream's own 503 is passed on as it is: not retried, and the upstream stays in rotation."""
    prefix, reason = f"/{unique('err')}", unique("maintenance")
    for u in pool:
        u.handler = lambda req: UpstreamResponse(503, {"error": reason}, {"Retry-After": "7"})
    r = app.get(f"{prefix}/first")
    expect.status(r, 503, why="the upstream answered: its answer, even an error, is the answer")
    if expect.json_body(r) != {"error": reason}:
        expect.fail(r, f'the upstream\'s body {{"error": "{reason}"}}')
    expect.header(r, "Retry-After", equals="7", why="an end-to-end header")
    made = sum(counts(pool, prefix).values())
    if made != 1:
        expect.fail(
            r,
            f"one upstream call (there were {made}): only a failed connection is retried",
            "an answer means the upstream handled the request; sending it again could do it twice",
        )
    for u in pool:
        u.reset()  # the default answers again
    seen = {served_by(get_ok(app, f"{prefix}/after-{n}", "all three are up")) for n in range(3)}
    assert seen == {u.name for u in pool}, (
        f"after an upstream answered 503, the next three GETs were answered by {sorted(seen)}; "
        "expected all three: an upstream that answers, even with an error, stays in rotation"
    )


@pytest.mark.points(2)
def test_requests_take_turns(app, pool):
    """Nine GETs one after another go round-robin: each upstream gets every third one."""
    prefix = f"/{unique('rr')}"
    order = [served_by(get_ok(app, f"{prefix}/{n}", "all three are up")) for n in range(9)]
    cyclic = len(set(order[:3])) == 3 and all(order[n] == order[n + 3] for n in range(6))
    assert cyclic, (
        f"nine GETs in a row were answered by {order}; expected a strict rotation over the three "
        f"upstreams (like upstream-1, upstream-2, upstream-3, upstream-1, …, from any start)"
    )


@pytest.mark.points(2)
def test_a_burst_is_shared_evenly(app, pool):
    """Thirty GETs at the same moment: each upstream gets exactly ten."""
    prefix = f"/{unique('burst')}"
    answers = responses(burst(app, 30, "GET", f"{prefix}/x"))
    statuses = sorted({r.status_code for r in answers})
    got = counts(pool, prefix)
    assert statuses == [200] and sorted(got.values()) == [10, 10, 10], (
        f"30 simultaneous GETs answered {statuses} and reached the upstreams {got}; expected "
        f"all 200 and 10 each: taking a turn (read the counter, move it on) must be one step "
        f"under a lock, or two requests take the same turn"
    )


@pytest.mark.points(2)
def test_a_get_is_retried_on_another_upstream(app, pool, clock, checks):
    """A GET (or HEAD) whose upstream refuses the connection is retried at once on another: a 200."""
    prefix = f"/{unique('retry')}"
    first, second = secrets.SystemRandom().sample(list(pool), 2)
    with checks.case(f"{first.name} down: three GETs"):
        eject(app, pool, first, f"{prefix}/one")
    with checks.case(f"{first.name} and {second.name} down: three GETs"):
        eject(app, pool, second, f"{prefix}/two")
        (last,) = [u for u in pool if u not in (first, second)]
        got = counts(pool, f"{prefix}/two")
        assert got[last.name] == 3, (
            f"with {first.name} and {second.name} down, three GETs reached {got}; expected all "
            f"three at {last.name}, the only one up"
        )
    with checks.case(f"11 s later, {first.name} and {second.name} still down: three HEADs"):
        clock.advance(DOWN_FOR_S + 1)  # their turns come again; they still refuse
        for n in range(3):
            r = app.request("HEAD", f"{prefix}/head-{n}")
            expect.status(r, 200, why="a HEAD changes nothing either: it is retried like a GET")


@pytest.mark.points(2)
def test_a_dead_upstream_leaves_the_rotation(app, pool):
    """An upstream that refused a connection gets nothing: six POSTs succeed, shared by the other two."""
    prefix = f"/{unique('out')}"
    dead = secrets.choice(pool)
    eject(app, pool, dead, prefix)
    for n in range(6):
        r = app.post(f"{prefix}/after-{n}", json={"n": n})
        expect.status(
            r,
            200,
            why=f"{dead.name} refused a connection a moment ago: it is out of the rotation for "
            f"{DOWN_FOR_S} s, so this POST goes to an upstream that is up",
        )
    got = counts(pool, f"{prefix}/after")
    idle = [u.name for u in pool if u is not dead and got[u.name] < 2]
    assert not idle, (
        f"with {dead.name} out, six POSTs reached {got}; expected the two others to take turns "
        f"(each at least one request in three): {', '.join(idle)} got fewer"
    )


@pytest.mark.points(2)
def test_a_post_is_not_retried(app, pool):
    """A POST whose upstream refuses the connection answers 502 (JSON error) and goes nowhere else."""
    prefix = f"/{unique('post')}"
    dead = secrets.choice(pool)
    dead.kill()
    answers = []
    for n in range(3):  # one of three is the dead one's turn
        marker = unique("charge")
        r = app.post(f"{prefix}/{n}", json={"charge": marker})
        answers.append(r)
        if r.status_code == 502:
            expect.json_object(r, "error")
            reached = [u.name for u in pool if any(marker in c.body.decode() for c in u.calls)]
            if reached:
                expect.fail(
                    r,
                    f"a 502 with the POST sent nowhere; it was also sent to {reached}",
                    "a proxy cannot know whether a POST began to act: sending it again could "
                    "charge twice, so only GET and HEAD are retried",
                )
            return
        expect.status(r, 200, why="the upstreams that are up answer 200")
    statuses = [a.status_code for a in answers]
    raise AssertionError(
        f"with {dead.name} refusing connections, three POSTs in a row answered {statuses} and "
        f"reached {counts(pool, prefix)}; expected one of them (the dead upstream's turn) to "
        f"answer 502: a POST is never retried on another upstream"
    )


@pytest.mark.points(2)
def test_an_upstream_comes_back_after_10_seconds(app, pool, clock, checks):
    """A dead upstream back up gets nothing for 10 s (the app's clock), then its turn again."""
    prefix = f"/{unique('back')}"
    dead = secrets.choice(pool)
    eject(app, pool, dead, f"{prefix}/eject")
    dead.revive()
    clock.advance(5)
    with checks.case(f"5 s after it failed, {dead.name} is up again but still out"):
        for n in range(6):
            get_ok(app, f"{prefix}/at-5s-{n}", "two upstreams are up")
        got = counts(pool, f"{prefix}/at-5s")
        assert got[dead.name] == 0, (
            f"5 s after {dead.name} refused a connection (it is listening again), six GETs "
            f"reached {got}; expected none at {dead.name}: it stays out for {DOWN_FOR_S} s"
        )
    clock.advance(DOWN_FOR_S - 5 + 1)
    with checks.case(f"11 s after it failed, {dead.name} has its turns again", weight=2):
        for n in range(6):
            get_ok(app, f"{prefix}/at-11s-{n}", "all three are up")
        got = counts(pool, f"{prefix}/at-11s")
        assert got[dead.name] == 2, (
            f"11 s after {dead.name} failed (and it is up), six GETs reached {got}; expected "
            f"two at {dead.name}: after {DOWN_FOR_S} s it is back in the rotation"
        )


@pytest.mark.points(1)
def test_a_still_dead_upstream_is_taken_out_again(app, pool, clock):
    """After its 10 s, an upstream still down is tried at its turn, fails, and is out 10 s more."""
    prefix = f"/{unique('again')}"
    dead = secrets.choice(pool)
    eject(app, pool, dead, f"{prefix}/first")
    clock.advance(DOWN_FOR_S + 1)
    eject(app, pool, dead, f"{prefix}/second")  # its turn comes, it refuses, the GET is retried
    dead.revive()
    clock.advance(5)
    for n in range(6):
        get_ok(app, f"{prefix}/later-{n}", "two upstreams are up")
    got = counts(pool, f"{prefix}/later")
    assert got[dead.name] == 0, (
        f"{dead.name} failed again when its 10 s were over, and 5 s later six GETs reached {got}; "
        f"expected none at {dead.name}: each failure takes it out for {DOWN_FOR_S} s"
    )


@pytest.mark.points(1)
def test_no_upstream_left_is_502(app, pool, clock, checks):
    """With all three down, GET and POST answer 502 with a JSON error; once they are back, 200."""
    prefix = f"/{unique('none')}"
    for u in pool:
        u.kill()
    for method in ("GET", "POST", "GET"):
        with checks.case(f"{method} with every upstream down"):
            r = app.request(method, f"{prefix}/x", json={} if method == "POST" else None)
            expect.status(r, 502, why="no upstream can answer: 502 Bad Gateway says so")
            expect.json_object(r, "error")
    for u in pool:
        u.revive()
    clock.advance(DOWN_FOR_S + 1)
    with checks.case("all three back, 11 s later"):
        get_ok(app, f"{prefix}/back", "the upstreams are back after their 10 s")


@pytest.mark.points(2)
def test_x_forwarded_for_is_appended(app, pool, checks):
    """X-Forwarded-For: the client's address is added, after any value the client sent."""
    prefix = f"/{unique('xff')}"
    cases = {
        "no X-Forwarded-For": (None, [CLIENT]),
        "X-Forwarded-For: 203.0.113.7": ("203.0.113.7", ["203.0.113.7", CLIENT]),
        "X-Forwarded-For: 203.0.113.7, 198.51.100.2": (
            "203.0.113.7, 198.51.100.2",
            ["203.0.113.7", "198.51.100.2", CLIENT],
        ),
    }
    for n, (what, (sent, wanted)) in enumerate(cases.items()):
        with checks.case(what):
            path = f"{prefix}/{n}"
            r = app.get(path, headers={"X-Forwarded-For": sent} if sent else {})
            expect.status(r, 200, why="the upstreams are up")
            call = the_call(pool, path)
            value = {k.lower(): v for k, v in call.headers.items()}.get("x-forwarded-for")
            chain = [part.strip() for part in value.split(",")] if value else None
            assert chain == wanted, (
                f"GET {path} with {what} reached the upstream with X-Forwarded-For: {value!r}; "
                f"expected {', '.join(wanted)!r}: the upstream sees only the proxy's address, so "
                f"the proxy appends the client's (and keeps what earlier proxies wrote)"
            )


HOP_REQUEST = {
    "Keep-Alive": "timeout=5, max=100",
    "TE": "trailers",
    "Trailer": "X-Checksum",
    "Upgrade": "websocket",
    "Proxy-Authorization": "Basic cHJveHk6c2VjcmV0",
    "Proxy-Connection": "keep-alive",
}


@pytest.mark.points(2)
def test_hop_by_hop_request_headers_are_dropped(app, pool, checks):
    """The client's hop-by-hop headers (Connection and what it names, Keep-Alive, TE, …) are dropped."""
    prefix, named, secret = f"/{unique('hop')}", f"X-Hop-{secrets.token_hex(3)}", unique("s")
    path = f"{prefix}/get"
    r = app.get(
        path,
        headers={
            **HOP_REQUEST,
            "Connection": f"keep-alive, {named}",
            named: secret,
            "X-End-To-End": secret,
        },
    )
    expect.status(r, 200, why="the upstreams are up")
    call = the_call(pool, path)
    got = {k.lower(): v for k, v in call.headers.items()}
    for name, value in {**HOP_REQUEST, named: secret}.items():
        with checks.case(f"{name}: {value}"):
            assert name.lower() not in got, (
                f"the client sent {name}: {value} and the upstream got {name}: "
                f"{got[name.lower()]!r}; expected no {name}: it describes the client's "
                f"connection to the proxy, not the proxy's to the upstream"
                + (" (the client's Connection header named it)" if name == named else "")
            )
    with checks.case(f"Connection: keep-alive, {named}"):
        assert named.lower() not in got.get("connection", "").lower(), (
            f"the upstream got Connection: {got.get('connection')!r}; the client's Connection "
            f"header is hop-by-hop (your HTTP client may send its own, without {named})"
        )
    with checks.case("X-End-To-End (not hop-by-hop) still arrives"):
        assert got.get("x-end-to-end") == secret, (
            f"the upstream got X-End-To-End: {got.get('x-end-to-end')!r}; expected {secret!r}: "
            "only hop-by-hop headers are dropped"
        )
    with checks.case("a chunked request body (Transfer-Encoding: chunked) arrives whole"):
        parts = [unique("part").encode() for _ in range(3)]
        chunked_path = f"{prefix}/chunked"
        r = app.post(chunked_path, data=iter(parts), headers={"Content-Type": "text/plain"})
        expect.status(
            r,
            200,
            why="the client's Transfer-Encoding framed its body to the proxy; the proxy frames "
            "what it sends itself (a copied Transfer-Encoding beside a Content-Length is refused)",
        )
        call = the_call(pool, chunked_path)
        assert call.body == b"".join(parts), (
            f"a chunked POST of {b''.join(parts)!r} reached the upstream as {call.body[:200]!r}"
        )


@pytest.mark.points(2)
def test_hop_by_hop_answer_headers_are_dropped(app, pool, checks):
    """The upstream's hop-by-hop headers (Connection and what it names, Transfer-Encoding, …) are dropped."""
    prefix, named, secret = f"/{unique('hop')}", f"X-Hop-{secrets.token_hex(3)}", unique("s")
    hop = {
        "Keep-Alive": "timeout=7",
        "Proxy-Authenticate": 'Basic realm="upstream"',
        "Upgrade": "h2c",
        named: secret,
    }
    for u in pool:
        u.handler = lambda req: UpstreamResponse(
            200,
            {"upstream": "any"},
            {**hop, "Connection": named, "X-End-To-End": secret, "Cache-Control": "max-age=60"},
        )
    r = app.get(f"{prefix}/answer")
    expect.status(r, 200, why="the upstream answered 200")
    for name, value in hop.items():
        with checks.case(f"{name}: {value}"):
            expect.header(
                r,
                name,
                absent=True,
                why=f"the upstream's {name} describes its connection to the proxy, not the "
                "proxy's to the client"
                + (" (its Connection header named it)" if name == named else ""),
            )
    with checks.case(f"Connection: {named}"):
        if named.lower() in r.headers.get("Connection", "").lower():
            expect.fail(r, f"no {named} in Connection: the upstream's Connection is hop-by-hop")
    with checks.case("X-End-To-End and Cache-Control (not hop-by-hop) still arrive"):
        expect.header(r, "X-End-To-End", equals=secret, why="an end-to-end header")
        expect.header(r, "Cache-Control", equals="max-age=60", why="an end-to-end header")
    with checks.case("an answer in chunks (Transfer-Encoding: chunked) arrives whole"):
        text = unique("chunked-answer")
        chunked = f"{len(text):x}\r\n{text}\r\n0\r\n\r\n".encode()
        for u in pool:
            u.handler = lambda req: UpstreamResponse(
                200, chunked, {"Content-Type": "text/plain", "Transfer-Encoding": "chunked"}
            )
        r = app.get(f"{prefix}/chunked", timeout=2)  # a body framed twice can leave it waiting
        expect.status(r, 200, why="the upstream answered 200, in chunks")
        if r.text != text:
            expect.fail(
                r,
                f"the body {text!r}: the proxy receives it decoded and frames it again itself "
                "(copying the upstream's Transfer-Encoding would make the client decode it twice)",
            )
