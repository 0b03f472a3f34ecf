"""The grader of error-handling: each test's docstring is what the learner reads.

Three routes of the app fail on purpose, and the grader plants a fresh secret in each failure:
a password sent to POST /login (the exception message repeats it), a file name under the app's
folder (FileNotFoundError's message holds the full path) and PAYMENT_API_KEY, set in the app's
environment for this run (POST /payments' exception carries it). No response may show them; the
log (one JSON object per line on the app's stdout/stderr) must, under the response's request id.

Mutants (`sandbox verify error-handling --mutants`) that survive are equivalent: the given
DomainError base class's `status` and `code` (never raised itself; each subclass has its own),
InvalidRequest's `status = 400` removed (inherited, the same), the PAYMENT_API_KEY default (the
grader sets it), `get_json(silent=False)` in /login (the grader sends JSON), the wording around
the planted secrets in the failing routes, the 404/405 code's spelling ("their code is yours to
pick") and the generic 500 message ("if you like").
"""

import re
import time

import pytest

from sandbox.grading import expect, unique, unique_password

RID = "X-Request-ID"
SAFE_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")
API_KEY = "pk_live_" + unique("key").replace("-", "")
LOG_WAIT_S = 1.0
# A frame of a formatted traceback: `  File "/path/app.py", line 96, in login`, on its own line.
FRAME_LINE = re.compile(r'^  File ".+", line \d+, in ', re.MULTILINE)
# What a traceback or a code detail looks like in a body.
CODE_DETAIL = (
    "Traceback",
    'File "',
    ".py",
    "line ",
    "ConnectionError",
    "FileNotFoundError",
    "ProviderError",
    "Errno",
)


@pytest.fixture(scope="module", autouse=True)
def keyed_app(app):
    """The app, restarted once with a payment key the grader made up for this run."""
    app.restart(env={"PAYMENT_API_KEY": API_KEY})
    return app


def crash_login(app):
    password = unique_password(20)
    user = unique("user")
    r = app.post("/login", json={"user": user, "password": password})
    return r, password


def crash_export(app):
    name = unique("report") + ".csv"
    return app.get(f"/exports/{name}"), name


def crash_payment(app):
    return app.post("/payments", json={"account": "acc-1", "amount": 5}), API_KEY


CRASHES = [
    ("the password in the exception message", crash_login),
    ("the file path in the exception message", crash_export),
    ("the PAYMENT_API_KEY value in the exception message", crash_payment),
]


def whole_response(r):
    """Status line, headers and body: everything a client could read."""
    headers = "\n".join(f"{k}: {v}" for k, v in r.headers.items())
    return f"{r.status_code} {r.reason}\n{headers}\n\n{r.text}"


def request_id_of(r):
    value = r.headers.get(RID)
    if not value or not SAFE_ID.fullmatch(value):
        expect.fail(
            r,
            f"an {RID} header with a generated id such as uuid.uuid4().hex "
            f"(8 to 128 characters of A-Z a-z 0-9 . _ -), got {value!r}",
            "the id is what a user quotes when they report an error",
        )
    return value


def error_body(r, status, code=None):
    """The JSON error object every error response carries; checked and returned."""
    expect.status(r, status)
    body = expect.json_object(
        r, "error", "request_id", why="every error is answered as a JSON object"
    )
    rid = request_id_of(r)
    if body["request_id"] != rid:
        expect.fail(
            r,
            f'"request_id" equal to the {RID} header ({rid!r}), got {body["request_id"]!r}',
            "the body and the header name the same request",
        )
    if code is not None and body["error"] != code:
        expect.fail(
            r,
            f'"error": "{code}", got {body["error"]!r}',
            "clients branch on the error code, not on the wording",
        )
    if code is None and (not isinstance(body["error"], str) or not body["error"]):
        expect.fail(r, '"error": a non-empty string code', "clients branch on the error code")
    return body


def record_for(app, request_id, mark):
    """The app's JSON log records that carry this request id (waiting briefly for them)."""
    deadline = time.monotonic() + LOG_WAIT_S
    while True:
        found = [rec for rec in app.log_records(mark) if rec.get("request_id") == request_id]
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(0.05)


def other_output(app, mark, limit=600):
    text = app.output(mark).strip()
    return text[-limit:] if text else "(nothing)"


@pytest.mark.points(1)
def test_working_routes_still_work(app, checks):
    """The routes that work still do: accounts, transfers (whole balance too), the export."""
    accounts = {"acc-1": ("ada", 100), "acc-2": ("grace", 20)}  # fresh: the app just started
    for account_id, (owner, balance) in accounts.items():
        with checks.case(f"GET /accounts/{account_id}"):
            r = app.get(f"/accounts/{account_id}")
            expect.status(r, 200, why="error handling must not break the routes that work")
            got = expect.json_object(r, "id", "owner", "balance")
            if (got["id"], got["owner"], got["balance"]) != (account_id, owner, balance):
                expect.fail(
                    r,
                    f'{{"id": "{account_id}", "owner": "{owner}", "balance": {balance}}}',
                    "the routes and their data stay as given",
                )
    for source, target, amount, after in (
        ("acc-1", "acc-2", 1, (99, 21)),
        ("acc-2", "acc-1", 21, (0, 120)),
    ):
        with checks.case(f"POST /transfers {amount} from {source} to {target}"):
            r = app.post("/transfers", json={"from": source, "to": target, "amount": amount})
            expect.status(r, 201, why="a transfer within the balance (all of it, too) succeeds")
            got = expect.json_object(r, "source", "target")
            balances = (got["source"].get("balance"), got["target"].get("balance"))
            if balances != after:
                expect.fail(
                    r,
                    f"balances {after[0]} and {after[1]} after the transfer",
                    "the transfer route stays as given",
                )
    with checks.case("GET /exports/welcome.txt"):
        r = app.get("/exports/welcome.txt")
        expect.status(r, 200, why="exports/welcome.txt exists")
        expect.header(r, "Content-Type", contains="text/plain")
        if r.text.strip() != "Your export is ready.":
            expect.fail(r, "the file's text, 'Your export is ready.'", "the route is given")


@pytest.mark.points(1)
def test_unknown_url_and_wrong_method_answer_json(app, checks):
    """An unknown URL answers 404 and a wrong method 405, each as a JSON object with "error"."""
    for method, path, status in (
        ("GET", f"/{unique('nowhere')}", 404),
        ("DELETE", "/accounts/acc-1", 405),
    ):
        with checks.case(f"{method} {path}"):
            r = app.request(method, path)
            expect.status(r, status)
            body = expect.json_object(r, "error", why="clients parse every error as JSON")
            if not isinstance(body["error"], str) or not body["error"]:
                expect.fail(r, '"error": a non-empty string', "clients branch on the code")


@pytest.mark.points(2)
def test_every_response_carries_a_fresh_request_id(app, checks):
    """Every response has a fresh X-Request-ID; every error body repeats it as "request_id"."""
    seen = {}
    calls = [
        ("GET", "/accounts/acc-1", {}),
        ("GET", "/accounts/acc-1", {}),
        ("GET", "/accounts/nobody", {}),
        ("GET", f"/{unique('nowhere')}", {}),
        ("POST", "/payments", {"json": {}}),
    ]
    for method, path, kw in calls:
        with checks.case(f"{method} {path}"):
            r = app.request(method, path, **kw)
            rid = request_id_of(r)
            if r.status_code >= 400:
                error_body(r, r.status_code)
            if rid in seen:
                expect.fail(
                    r,
                    f"a new id; {rid!r} was already sent for {seen[rid]}",
                    "generate the id per request (before_request), not once",
                )
            seen[rid] = f"{method} {path}"


@pytest.mark.points(2)
def test_a_crash_answers_a_generic_500(app, checks):
    """A route that raises answers 500 JSON: "error": "internal_error" and its request_id."""
    for what, crash in CRASHES:
        with checks.case(what.replace("the ", "a crash with ", 1)):
            r, _ = crash(app)
            error_body(r, 500, "internal_error")


@pytest.mark.points(3)
def test_no_response_carries_the_planted_secrets(app, checks):
    """No response shows the password, the server path or the API key planted in a failure."""
    for what, crash in CRASHES:
        with checks.case(what):
            r, secret = crash(app)
            text = whole_response(r)
            leaked = [s for s in {secret, str(app.workdir)} if s in text]
            if "exports/" in text:
                leaked.append("exports/")
            if leaked:
                expect.fail(
                    r,
                    f"a response without {' or '.join(map(repr, leaked))} ({what})",
                    "an exception message is for you, not the client: it can hold "
                    "passwords, paths and keys an attacker collects",
                )


@pytest.mark.points(2)
def test_a_500_shows_no_traceback_or_code_detail(app, checks):
    """A 500 shows no traceback, file names, line numbers or exception type names."""
    for what, crash in CRASHES:
        with checks.case(what.replace("the ", "a crash with ", 1)):
            r, _ = crash(app)
            text = whole_response(r)
            found = [d for d in CODE_DETAIL if d in text]
            if found:
                expect.fail(
                    r,
                    f"no code detail in the response; it shows {found}",
                    "tracebacks and type names map your code for an attacker",
                )


@pytest.mark.points(3)
def test_the_traceback_is_logged_with_the_request_id(app, checks):
    """Each crash logs one JSON line: level "error", its request_id, and the full traceback."""
    for what, crash in CRASHES:
        with checks.case(what.replace("the ", "a crash with ", 1)):
            mark = app.output_mark()
            r, secret = crash(app)
            rid = request_id_of(r)
            found = record_for(app, rid, mark)
            if not found:
                expect.fail(
                    r,
                    f'a JSON log line with "request_id": "{rid}" on stdout or '
                    f"stderr; the app printed: {other_output(app, mark)}",
                    "the id the client quotes must lead you to the traceback",
                )
            errors = [rec for rec in found if rec.get("level") == "error"]
            if len(errors) != 1:
                expect.fail(
                    r,
                    f'exactly one record with "level": "error" for request {rid}, '
                    f"found {len(errors)}: {found}",
                    "one crash, one error record",
                )
            trace = errors[0].get("traceback")
            if (
                not isinstance(trace, str)
                or "Traceback (most recent call last)" not in trace
                or not FRAME_LINE.search(trace)
            ):
                expect.fail(
                    r,
                    f'a "traceback" field holding the formatted traceback '
                    f"(traceback.format_exc()), got {str(trace)[:200]!r}",
                    "without it, you cannot find the bug",
                )
            if secret not in trace and not (crash is crash_export and "exports" in trace):
                expect.fail(
                    r,
                    f"the traceback with the exception's message ({what}); the "
                    f"logged one is {trace[-300:]!r}",
                    "the log is where the detail belongs",
                )


@pytest.mark.points(1)
def test_two_crashes_log_under_their_own_ids(app):
    """Two crashes in a row log two records, each under its own request id with its own trace."""
    mark = app.output_mark()
    (r1, p1), (r2, p2) = crash_login(app), crash_login(app)
    id1, id2 = request_id_of(r1), request_id_of(r2)
    for r, rid, mine, other in ((r1, id1, p1, p2), (r2, id2, p2, p1)):
        records = [rec for rec in record_for(app, rid, mark) if rec.get("level") == "error"]
        trace = str(records[0].get("traceback")) if records else ""
        if mine not in trace or other in trace:
            expect.fail(
                r,
                f"an error record under {rid!r} whose traceback is this request's "
                f"(with its password), got {records}",
                "each id must lead to its own request's traceback",
            )


NOT_A_DICT = "send a JSON object with from, to and amount"
NOT_POSITIVE = "amount must be a positive integer"


def balance_of(app, account_id):
    return app.get(f"/accounts/{account_id}").json().get("balance")


def domain_cases(app):
    """(label, method, path, request kwargs, status, code, expected message) — built lazily."""
    missing = unique("acc")
    huge = 10**9
    return [
        (
            "unknown account",
            "GET",
            f"/accounts/{missing}",
            {},
            404,
            "not_found",
            lambda: f"no account {missing!r}",
        ),
        (
            "negative amount",
            "POST",
            "/transfers",
            {"json": {"from": "acc-1", "to": "acc-2", "amount": -5}},
            400,
            "invalid_request",
            lambda: NOT_POSITIVE,
        ),
        (
            "zero amount",
            "POST",
            "/transfers",
            {"json": {"from": "acc-1", "to": "acc-2", "amount": 0}},
            400,
            "invalid_request",
            lambda: NOT_POSITIVE,
        ),
        (
            "a JSON list",
            "POST",
            "/transfers",
            {"json": [1]},
            400,
            "invalid_request",
            lambda: NOT_A_DICT,
        ),
        (
            "a body that is not JSON",
            "POST",
            "/transfers",
            {"data": "nope", "headers": {"Content-Type": "text/plain"}},
            400,
            "invalid_request",
            lambda: NOT_A_DICT,
        ),
        (
            "unknown target account",
            "POST",
            "/transfers",
            {"json": {"from": "acc-1", "to": missing, "amount": 1}},
            404,
            "not_found",
            lambda: f"no account {missing!r}",
        ),
        (
            "more than the balance",
            "POST",
            "/transfers",
            {"json": {"from": "acc-2", "to": "acc-1", "amount": huge}},
            409,
            "insufficient_funds",
            lambda: f"acc-2 has {balance_of(app, 'acc-2')}, needs {huge}",
        ),
    ]


@pytest.mark.points(3)
def test_domain_errors_map_to_their_4xx(app, checks):
    """NotFound → 404, InvalidRequest → 400, InsufficientFunds → 409, with code and message."""
    for label, method, path, kw, status, code, message in domain_cases(app):
        with checks.case(f"{label}: {method} {path} → {status}"):
            wanted = message()
            r = app.request(method, path, **kw)
            got = error_body(r, status, code)
            if got.get("message") != wanted:
                expect.fail(
                    r,
                    f'"message": {wanted!r} (str(error) of the domain error)',
                    "a client error is explained to the client, in its own words",
                )


@pytest.mark.points(1)
def test_domain_errors_log_no_traceback(app, checks):
    """A 4xx domain error is the client's mistake: no "error" record with a traceback."""
    for label, method, path, kw, status, _code, _message in domain_cases(app)[:2]:
        with checks.case(f"{label}: {method} {path} → {status}"):
            mark = app.output_mark()
            r = app.request(method, path, **kw)
            rid = r.headers.get(RID, "")
            time.sleep(0.2)
            bad = [
                rec
                for rec in app.log_records(mark)
                if rec.get("request_id") == rid and rec.get("traceback")
            ]
            if bad:
                expect.fail(
                    r,
                    f"no traceback logged for a {status}, found {bad[0]}",
                    "tracebacks for client mistakes drown the real bugs",
                )
