"""Grader for webhooks: POST /webhooks receives payment events signed by the grader.

Contract (exercises/webhooks/README.md): `Webhook-Signature: t=<unix time>,v1=<hex>` where v1 is
HMAC-SHA256, keyed with WEBHOOK_SECRET (a fresh random value each run, from `app_secrets`), over
`<t>.<the exact body bytes>`; any one matching v1 is enough. A missing or malformed header is 400,
no matching signature 401, a t more than 300 s from the app's clock 401, a verified body that is
not a valid event 400. A valid event answers 200 {"status": "processed"} and is applied; the same
event id again answers 200 {"status": "duplicate"} and is not applied; an unknown type answers
200 {"status": "ignored"}. GET /accounts/<id> shows the effect.

The clock is the app's (libfaketime): deliveries are signed with `clock.now()` and made stale by
`clock.advance`, never by sleeping. The constant-time comparison is checked by reading the
submission's source as an AST; the grader never imports it.

Mutants (`sandbox verify webhooks --mutants`: 125 of 133 caught) that survive are equivalent:
the tolerance 300 -> 301 and `>` -> `>=` (the grader tests 290 s and 310 s: real time runs
between signing and checking, so a one-second boundary cannot be told apart without flakiness);
`invalid()` answering '' instead of None for a valid event (both mean "no problem"); the
missing-header default '' -> 'XX' (still malformed, still 400); and the four error texts (only
the status and the JSON shape {"error": ...} are graded, as the README says).
"""

import ast
import hashlib
import hmac
import json
import secrets
from pathlib import Path

import pytest

from sandbox.grading import (
    burst,
    expect,
    read_text_capped,
    responses,
    together,
    unique,
    unique_int,
)

TOLERANCE_S = 300
NOT_HEX = "\u00e9" * 64  # arrives as Latin-1 text: compare_digest on str raises on it


class Sender:
    """The payment provider: builds events, signs them with the app's secret at the app's time."""

    def __init__(self, app, secret, clock):
        self.app, self.secret, self.clock = app, secret, clock

    def event(self, account, amount, kind="payment.succeeded"):
        return {
            "id": f"evt_{secrets.token_hex(8)}",
            "type": kind,
            "created": int(self.clock.now()),
            "data": {"account": account, "amount": amount},
        }

    def signature(self, timestamp, body, secret=None):
        key = (secret or self.secret).encode()
        return hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()

    def header(self, body, timestamp=None, secret=None):
        timestamp = int(self.clock.now()) if timestamp is None else timestamp
        return f"t={timestamp},v1={self.signature(timestamp, body, secret)}"

    def post(self, body, header):
        headers = {"Content-Type": "application/json"}
        if header is not None:
            headers["Webhook-Signature"] = header
        return self.app.post("/webhooks", data=body, headers=headers)

    def send(self, event, timestamp=None):
        body = encode(event)
        return self.post(body, self.header(body, timestamp))


@pytest.fixture
def sender(app, app_secrets, clock):
    return Sender(app, app_secrets["WEBHOOK_SECRET"], clock)


def encode(event):
    return json.dumps(event).encode()


def balance(app, account):
    r = app.get(f"/accounts/{account}")
    expect.status(r, 200, why="GET /accounts/<id> shows what the events did")
    body = expect.json_object(r, "balance")
    return body["balance"]


def expect_event_status(r, status, why):
    expect.status(r, 200, why=why)
    body = expect.json_object(r, "status")
    if body["status"] != status:
        expect.fail(r, f'200 with {{"status": "{status}"}}', why)


def expect_balance(app, account, wanted, what):
    got = balance(app, account)
    assert got == wanted, (
        f"after {what}, GET /accounts/{account} shows balance {got}; expected {wanted}"
    )


@pytest.mark.points(2)
def test_a_signed_event_is_applied(app, sender):
    """A correctly signed payment.succeeded answers 200 "processed" and credits the account."""
    account, amount = unique("acc"), unique_int(100, 100_000)
    r = sender.send(sender.event(account, amount))
    expect_event_status(
        r, "processed", "a delivery signed with WEBHOOK_SECRET at the current time is genuine"
    )
    expect_balance(app, account, amount, f"one signed payment.succeeded of {amount}")
    r = sender.send(sender.event(account, 1))
    expect_event_status(r, "processed", "an amount of 1 cent is a whole number >= 1: valid")
    expect_balance(app, account, amount + 1, f"payments of {amount} and 1")


@pytest.mark.points(1)
def test_a_refund_debits_the_account(app, sender):
    """A signed payment.refunded takes its amount off the account's balance."""
    account, paid, refunded = unique("acc"), unique_int(5_000, 10_000), unique_int(100, 5_000)
    # The refund first (events may arrive in any order): the balance goes below 0, then up.
    r = sender.send(sender.event(account, refunded, "payment.refunded"))
    expect_event_status(r, "processed", "a signed refund is a genuine event")
    expect_balance(app, account, -refunded, f"a refund of {refunded} on an account at 0")
    expect_event_status(sender.send(sender.event(account, paid)), "processed", "a payment")
    expect_balance(app, account, paid - refunded, f"a refund of {refunded} and a payment of {paid}")


@pytest.mark.points(1)
def test_the_exact_bytes_received_are_verified(app, sender):
    """The signature is checked over the body's exact bytes (spacing, key order), not re-encoded JSON."""
    account, amount = unique("acc"), unique_int(100, 100_000)
    event_id = f"evt_{secrets.token_hex(8)}"
    body = (
        f'{{ "type" :"payment.succeeded",\n  "data": {{"amount": {amount},   "account": '
        f'"{account}"}}, "id":"{event_id}", "note": "caf\\u00e9 \u00e9t\u00e9" }}'
    ).encode()
    r = sender.post(body, sender.header(body))
    expect_event_status(
        r,
        "processed",
        "the sender signed these bytes; json.dumps of the parsed body is other bytes "
        "(spaces, key order, escapes) with another signature",
    )
    expect_balance(app, account, amount, "a signed event with unusual spacing")


@pytest.mark.points(3)
def test_a_forged_delivery_is_refused(app, sender, checks):
    """A wrong signature (other secret, edited body or t=, odd bytes) is 401 and applies nothing."""
    account, amount = unique("acc"), unique_int(100, 100_000)
    event = sender.event(account, amount)
    body = encode(event)
    now = int(sender.clock.now())
    good = sender.signature(now, body)
    edited = encode({**event, "data": {"account": account, "amount": amount * 10}})
    cases = {
        "signed with another secret": (body, sender.header(body, secret=secrets.token_urlsafe(32))),
        "the body edited after signing (amount x10)": (edited, f"t={now},v1={good}"),
        "t= edited (the signature made for another time)": (body, f"t={now - 1},v1={good}"),
        "a signature of only the body, without the timestamp": (
            body,
            f"t={now},v1={hmac.new(sender.secret.encode(), body, hashlib.sha256).hexdigest()}",
        ),
        "v1= a truncated signature": (body, f"t={now},v1={good[:32]}"),
        "v1= 64 characters that are not hex": (body, f"t={now},v1={NOT_HEX}"),
    }
    for what, (payload, header) in cases.items():
        with checks.case(what):
            r = sender.post(payload, header)
            expect.status(
                r,
                401,
                why=f"{what} (Webhook-Signature: {header[:90]}): only the holder of the secret "
                "can sign, and an attacker does not have it",
            )
            expect.json_object(r, "error")
    with checks.case("nothing forged was applied"):
        expect_balance(app, account, 0, "forged deliveries only")


@pytest.mark.points(1)
def test_any_matching_v1_is_enough(app, sender, checks):
    """A header with several v1= (a secret being rotated) or other schemes passes if one v1 matches."""
    for what, build in {
        "a wrong v1 first, the right one second": lambda t, s: f"t={t},v1={'0' * 64},v1={s}",
        "an unknown scheme v0= before v1=": lambda t, s: f"v0={'ab' * 32},t={t},v1={s}",
    }.items():
        with checks.case(what):
            account, amount = unique("acc"), unique_int(100, 100_000)
            body = encode(sender.event(account, amount))
            now = int(sender.clock.now())
            header = build(now, sender.signature(now, body))
            r = sender.post(body, header)
            expect_event_status(
                r,
                "processed",
                f"Webhook-Signature: {header[:100]}…: during a rotation the sender signs with "
                "the old and the new secret; one v1 made with yours is proof enough",
            )
            expect_balance(app, account, amount, "one genuine event")


@pytest.mark.points(1)
def test_a_malformed_signature_header_is_400(app, sender, checks):
    """No Webhook-Signature, or one without t=<digits> and a v1=, answers 400 with a JSON error."""
    account, amount = unique("acc"), unique_int(100, 100_000)
    body = encode(sender.event(account, amount))
    now = int(sender.clock.now())
    good = sender.signature(now, body)
    for what, header in {
        "no Webhook-Signature header": None,
        "Webhook-Signature: garbage": "garbage",
        "no t=": f"v1={good}",
        "no v1=": f"t={now}",
        "t= not a number": f"t=yesterday,v1={good}",
    }.items():
        with checks.case(what):
            r = sender.post(body, header)
            expect.status(r, 400, why=f"{what}: the delivery cannot even be checked")
            expect.json_object(r, "error")
    with checks.case("nothing was applied"):
        expect_balance(app, account, 0, "deliveries with malformed signature headers only")


@pytest.mark.points(1)
def test_a_signed_body_that_is_no_event_is_400(app, sender, checks):
    """A correctly signed body that is not a valid event (not JSON, no id or type, bad data) is 400."""
    account = unique("acc")
    good = sender.event(account, unique_int(100, 100_000))
    for what, body in {
        "not JSON": b"id=evt_1&type=payment.succeeded",
        "a JSON array": b'["payment.succeeded"]',
        'no "id"': encode({k: v for k, v in good.items() if k != "id"}),
        '"id" empty': encode({**good, "id": ""}),
        'no "type"': encode({k: v for k, v in good.items() if k != "type"}),
        '"account" a number': encode({**good, "data": {"account": 7, "amount": 500}}),
        '"amount" a string': encode({**good, "data": {"account": account, "amount": "500"}}),
        '"amount" true': encode({**good, "data": {"account": account, "amount": True}}),
        '"amount" 0': encode({**good, "data": {"account": account, "amount": 0}}),
        'a payment.refunded with "amount" a string': encode(
            {**good, "type": "payment.refunded", "data": {"account": account, "amount": "5"}}
        ),
    }.items():
        with checks.case(what):
            r = sender.post(body, sender.header(body))
            expect.status(r, 400, why=f"a signed body that is {what} is no event to apply")
            expect.json_object(r, "error")
    with checks.case("nothing was applied"):
        expect_balance(app, account, 0, "invalid events only")


@pytest.mark.points(2)
def test_a_stale_delivery_is_refused(app, sender, clock, checks):
    """A delivery signed more than 5 minutes ago (or ahead) is 401: a captured one cannot be replayed."""
    account, amount = unique("acc"), unique_int(100, 100_000)
    with checks.case("a delivery captured and re-sent 5 min 10 s later", weight=2):
        body = encode(sender.event(account, amount))
        header = sender.header(body)  # signed now ...
        clock.advance(TOLERANCE_S + 10)  # ... and replayed by an attacker later
        r = sender.post(body, header)
        expect.status(
            r, 401, why="its signature is genuine but old: only the timestamp stops a replay"
        )
    with checks.case("a delivery whose t= is 5 min 10 s in the future"):
        body = encode(sender.event(account, amount))
        r = sender.post(body, sender.header(body, int(clock.now()) + TOLERANCE_S + 10))
        expect.status(r, 401, why="the tolerance holds both ways: 300 s either side of now")
    with checks.case("nothing was applied"):
        expect_balance(app, account, 0, "stale deliveries only")


@pytest.mark.points(1)
def test_a_delivery_within_the_tolerance_is_accepted(app, sender, clock):
    """A delivery that arrives 4 min 50 s after it was signed is still accepted."""
    account, amount = unique("acc"), unique_int(100, 100_000)
    body = encode(sender.event(account, amount))
    header = sender.header(body)
    clock.advance(TOLERANCE_S - 10)
    r = sender.post(body, header)
    expect_event_status(r, "processed", "the tolerance is 5 minutes: a slow network is no attack")
    expect_balance(app, account, amount, "one delivery 4 min 50 s after signing")


@pytest.mark.points(2)
def test_a_redelivery_is_acknowledged_and_not_applied(app, sender, clock, checks):
    """The same event again (same delivery, or re-signed later) answers 200 "duplicate", applied once."""
    account, amount = unique("acc"), unique_int(100, 100_000)
    event = sender.event(account, amount)
    body = encode(event)
    header = sender.header(body)
    first = sender.post(body, header)
    expect_event_status(first, "processed", "the first delivery of an event is applied")
    with checks.case("the same delivery again at once"):
        r = sender.post(body, header)
        expect_event_status(
            r,
            "duplicate",
            "the sender did not hear your first answer and retried: acknowledge (2xx) so it "
            "stops, but do not apply it twice",
        )
    with checks.case("the same event re-signed 4 minutes later (a retry with a new t=)"):
        clock.advance(240)
        r = sender.send(event)
        expect_event_status(
            r,
            "duplicate",
            "providers re-sign each retry: the event id, not the signature, names the event",
        )
    with checks.case("applied once"):
        expect_balance(app, account, amount, f"three deliveries of one event of {amount}")


@pytest.mark.points(3)
def test_simultaneous_duplicates_apply_once(app, sender):
    """Ten deliveries of one event at the same moment: all 200, one "processed", applied once."""
    account, amount = unique("acc"), unique_int(100, 100_000)
    body = encode(sender.event(account, amount))
    headers = {"Content-Type": "application/json", "Webhook-Signature": sender.header(body)}
    answers = responses(burst(app, 10, "POST", "/webhooks", data=body, headers=headers))
    statuses = sorted(r.status_code for r in answers)
    kinds = sorted(
        str(r.json().get("status")) if r.status_code == 200 and _is_object(r) else "?"
        for r in answers
    )
    got = balance(app, account)
    assert got == amount, (
        f"10 simultaneous deliveries of one event of {amount} left balance {got} (answers "
        f"{statuses}, statuses {kinds}); expected {amount}: checking the id and recording it "
        f"must be one atomic step (a lock), or every delivery finds the id new"
    )
    assert statuses == [200] * 10 and kinds.count("processed") == 1, (
        f"10 simultaneous deliveries of one event answered {statuses} with statuses {kinds}; "
        f'expected ten 200s: one "processed", nine "duplicate"'
    )


@pytest.mark.points(1)
def test_simultaneous_events_all_apply(app, sender):
    """Ten different events for one account at the same moment are all applied (no lost update)."""
    account = unique("acc")
    amounts = [unique_int(100, 10_000) for _ in range(10)]
    deliveries = []
    for amount in amounts:
        body = encode(sender.event(account, amount))
        deliveries.append((body, sender.header(body)))
    answers = responses(
        together(
            [
                lambda b=b, h=h: app.request(
                    "POST",
                    "/webhooks",
                    data=b,
                    headers={"Content-Type": "application/json", "Webhook-Signature": h},
                    fresh_connection=True,
                )
                for b, h in deliveries
            ]
        )
    )
    statuses = sorted(r.status_code for r in answers)
    got = balance(app, account)
    assert statuses == [200] * 10 and got == sum(amounts), (
        f"10 different events for {account} at once answered {statuses} and left balance {got}; "
        f"expected ten 200s and {sum(amounts)} (the sum): updates made at the same time "
        f"must not overwrite each other"
    )


@pytest.mark.points(1)
def test_an_unknown_type_is_acknowledged(app, sender):
    """A signed event of a type the app does not handle answers 200 "ignored" and changes nothing."""
    account = unique("acc")
    event = sender.event(account, unique_int(100, 100_000), "customer.updated")
    r = sender.send(event)
    expect_event_status(
        r,
        "ignored",
        "providers send many types; anything but a 2xx makes them retry for days",
    )
    expect_balance(app, account, 0, "a customer.updated event")


@pytest.mark.points(1)
def test_the_signature_is_compared_in_constant_time(app):
    """The signature is compared with hmac.compare_digest (or secrets.compare_digest)."""
    for path in sorted(Path(app.workdir).rglob("*.py"))[:50]:
        if path.is_symlink() or not path.is_file():
            continue
        try:
            tree = ast.parse(read_text_capped(path, 512 * 1024))
        except (SyntaxError, ValueError, AssertionError):
            continue
        for node in ast.walk(tree):  # a use in code, not a word in a comment
            if (isinstance(node, ast.Attribute) and node.attr == "compare_digest") or (
                isinstance(node, ast.Name) and node.id == "compare_digest"
            ):
                return
    expect.fail(
        None,
        "hmac.compare_digest (or secrets.compare_digest) used in your code",
        "== stops at the first wrong character, and how long it took tells an attacker how "
        "much of a forged signature was right",
    )


def _is_object(r):
    try:
        return isinstance(r.json(), dict)
    except ValueError:
        return False
