"""Grader for rate-limit: 5 requests per 60-second window per API key, counted in a real Redis.

Contract (exercises/rate-limit/README.md): GET /quote with X-API-Key; RateLimit-Limit/Remaining/
Reset on every counted answer; the sixth request in a window is 429 with a JSON error and
Retry-After; windows reset (the grader's clock ages Redis's TTLs); clients are independent; a
parallel burst lets exactly 5 through; no key is 401.

Mutants (`sandbox verify rate-limit --mutants`) that survive are equivalent: `max(ttl, 1)` ->
`max(ttl, 2)` (it only differs in a window's last second, and 2 is still within the stated 1..60);
decode_responses (INCR and TTL answer integers either way); the "ratelimit:" key prefix (the README
asks only that the key's name contain the API key); a pipeline without MULTI (its INCR is atomic
on its own: only a window expiring between SET NX and INCR tells them apart, a race no test can
time); the quotes (the body's fields are the learner's).
"""

import pytest

from sandbox.grading import burst, expect, responses, unique

LIMIT = 5


def call(app, key):
    return app.get("/quote", headers={"X-API-Key": key})


def int_header(r, name, low, high, why):
    value = r.headers.get(name)
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        expect.fail(r, f"the header {name}: a whole number {low}..{high} (got {value!r})", why)
    return number


def use_up(app, key):
    """Spend the key's five requests; each must be allowed."""
    for n in range(1, LIMIT + 1):
        r = call(app, key)
        expect.status(r, 200, why=f"request {n} of {LIMIT} in a window is allowed")


def refused(r, why):
    expect.status(r, 429, why=why)
    body = expect.json_object(r, "error")
    if not isinstance(body.get("error"), str) or not body["error"].strip():
        expect.fail(r, 'a JSON body {"error": "<a message>"}', "clients read why they were refused")


@pytest.mark.points(1)
def test_a_request_is_allowed_and_counted(app):
    """A first request answers 200 with RateLimit-Limit: 5 and RateLimit-Remaining: 4."""
    r = call(app, unique("key"))
    expect.status(r, 200, why="a new client has its whole allowance")
    int_header(r, "RateLimit-Limit", LIMIT, LIMIT, "clients need to know the limit")
    int_header(r, "RateLimit-Remaining", LIMIT - 1, LIMIT - 1, "one of five requests is used")
    int_header(r, "RateLimit-Reset", 1, 60, "the window of 60 s ends within a minute")


@pytest.mark.points(1)
def test_remaining_counts_down(app, checks):
    """RateLimit-Remaining goes 4, 3, 2, 1, 0 over the five allowed requests."""
    key = unique("key")
    for n in range(1, LIMIT + 1):
        with checks.case(f"request {n}"):
            r = call(app, key)
            expect.status(r, 200, why=f"request {n} of {LIMIT} is allowed")
            int_header(r, "RateLimit-Remaining", LIMIT - n, LIMIT - n, f"{n} requests are used")


@pytest.mark.points(2)
def test_the_sixth_request_is_429_with_retry_after(app):
    """The sixth request in a window answers 429 with a JSON error and Retry-After (1..60 s)."""
    key = unique("key")
    use_up(app, key)
    for attempt in (LIMIT + 1, LIMIT + 2):
        r = call(app, key)
        refused(r, f"request {attempt} in a 60 s window is over the limit of {LIMIT}")
        int_header(r, "Retry-After", 1, 60, "a refused client needs to know when to come back")


@pytest.mark.points(1)
def test_a_429_carries_the_ratelimit_headers(app):
    """A 429 also says RateLimit-Limit: 5, RateLimit-Remaining: 0 and RateLimit-Reset (1..60)."""
    key = unique("key")
    use_up(app, key)
    r = call(app, key)
    expect.status(r, 429, why=f"request {LIMIT + 1} is over the limit")
    int_header(r, "RateLimit-Limit", LIMIT, LIMIT, "every counted answer states the limit")
    int_header(r, "RateLimit-Remaining", 0, 0, "nothing is left in this window")
    int_header(r, "RateLimit-Reset", 1, 60, "the window ends within a minute")


@pytest.mark.points(1)
def test_no_api_key_is_401(app):
    """A request without X-API-Key answers 401 with a JSON error."""
    r = app.get("/quote")
    expect.status(r, 401, why="the limit is per API key: a request without one is refused")
    body = expect.json_object(r, "error")
    if not isinstance(body["error"], str) or not body["error"].strip():
        expect.fail(r, 'a JSON body {"error": "<a message>"}', "clients read why they were refused")


@pytest.mark.points(1)
def test_clients_are_limited_apart(app):
    """One client over its limit does not limit another: each API key has its own window."""
    first, second = unique("key"), unique("key")
    use_up(app, first)
    refused(call(app, first), f"{first} used its {LIMIT} requests")
    r = call(app, second)
    expect.status(r, 200, why=f"{second} has made no request yet: another client's use is not its")
    int_header(r, "RateLimit-Remaining", LIMIT - 1, LIMIT - 1, "its own first request")


@pytest.mark.points(2)
def test_the_window_resets(app, clock):
    """61 s after the window opened (on the app's clock), the client has 5 requests again."""
    key = unique("key")
    use_up(app, key)
    refused(call(app, key), "the window's five requests are used")
    clock.advance(61)
    r = call(app, key)
    expect.status(r, 200, why="61 s later the 60 s window is over: a new one starts")
    int_header(r, "RateLimit-Remaining", LIMIT - 1, LIMIT - 1, "the first request of a new window")


@pytest.mark.points(1)
def test_waiting_retry_after_is_enough(app, clock):
    """Waiting the seconds Retry-After said (plus one) is enough to be allowed again."""
    key = unique("key")
    use_up(app, key)
    clock.advance(20)  # the window is partly over: Retry-After must say what is left
    r = call(app, key)
    expect.status(r, 429, why="20 s into the window its five requests are still used")
    wait = int_header(r, "Retry-After", 1, 60, "a refused client needs to know when to come back")
    clock.advance(wait + 1)
    r = call(app, key)
    expect.status(r, 200, why=f"the 429 said Retry-After: {wait}; {wait + 1} s later it must pass")


@pytest.mark.points(1)
def test_the_count_lives_in_redis(app, redis):
    """The count is kept in Redis, under a key that names the API key, with a TTL of 1..60 s."""
    key = unique("key")
    call(app, key)
    client = redis.client()
    names = [name for name in client.scan_iter(match=f"*{key}*")]
    assert names, (
        f"after GET /quote with X-API-Key: {key}, Redis has no key containing {key!r}; keys now: "
        f"{sorted(client.scan_iter(count=100))[:10]}. Count in Redis, so that every process of "
        f"the app shares one limit"
    )
    ttls = {name: client.ttl(name) for name in names}
    assert any(0 < ttl <= 60 for ttl in ttls.values()), (
        f"Redis keys for {key}: {ttls} (TTL -1: none); expected a TTL of 1..60 s, so that the "
        f"window ends on its own"
    )


@pytest.mark.points(3)
def test_a_parallel_burst_lets_exactly_five_through(app):
    """Twenty simultaneous requests from a new client: exactly 5 answer 200, the other 15 429."""
    key = unique("key")
    answers = responses(burst(app, 20, "GET", "/quote", headers={"X-API-Key": key}))
    statuses = [r.status_code for r in answers]
    allowed, refused_ = statuses.count(200), statuses.count(429)
    assert (allowed, refused_) == (LIMIT, 20 - LIMIT), (
        f"20 parallel GET /quote with X-API-Key: {key} answered {allowed} × 200 and "
        f"{refused_} × 429 (all: {sorted(statuses)}); expected exactly {LIMIT} × 200 and "
        f"{20 - LIMIT} × 429. Reading the count and writing it back lets parallel requests see "
        f"the same number: count with one atomic Redis command"
    )
