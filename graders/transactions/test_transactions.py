"""Grader for "Transactions: transfers that never lose money".

The grader opens its own accounts through the API (random balances and amounts), fires transfers
at the app in parallel (each on its own HTTP connection, released together), and reads the
balances back from PostgreSQL with its own superuser connection: the database is the truth, not
the app's answers. To fail a transfer half-way it puts a trigger on `accounts` behind the app's
back that makes updating one chosen account raise an error.

The server detects deadlocks after 20 ms here (deadlock_timeout, set by the grader; the default
is 1 s), so an app that deadlocks fails quickly rather than slowly.

Equivalent mutant (the full set: 89 of 90 caught): app.py:33 `None` -> `''` in open_account(),
the balance read from a body that is not a JSON object: '' is no integer either, so it is 400 too.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sandbox.grading import expect, responses, together, unique_int

PARALLEL = 50


@pytest.fixture(scope="module", autouse=True)
def quick_deadlock_detection(app: Any, postgres: Any) -> Iterator[None]:
    """Deadlocks are found after 20 ms instead of 1 s: a deadlocking app fails fast."""
    with postgres.admin() as conn:
        conn.execute("ALTER SYSTEM SET deadlock_timeout = '20ms'")
        conn.execute("SELECT pg_reload_conf()")
    yield


def open_account(app: Any, balance: int) -> int:
    r = app.post("/accounts", json={"balance_cents": balance})
    expect.status(r, 201, why="the grader opens its own accounts to transfer between")
    body = expect.json_object(r, "id", "balance_cents")
    expect.shape(r, body, {"id": int, "balance_cents": int})
    return int(body["id"])


def balances(postgres: Any, ids: list[int]) -> dict[int, int]:
    """The balances in the database itself, read with the grader's own connection."""
    with postgres.admin() as conn:
        rows = conn.execute(
            "SELECT id, balance_cents FROM accounts WHERE id = ANY(%s)", (ids,)
        ).fetchall()
    return {int(i): int(b) for i, b in rows}


def transfer(app: Any, source: int, target: int, amount: Any, **kw: Any) -> Any:
    return app.post("/transfers", json={"from": source, "to": target, "amount_cents": amount}, **kw)


def expect_error(r: Any, status: int, why: str) -> None:
    expect.status(r, status, why=why)
    body = expect.json_object(r, "error", why="errors are JSON objects with an error message")
    if not isinstance(body["error"], str) or not body["error"].strip():
        expect.fail(r, '{"error": "<a message>"} with a non-empty message', why)


def in_parallel(app: Any, transfers: list[tuple[int, int, int]]) -> list[Any]:
    """POST /transfers for each (from, to, amount), all released at the same moment."""

    def call(source: int, target: int, amount: int) -> Callable[[], Any]:
        return lambda: transfer(app, source, target, amount, fresh_connection=True, timeout=15)

    return responses(together([call(*t) for t in transfers]))


def tally(answers: list[Any]) -> str:
    counts = Counter(r.status_code for r in answers)
    return ", ".join(f"{n} answered {status}" for status, n in sorted(counts.items()))


def describe_balances(found: dict[int, int], want: dict[int, int]) -> str:
    parts = []
    for account, expected in want.items():
        have = found.get(account)
        mark = "" if have == expected else "  <- wrong"
        parts.append(f"account {account}: {have} (expected {expected}){mark}")
    return "; ".join(parts)


# -- one at a time -------------------------------------------------------------------------------


@pytest.mark.points(1)
def test_opening_and_reading_accounts(app, checks):
    """POST /accounts opens an account (201); GET /accounts/<id> shows it; an unknown id is 404."""
    balance = unique_int(1_000, 100_000)
    with checks.case(f"POST /accounts with balance_cents {balance}, then GET it"):
        r = app.post("/accounts", json={"balance_cents": balance})
        expect.status(r, 201, why="opening an account creates it")
        body = expect.json_object(r, "id", "balance_cents")
        expect.shape(r, body, {"id": int, "balance_cents": int})
        if body["balance_cents"] != balance:
            expect.fail(r, f'"balance_cents": {balance}, the opening balance')
        r = app.get(f"/accounts/{body['id']}")
        expect.status(r, 200, why="the account just opened exists")
        if r.json() != {"id": body["id"], "balance_cents": balance}:
            expect.fail(r, f'{{"id": {body["id"]}, "balance_cents": {balance}}}')
    with checks.case("POST /accounts with balance_cents 0"):
        r = app.post("/accounts", json={"balance_cents": 0})
        expect.status(r, 201, why="an empty account is a valid account")
    with checks.case("GET /accounts/<an id no account has>"):
        expect_error(app.get("/accounts/987654321"), 404, "there is no such account")


@pytest.mark.points(1)
def test_a_bad_opening_balance_is_400(app, checks):
    """POST /accounts with a balance that is not an integer >= 0 (or no JSON object) is 400."""
    for body in (
        {"balance_cents": -1},
        {"balance_cents": "100"},
        {"balance_cents": True},
        {"balance_cents": 10.5},
        {},
        [100],
    ):
        with checks.case(f"POST /accounts with JSON {body!r}"):
            expect_error(app.post("/accounts", json=body), 400, "a balance is a whole number >= 0")
    with checks.case("POST /accounts with a body that is not JSON"):
        r = app.post("/accounts", data="balance_cents=100", headers={"Content-Type": "text/plain"})
        expect_error(r, 400, "a body that is not a JSON object is the client's error")


@pytest.mark.points(2)
def test_a_transfer_moves_the_amount(app, postgres, checks):
    """A transfer answers 200 with what it did and moves the amount from one balance to the other."""
    a_start, b_start = unique_int(5_000, 50_000), unique_int(0, 50_000)
    a, b = open_account(app, a_start), open_account(app, b_start)
    amount = unique_int(1, 5_000)
    with checks.case(f"{amount} cents from account {a} to account {b}"):
        r = transfer(app, a, b, amount)
        expect.status(r, 200, why="the sender has enough money")
        if r.json() != {"from": a, "to": b, "amount_cents": amount}:
            expect.fail(r, f'{{"from": {a}, "to": {b}, "amount_cents": {amount}}}')
        want = {a: a_start - amount, b: b_start + amount}
        found = balances(postgres, [a, b])
        if found != want:
            expect.fail(r, f"in the database: {describe_balances(found, want)}")
        r = app.get(f"/accounts/{a}")
        if r.status_code != 200 or r.json() != {"id": a, "balance_cents": want[a]}:
            expect.fail(r, f'{{"id": {a}, "balance_cents": {want[a]}}}: GET shows the new balance')
    with checks.case(f"1 cent, then the whole rest of account {a}'s balance, to account {b}"):
        expect.status(transfer(app, a, b, 1), 200, why="one cent is an amount")
        rest = a_start - amount - 1
        r = transfer(app, a, b, rest)
        expect.status(r, 200, why=f"account {a} has exactly {rest} cents: it may send them all")
        found = balances(postgres, [a, b])
        want = {a: 0, b: b_start + a_start}
        if found != want:
            expect.fail(r, f"in the database: {describe_balances(found, want)}")


@pytest.mark.points(1)
def test_insufficient_funds_is_409_and_changes_nothing(app, postgres):
    """A transfer of more than the sender has is 409 and leaves both balances as they were."""
    a_start, b_start = unique_int(100, 5_000), unique_int(100, 5_000)
    a, b = open_account(app, a_start), open_account(app, b_start)
    r = transfer(app, a, b, a_start + 1)
    expect_error(r, 409, f"account {a} has {a_start} cents, one less than the amount")
    found, want = balances(postgres, [a, b]), {a: a_start, b: b_start}
    if found != want:
        expect.fail(r, f"no change in the database: {describe_balances(found, want)}")


@pytest.mark.points(1)
def test_bad_transfers_are_refused(app, postgres, checks):
    """Bad amounts, a transfer to oneself, missing fields are 400; an unknown account is 404."""
    a_start, b_start = unique_int(1_000, 5_000), unique_int(1_000, 5_000)
    a, b = open_account(app, a_start), open_account(app, b_start)
    unknown = 987654321
    bad = [
        ({"from": a, "to": b, "amount_cents": 0}, 400),
        ({"from": a, "to": b, "amount_cents": -5}, 400),
        ({"from": a, "to": b, "amount_cents": "5"}, 400),
        ({"from": a, "to": b, "amount_cents": True}, 400),
        ({"from": a, "to": b, "amount_cents": 2.5}, 400),
        ({"from": a, "to": a, "amount_cents": 5}, 400),
        ({"from": a, "amount_cents": 5}, 400),
        ({"to": b, "amount_cents": 5}, 400),
        ({"from": str(a), "to": b, "amount_cents": 5}, 400),
        ([a, b, 5], 400),
        ({"from": unknown, "to": b, "amount_cents": 5}, 404),
        ({"from": a, "to": unknown, "amount_cents": 5}, 404),
    ]
    for body, status in bad:
        with checks.case(f"POST /transfers with JSON {body!r}"):
            expect_error(app.post("/transfers", json=body), status, "nothing can be moved")
    with checks.case("POST /transfers with a body that is not JSON"):
        r = app.post("/transfers", data="from=1", headers={"Content-Type": "text/plain"})
        expect_error(r, 400, "a body that is not a JSON object is the client's error")
    with checks.case("the balances after all of them"):
        found, want = balances(postgres, [a, b]), {a: a_start, b: b_start}
        if found != want:
            expect.fail(None, f"no change in the database: {describe_balances(found, want)}")


# -- many at once --------------------------------------------------------------------------------


@pytest.mark.points(3)
def test_parallel_transfers_never_overdraw(app, postgres):
    """50 transfers at once from an account holding enough for 20: exactly 20 succeed, none overdraws."""
    amount = unique_int(100, 1_000)
    source = open_account(app, 20 * amount)
    targets = [open_account(app, 0) for _ in range(5)]
    plan = [(source, targets[i % 5], amount) for i in range(PARALLEL)]
    answers = in_parallel(app, plan)
    ok = [t for t, r in zip(plan, answers, strict=True) if r.status_code == 200]
    found = balances(postgres, [source, *targets])
    want = {source: 0, **{t: amount * sum(1 for _, to, _ in ok if to == t) for t in targets}}
    refused = [r for r in answers if r.status_code != 200]
    wrong_status = [r for r in refused if r.status_code != 409]
    if len(ok) != 20 or found != want or wrong_status:
        expect.fail(
            wrong_status[0] if wrong_status else None,
            f"exactly 20 answers 200 and 30 answers 409 to {PARALLEL} transfers of {amount} "
            f"cents from account {source} (balance {20 * amount}, enough for 20), and the "
            f"database to agree. Got: {tally(answers)}; in the database: "
            f"{describe_balances(found, want)} (the expected receivers' balances count the "
            "transfers that answered 200)",
            "a balance read before another transfer commits is stale: two transfers that both "
            "read it pass the check and both debit (overdraw), or both write 'balance - amount' "
            "and one debit is lost. Lock the row (SELECT ... FOR UPDATE) in the transaction, or "
            "let one UPDATE check and debit at once",
        )


@pytest.mark.points(2)
def test_parallel_transfers_never_lose_money(app, postgres):
    """50 transfers at once among 6 accounts all succeed, and every balance adds up to the cent."""
    starts = {open_account(app, unique_int(100_000, 200_000)): 0 for _ in range(6)}
    ids = list(starts)
    for account in ids:
        starts[account] = balances(postgres, [account])[account]
    secrets.SystemRandom().shuffle(ids)
    # Every transfer goes from an account earlier in `ids` to a later one: there is no cycle,
    # so this test is about lost updates only (opposite transfers are the next test's).
    plan = []
    for _ in range(PARALLEL):
        i = secrets.randbelow(len(ids) - 1)
        j = i + 1 + secrets.randbelow(len(ids) - 1 - i)
        plan.append((ids[i], ids[j], unique_int(1, 1_000)))
    answers = in_parallel(app, plan)
    want = dict(starts)
    for source, target, amount in plan:
        want[source] -= amount
        want[target] += amount
    found = balances(postgres, ids)
    not_ok = [r for r in answers if r.status_code != 200]
    if not_ok or found != want:
        expect.fail(
            not_ok[0] if not_ok else None,
            f"all {PARALLEL} transfers to answer 200 (every sender has far more than it sends) "
            f"and the balances to add up. Got: {tally(answers)}; in the database: "
            f"{describe_balances(found, want)}; money in total: {sum(found.values())}, "
            f"expected {sum(want.values())}",
            "a transfer that writes a balance it computed from an earlier read overwrites the "
            "transfers that committed in between: their money vanishes or appears from nowhere",
        )


@pytest.mark.points(3)
def test_opposite_transfers_do_not_deadlock(app, postgres):
    """50 transfers at once, A->B and B->A together for 5 pairs of accounts, all succeed: no deadlock."""
    accounts = [open_account(app, unique_int(100_000, 200_000)) for _ in range(10)]
    starts = balances(postgres, accounts)
    pairs = [(accounts[i], accounts[i + 1]) for i in range(0, 10, 2)]
    plan = []
    for n in range(PARALLEL):
        a, b = pairs[n % len(pairs)]
        plan.append((a, b, unique_int(1, 1_000)) if n % 2 else (b, a, unique_int(1, 1_000)))
    answers = in_parallel(app, plan)
    want = dict(starts)
    for source, target, amount in plan:
        want[source] -= amount
        want[target] += amount
    found = balances(postgres, accounts)
    not_ok = [r for r in answers if r.status_code != 200]
    if not_ok or found != want:
        expect.fail(
            not_ok[0] if not_ok else None,
            f"all {PARALLEL} transfers (for each of 5 pairs of accounts, 5 A->B and 5 B->A at "
            f"the same time) to answer 200 and the balances to add up. Got: {tally(answers)}; "
            f"in the database: {describe_balances(found, want)}",
            "A->B locks A then waits for B while B->A holds B and waits for A: PostgreSQL "
            "breaks the deadlock by failing one of them (deadlock detected, SQLSTATE 40P01). "
            "Lock the two rows in one fixed order (e.g. by id), or retry a transfer that failed "
            "on a deadlock",
        )


# -- a failure half-way --------------------------------------------------------------------------


class FailingUpdates:
    """A trigger the app does not know about that makes any UPDATE of chosen accounts fail."""

    def __init__(self, postgres: Any) -> None:
        self.postgres = postgres
        self.name = f"grader_fail_{secrets.token_hex(4)}"

    def arm(self, accounts: list[int]) -> None:
        ids = ", ".join(str(int(a)) for a in accounts)
        with self.postgres.admin() as conn:
            conn.execute("SET lock_timeout = '3s'")  # an app holding a transaction open
            conn.execute(
                f"CREATE FUNCTION {self.name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'the grader made updates of account % fail', OLD.id; END $$"
            )
            conn.execute(
                f"CREATE TRIGGER {self.name} BEFORE UPDATE ON accounts FOR EACH ROW "
                f"WHEN (OLD.id IN ({ids})) EXECUTE FUNCTION {self.name}()"
            )

    def disarm(self) -> None:
        with self.postgres.admin() as conn:
            conn.execute("SET lock_timeout = '3s'")
            conn.execute(f"DROP TRIGGER IF EXISTS {self.name} ON accounts")
            conn.execute(f"DROP FUNCTION IF EXISTS {self.name}()")


@pytest.fixture
def failing_updates(postgres: Any) -> Iterator[FailingUpdates]:
    breaker = FailingUpdates(postgres)
    yield breaker
    breaker.disarm()


@pytest.mark.points(3)
def test_a_failure_half_way_rolls_back(app, postgres, failing_updates):
    """When the database fails one side of a transfer, the answer is 5xx and neither balance moved."""
    a, x, y, b = (open_account(app, unique_int(5_000, 50_000)) for _ in range(4))
    start = balances(postgres, [a, x, y, b])
    failing_updates.arm([x, y])  # any UPDATE of x (a receiver) or of y (a sender) raises
    for source, target, broken in (
        (a, x, f"the credit to account {x}"),
        (y, b, f"the debit of account {y}"),
    ):
        amount = unique_int(1, 1_000)
        r = transfer(app, source, target, amount)
        found = balances(postgres, [source, target])
        want = {source: start[source], target: start[target]}
        if r.status_code < 500 or found != want:
            expect.fail(
                r,
                f"a 5xx answer and both balances unchanged when {broken} fails (a trigger the "
                f"grader added raises an error on every UPDATE of that account); in the "
                f"database: {describe_balances(found, want)}",
                "a transfer is one transaction: when any step fails, the steps before it are "
                "rolled back. Statements run one by one in autocommit mode are each committed "
                "at once, so a debit stays although the credit never happened",
            )


@pytest.mark.points(1)
def test_transfers_work_again_after_a_failure(app, postgres, failing_updates):
    """After a transfer that failed in the database, the next transfers work normally."""
    a, b = open_account(app, 10_000), open_account(app, 10_000)
    failing_updates.arm([b])
    transfer(app, a, b, 100)
    failing_updates.disarm()  # the database works again
    start = balances(postgres, [a, b])  # (whether or not the failed one rolled back)
    for _ in range(3):
        r = transfer(app, a, b, 100)
        expect.status(
            r,
            200,
            why="a failed transaction must end in a rollback, leaving the app "
            "able to work (a shared connection left 'in failed transaction' refuses "
            "every later statement)",
        )
    found, want = balances(postgres, [a, b]), {a: start[a] - 300, b: start[b] + 300}
    if found != want:
        expect.fail(r, f"in the database: {describe_balances(found, want)}")
