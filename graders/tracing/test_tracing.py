"""The grader of tracing: each test's docstring is what the learner reads.

The downstream is a grader-controlled upstream (UPSTREAM_URL) that records the headers of each
call. The app's span lines are the JSON objects it prints, found by the span id its response's
traceparent names.

Mutants (`sandbox verify tracing --mutants`) that survive are equivalent: the UPSTREAM_URL
default and its `rstrip("/")` (the grader always sets it, without a trailing slash), `value or
""` -> `"XX"` for a missing header (invalid either way), the all-zero guard of new ids (a random
id is all zeros with odd 2^-64), the span line's extra fields (`type`, `name`, `method`, `path`:
welcome, not required) and rounding, the ms factor 1000 -> 1001 (0.1 %) and the downstream
timeout 3 -> 4 s.
"""

import re
import secrets
import time

import pytest

from sandbox.grading import expect, unique

HEADER = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")
LOG_WAIT_S = 1.0


def ids():
    """A fresh valid (trace id, parent id)."""
    return secrets.token_hex(16), secrets.token_hex(8)


def traceparent(trace_id, parent_id, flags="01"):
    return f"00-{trace_id}-{parent_id}-{flags}"


def answered(r):
    """(trace id, span id, flags) of the response's traceparent; fails the test if malformed."""
    value = r.headers.get("traceparent", "")
    match = HEADER.fullmatch(value)
    if match is None:
        expect.fail(
            r,
            f"a traceparent header 00-<32 hex>-<16 hex>-<2 hex> naming this request's "
            f"span, got {value!r}",
            "the caller learns which span answered",
        )
    trace_id, span_id, flags = match.groups()
    if trace_id.strip("0") == "" or span_id.strip("0") == "":
        expect.fail(r, f"non-zero ids in traceparent, got {value!r}", "all-zero ids are invalid")
    return trace_id, span_id, flags


def span_of(app, r, span_id, mark):
    """The one JSON span line with this span id."""
    deadline = time.monotonic() + LOG_WAIT_S
    while True:
        found = [rec for rec in app.log_records(mark) if rec.get("span_id") == span_id]
        if found or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    if len(found) != 1:
        printed = app.output(mark).strip()[-500:] or "(nothing)"
        expect.fail(
            r,
            f'exactly one JSON line with "span_id": "{span_id}", found {len(found)}; '
            f"the app printed: {printed}",
            "one span per request, found by its id",
        )
    return found[0]


def downstream_traceparent(r, upstream):
    calls = upstream.calls
    if not calls:
        expect.fail(r, "one call to the inventory service", "GET /orders/<id> asks it")
    return calls[-1].headers.get("traceparent") or calls[-1].headers.get("Traceparent")


@pytest.mark.points(2)
def test_a_valid_traceparent_is_continued(app):
    """A valid incoming traceparent: the response's has the same trace id and a new span id."""
    trace_id, parent_id = ids()
    r = app.get("/ping", headers={"traceparent": traceparent(trace_id, parent_id)})
    expect.status(r, 200)
    if expect.json_body(r) != {"pong": True}:
        expect.fail(r, '{"pong": true}', "tracing must not change what the routes answer")
    got_trace, span_id, flags = answered(r)
    if got_trace != trace_id:
        expect.fail(
            r,
            f"trace id {trace_id} (the caller's) in traceparent, got {got_trace}",
            "one trace id follows a request through every service",
        )
    if span_id == parent_id:
        expect.fail(
            r,
            f"a new span id, not the caller's {parent_id}",
            "each service's work is its own span; the caller's span is its parent",
        )
    if flags != "01":
        expect.fail(r, f'the caller\'s flags "01", got {flags!r}', "sampling is decided once")


@pytest.mark.points(1)
def test_the_flags_are_kept(app):
    """The trace flags of a valid traceparent are kept: 00 stays 00."""
    trace_id, parent_id = ids()
    r = app.get("/ping", headers={"traceparent": traceparent(trace_id, parent_id, "00")})
    _, _, flags = answered(r)
    if flags != "00":
        expect.fail(r, f'flags "00" as sent, got {flags!r}', "the caller chose not to sample")


INVALID = [
    ("uppercase hex", lambda t, p: traceparent(t.upper(), p)),
    ("an all-zero trace id", lambda t, p: traceparent("0" * 32, p)),
    ("an all-zero parent id", lambda t, p: traceparent(t, "0" * 16)),
    ("version ff", lambda t, p: f"ff-{t}-{p}-01"),
    ("a short trace id", lambda t, p: traceparent(t[:30], p)),
    ("a non-hex character", lambda t, p: traceparent(t[:31] + "g", p)),
    ("trailing text", lambda t, p: traceparent(t, p) + "-extra"),
]


@pytest.mark.points(3)
def test_an_invalid_traceparent_starts_a_new_trace(app, checks):
    """An invalid traceparent is replaced: a fresh trace id, and the span has no parent."""
    for why, make in INVALID:
        trace_id, parent_id = ids()
        sent = make(trace_id, parent_id)
        with checks.case(f"traceparent with {why}: {sent!r}"):
            mark = app.output_mark()
            r = app.get("/ping", headers={"traceparent": sent})
            expect.status(r, 200)
            got_trace, span_id, _ = answered(r)
            if got_trace in (trace_id, trace_id.upper()) or got_trace == "0" * 32:
                expect.fail(
                    r,
                    f"a new trace id, not one taken from the invalid header ({why})",
                    "an invalid header must not be trusted or repaired",
                )
            span = span_of(app, r, span_id, mark)
            if span.get("parent_id") is not None:
                expect.fail(
                    r,
                    f'"parent_id": null in the span line, got {span.get("parent_id")!r}',
                    "a new trace has no parent span",
                )


@pytest.mark.points(1)
def test_without_traceparent_each_request_starts_its_own_trace(app):
    """No traceparent: each request gets its own random trace id and flags 01."""
    seen = set()
    for _ in range(3):
        r = app.get("/ping")
        trace_id, _, flags = answered(r)
        if trace_id in seen:
            expect.fail(
                r,
                f"a new trace id; {trace_id} was already used",
                "two unrelated requests are two traces",
            )
        if flags != "01":
            expect.fail(r, f'flags "01" for a new trace, got {flags!r}', "a new trace is sampled")
        seen.add(trace_id)


@pytest.mark.points(2)
def test_the_span_line_names_trace_span_and_parent(app, checks):
    """Each request prints one JSON span line: trace_id, span_id, parent_id, status, duration."""
    trace_id, parent_id = ids()
    mark = app.output_mark()
    r = app.get("/ping", headers={"traceparent": traceparent(trace_id, parent_id)})
    _, span_id, _ = answered(r)
    span = span_of(app, r, span_id, mark)
    wanted = {"trace_id": trace_id, "span_id": span_id, "parent_id": parent_id, "status": 200}
    for key, value in wanted.items():
        with checks.case(f'"{key}": {value!r}'):
            if span.get(key) != value or isinstance(span.get(key), bool):
                expect.fail(
                    r,
                    f'"{key}": {value!r} in the span line, got {span.get(key)!r}',
                    "a trace is put together from these fields",
                )
    with checks.case('"duration_ms": a number'):
        d = span.get("duration_ms")
        if not isinstance(d, (int, float)) or isinstance(d, bool) or d < 0:
            expect.fail(r, f'"duration_ms": a non-negative number, got {d!r}', "spans are timed")


@pytest.mark.points(3)
def test_the_downstream_call_carries_our_span_as_parent(app, upstreams):
    """The call to the inventory service carries traceparent: our trace id and OUR span id."""
    trace_id, parent_id = ids()
    item = unique("item")
    r = app.get(f"/orders/{item}", headers={"traceparent": traceparent(trace_id, parent_id)})
    expect.status(r, 200, why="the inventory service answered")
    _, span_id, _ = answered(r)
    sent = downstream_traceparent(r, upstreams[0])
    wanted = traceparent(trace_id, span_id)
    if sent != wanted:
        hint = (
            " That is the caller's header, forwarded as is: the downstream's parent must be "
            "this app's span."
            if sent == traceparent(trace_id, parent_id)
            else ""
        )
        expect.fail(
            r,
            f"the inventory call with traceparent {wanted!r}, got {sent!r}.{hint}",
            "without it the trace stops at this service",
        )


@pytest.mark.points(1)
def test_a_new_trace_is_propagated_too(app, upstreams):
    """Without an incoming traceparent, the downstream call still carries the new trace."""
    r = app.get(f"/orders/{unique('item')}")
    trace_id, span_id, flags = answered(r)
    sent = downstream_traceparent(r, upstreams[0])
    if sent != traceparent(trace_id, span_id, flags):
        expect.fail(
            r,
            f"the inventory call with traceparent "
            f"{traceparent(trace_id, span_id, flags)!r}, got {sent!r}",
            "the trace starts here and goes on downstream",
        )


@pytest.mark.points(1)
def test_tracestate_is_forwarded_only_with_a_valid_parent(app, upstreams, checks):
    """tracestate goes downstream unchanged with a valid traceparent, and is dropped otherwise."""
    state = f"vendor={unique('s').replace('-', '')},other=1"
    trace_id, parent_id = ids()
    with checks.case("valid traceparent: tracestate forwarded"):
        r = app.get(
            "/orders/a",
            headers={"traceparent": traceparent(trace_id, parent_id), "tracestate": state},
        )
        expect.status(r, 200)
        got = upstreams[0].calls[-1].headers.get("tracestate") if upstreams[0].calls else None
        if got != state:
            expect.fail(
                r,
                f"tracestate {state!r} on the inventory call, got {got!r}",
                "vendors keep their data there; pass it on unchanged",
            )
    with checks.case("invalid traceparent: tracestate dropped"):
        r = app.get("/orders/b", headers={"traceparent": "00-nope", "tracestate": state})
        expect.status(r, 200)
        got = upstreams[0].calls[-1].headers.get("tracestate") if upstreams[0].calls else None
        if got is not None:
            expect.fail(
                r,
                f"no tracestate on the inventory call, got {got!r}",
                "tracestate belongs to the parent you just refused",
            )


@pytest.mark.points(1)
def test_the_span_duration_is_real(app, upstreams):
    """With a downstream taking 0.3 s, the span's duration_ms is at least 300."""
    upstreams[0].delay_s = 0.3
    mark = app.output_mark()
    started = time.perf_counter()
    r = app.get(f"/orders/{unique('item')}")
    waited = (time.perf_counter() - started) * 1000
    _, span_id, _ = answered(r)
    d = span_of(app, r, span_id, mark).get("duration_ms")
    if not isinstance(d, (int, float)) or not 295 <= d <= waited + 5:
        expect.fail(
            r,
            f'"duration_ms" between 300 and {waited:.0f} (what the grader waited), got {d!r}',
            "a span's duration is the time the request really took",
        )


@pytest.mark.points(1)
def test_a_failing_downstream_still_logs_its_span(app, upstreams):
    """The inventory service failing (503): 502, with traceparent and a span with status 502."""
    upstreams[0].handler = lambda request: (503, {"error": "inventory is restarting"})
    mark = app.output_mark()
    r = app.get(f"/orders/{unique('item')}")
    expect.status(r, 502, why="the inventory service answered 503")
    body = expect.json_body(r)
    if body != {"error": "inventory service unavailable"}:
        expect.fail(r, 'the given {"error": "inventory service unavailable"}', "the route is done")
    _, span_id, _ = answered(r)
    span = span_of(app, r, span_id, mark)
    if span.get("status") != 502:
        expect.fail(
            r,
            f'"status": 502 in the span line, got {span.get("status")!r}',
            "failed requests are the spans you look for",
        )
