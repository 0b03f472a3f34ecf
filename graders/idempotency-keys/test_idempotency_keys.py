"""Grader for idempotency-keys: POST /charges, safe to retry, in front of a payment provider the
grader runs and counts.

Contract (exercises/idempotency-keys/README.md): an Idempotency-Key is required (400); the first
request charges once at the provider and answers 201; a retry with the same key and body answers
the same status and body with Idempotent-Replayed: true and no new charge; the same key with a
different body is 422; concurrent duplicates charge once (201 or 409 for the others); a provider
failure is 502 and releases the key; keys are remembered 24 hours.

Mutants (`sandbox verify idempotency-keys --mutants`) that survive are equivalent: the key-length
bound 255 -> 256 (the README names 1..255 as what clients send, not what a longer key gets); the
wait deadline `+ WAIT_S` -> `- WAIT_S` and WAIT_S itself (duplicates then answer 409 sooner or
later, which the README allows), the polling sleep, the provider timeout; the 409 path (reached
only when the first request outlives WAIT_S, which the README's 5 s leaves untested); the
record's key prefix and "running" marker (names the README leaves to the learner); the
`raw is None` retry (a race between a failed first attempt and its duplicate); decode_responses
(json.loads reads bytes as well).
"""

import json
import secrets
import threading

import pytest

from sandbox.grading import burst, expect, responses, unique, unique_int


class Provider:
    """The grader's payment provider: POST /charges answers a new charge id, every call counted."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.failing = False
        self.lock = threading.Lock()
        upstream.handler = self.handle

    def handle(self, request):
        if request.method != "POST" or request.path != "/charges":
            return 404, {"error": f"no route {request.method} {request.path}"}
        if self.failing:
            return 503, {"error": "the provider is down"}
        body = request.json()
        return 201, {"id": f"ch_{secrets.token_hex(8)}", **body}

    @property
    def charges(self):
        return [c for c in self.upstream.calls if c.method == "POST" and c.path == "/charges"]


@pytest.fixture
def provider(upstreams):
    return Provider(upstreams[0])


DAY_S = 24 * 3600


def new_charge():
    return {"amount": unique_int(100, 100_000), "currency": secrets.choice(["eur", "usd", "gbp"])}


def json_error(r, why):
    """A JSON body {"error": "<a message>"}: the client learns what to do."""
    body = expect.json_object(r, "error", why=why)
    if not isinstance(body["error"], str) or not body["error"].strip():
        expect.fail(r, '{"error": "<a message>"} (a non-empty string)', why)


def post(app, key, body):
    return app.post("/charges", json=body, headers={"Idempotency-Key": key})


def charged_once(app, provider, key, body):
    """POST once; expect 201 with the provider's charge; return (response, charge)."""
    r = post(app, key, body)
    expect.status(r, 201, why="a first request with a new Idempotency-Key makes the charge")
    charge = expect.json_object(r, "id", "amount", "currency")
    if len(provider.charges) != 1:
        expect.fail(r, f"one call to the provider (got {len(provider.charges)})")
    made = provider.charges[0]
    wanted = {"id": None, "amount": body["amount"], "currency": body["currency"]}
    if charge.get("amount") != body["amount"] or charge.get("currency") != body["currency"]:
        expect.fail(r, f"the charge {json.dumps(wanted)} with the provider's id")
    if made.json() != body:
        expect.fail(r, f"the provider to be sent {json.dumps(body)} (it got {made.body[:200]!r})")
    return r, charge


@pytest.mark.points(1)
def test_a_charge_is_made_at_the_provider(app, provider):
    """POST /charges with a new key charges once at the provider and answers 201 with the charge."""
    r, charge = charged_once(app, provider, unique("key"), new_charge())
    if not (isinstance(charge["id"], str) and charge["id"].startswith("ch_")):
        expect.fail(r, 'the provider\'s charge id ("ch_…") under "id"')


@pytest.mark.points(2)
def test_a_retry_answers_the_same_and_charges_once(app, provider):
    """A retry with the same key and body (in any field order) answers the same, with no new charge."""
    key, body = unique("key"), new_charge()
    _, charge = charged_once(app, provider, key, body)
    reordered = dict(reversed(list(body.items())))  # the same JSON object, fields in another order
    for attempt, sent in ((2, body), (3, reordered)):
        r = post(app, key, sent)
        order = "" if sent is body else " (the same body, its fields in another order)"
        expect.status(r, 201, why=f"attempt {attempt}{order} repeats the first answer, a 201")
        if expect.json_body(r) != charge:
            expect.fail(
                r,
                f"the first answer's body again: {json.dumps(charge)}",
                "a client that retries must learn the outcome of its first attempt",
            )
    assert len(provider.charges) == 1, (
        f"three POST /charges with Idempotency-Key: {key} and the same body charged "
        f"{len(provider.charges)} times at the provider; expected 1: a retry must never charge again"
    )


@pytest.mark.points(1)
def test_a_replay_says_so(app, provider):
    """A replayed answer carries Idempotent-Replayed: true; the first answer does not."""
    key, body = unique("key"), new_charge()
    first, _ = charged_once(app, provider, key, body)
    if first.headers.get("Idempotent-Replayed", "").strip().lower() == "true":
        expect.fail(first, "no Idempotent-Replayed: true on the first answer (it was not replayed)")
    r = post(app, key, body)
    expect.header(
        r,
        "Idempotent-Replayed",
        equals="true",
        why="clients and logs can tell a replay from a new charge",
    )


@pytest.mark.points(2)
def test_the_same_key_with_another_body_is_422(app, provider):
    """The same key with a different body answers 422 with a JSON error and charges nothing."""
    key, body = unique("key"), new_charge()
    charged_once(app, provider, key, body)
    other = {**body, "amount": body["amount"] + 1}
    r = post(app, key, other)
    expect.status(r, 422, why="a key names one request: reusing it for another is a client bug")
    json_error(r, "the client learns it reused a key")
    assert len(provider.charges) == 1, (
        f"POST /charges with a used Idempotency-Key and another body charged at the provider "
        f"({len(provider.charges)} charges in all); expected no new charge"
    )


@pytest.mark.points(1)
def test_different_keys_are_different_charges(app, provider):
    """Two keys with the same body are two charges: the key, not the body, names a request."""
    body = new_charge()
    first = post(app, unique("key"), body)
    second = post(app, unique("key"), body)
    for r in (first, second):
        expect.status(r, 201, why="each new key is a new charge")
    assert len(provider.charges) == 2 and first.json()["id"] != second.json()["id"], (
        f"two POST /charges with two different keys and the same body made "
        f"{len(provider.charges)} provider charges and answered ids {first.json().get('id')!r}, "
        f"{second.json().get('id')!r}; expected 2 charges with different ids"
    )


@pytest.mark.points(1)
def test_a_missing_key_is_400(app, provider):
    """POST /charges without an Idempotency-Key answers 400 with a JSON error and charges nothing;
    a key of 255 characters (the longest allowed) is a key."""
    r = app.post("/charges", json=new_charge())
    expect.status(r, 400, why="without a key a retry could charge twice")
    json_error(r, "the client learns it must send a key")
    assert not provider.charges, "POST /charges without Idempotency-Key charged at the provider"
    longest = unique("k").ljust(255, "x")
    r = post(app, longest, new_charge())
    expect.status(r, 201, why="Idempotency-Key may be 1..255 characters: 255 is allowed")


@pytest.mark.points(1)
def test_an_invalid_body_is_400(app, provider, checks):
    """A body without a whole "amount" >= 1 and a three-letter "currency" is 400, no charge."""
    for body in (
        {"amount": 0, "currency": "eur"},
        {"amount": True, "currency": "eur"},
        {"amount": 100},
        ["amount", 100],
    ):
        with checks.case(f"body {json.dumps(body)}"):
            before = len(provider.charges)
            r = post(app, unique("key"), body)
            expect.status(r, 400, why="invalid input is refused before any charge")
            json_error(r, "the client learns what is wrong with its body")
            assert len(provider.charges) == before, f"body {json.dumps(body)} was charged"
    with checks.case("a body that is not JSON"):
        before = len(provider.charges)
        r = app.post(
            "/charges",
            data="{amount: 5",
            headers={"Idempotency-Key": unique("key"), "Content-Type": "application/json"},
        )
        expect.status(r, 400, why="a body that is not JSON is not an object: invalid input")
        json_error(r, "clients of a JSON API read JSON errors, never an HTML page")
        assert len(provider.charges) == before, "a body that is not JSON was charged"
    with checks.case('body {"amount": 1, "currency": "eur"} (the smallest amount)'):
        r = post(app, unique("key"), {"amount": 1, "currency": "eur"})
        expect.status(r, 201, why="an amount is a whole number of cents >= 1: 1 is allowed")


@pytest.mark.points(3)
def test_concurrent_duplicates_charge_once(app, provider):
    """Ten simultaneous requests with one key make one charge; each answer is that 201 or a 409."""
    key, body = unique("key"), new_charge()
    provider.upstream.delay_s = 0.5  # the provider is slow: the duplicates overlap
    answers = responses(
        burst(app, 10, "POST", "/charges", json=body, headers={"Idempotency-Key": key})
    )
    charges = len(provider.charges)
    statuses = sorted(r.status_code for r in answers)
    assert charges == 1, (
        f"10 simultaneous POST /charges with Idempotency-Key: {key} charged {charges} times at "
        f"the provider (answers: {statuses}); expected exactly 1. Claim the key atomically "
        f"(SET NX) before charging"
    )
    created = [r for r in answers if r.status_code == 201]
    bodies = {json.dumps(r.json(), sort_keys=True) for r in created}
    assert created and len(bodies) == 1 and set(statuses) <= {201, 409}, (
        f"10 simultaneous duplicates answered {statuses} with bodies {sorted(bodies)[:3]}; "
        f"expected at least one 201, every 201 with the same charge, the rest 409"
    )


@pytest.mark.points(1)
def test_a_provider_failure_can_be_retried(app, provider):
    """When the provider fails, the answer is 502 and a retry with the same key charges."""
    key, body = unique("key"), new_charge()
    provider.failing = True
    r = post(app, key, body)
    expect.status(r, 502, why="the provider failed: nothing was charged, the client may retry")
    json_error(r, "the client learns the provider failed and that it may retry")
    provider.failing = False
    r = post(app, key, body)
    expect.status(r, 201, why="after a failure the key is released: the retry makes the charge")
    assert len(provider.charges) == 2, (
        f"the provider got {len(provider.charges)} calls; expected 2 (the failure, then the retry)"
    )


@pytest.mark.points(1)
def test_keys_are_remembered_for_24_hours(app, provider, clock, redis):
    """Records are kept in Redis with a TTL of 24 hours: a key still replays 23 hours later, and
    after 24 hours and a bit it is forgotten (a new charge)."""
    key, body = unique("key"), new_charge()
    first, charge = charged_once(app, provider, key, body)
    client = redis.client()
    ttls = {name: client.ttl(name) for name in client.scan_iter(count=1000)}
    longest = max(ttls.values(), default=-2)
    if not DAY_S - 30 <= longest <= DAY_S:
        shown = sorted(ttls.items(), key=lambda kv: -kv[1])[:5]
        expect.fail(
            first,
            f"the record in Redis with a TTL of 24 hours ({DAY_S} s), none longer "
            f"(the longest TTLs in Redis right after the charge: {shown})",
            "a key is for retries, not forever; a longer TTL keeps charges replayable too long",
        )
    clock.advance(23 * 3600)
    r = post(app, key, body)
    expect.status(r, 201, why="23 h later the key is still remembered")
    if expect.json_body(r) != charge or len(provider.charges) != 1:
        expect.fail(r, f"the replay of {json.dumps(charge)} with no new charge")
    clock.advance(3600 + 60)
    r = post(app, key, body)
    expect.status(r, 201, why="after 24 h the key is forgotten: the request is new")
    assert len(provider.charges) == 2, (
        f"24 h 1 min after the first request, POST /charges with the same key made "
        f"{len(provider.charges) - 1} new charges; expected 1: keys are remembered 24 hours"
    )
