"""Grader for "Migrations: evolving a live schema".

Two phases. First the app as the plugin starts it, on an empty database: all three migrations
run. Then the grader stops the app, recreates the database, builds schema version 1 itself (as
role `app`, with `schema_migrations` holding version 1) with random members, some with one-word
or three-word names, on sparse ids, and starts the app again: migrations 2 and 3 must apply,
keeping every row. Last it changes rows behind the app's back, restarts it, and expects nothing
to be applied again.

Equivalent mutants (nothing the README promises changes): the advisory lock removed or its
query emptied (it serialises two processes starting at once; the README calls it good practice,
not graded, and the grader starts one process at a time), and the wording of the 404 error.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from sandbox.grading import expect, unique, unique_email
from sandbox.grading.learner_app import AppDidNotStart

FINAL_COLUMNS = ["id", "first_name", "last_name", "email", "username"]

FIRST = ["Ana", "Bram", "Chloé", "Dmitri", "Eve", "Farah", "Gus", "Hana", "Iker", "Jo"]
LAST = ["Silva", "O'Neil", "van Dijk", "Ngata", "Åberg", "Okafor", "Le Roux", "Kim", "Da Costa"]


# --- reading the database as the superuser -----------------------------------------------------


def columns(postgres, table: str) -> dict[str, str]:
    """{column: is_nullable} of a table in schema public, in column order."""
    with postgres.admin() as conn:
        rows = conn.execute(
            "SELECT column_name, is_nullable FROM information_schema.columns"
            " WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
            (table,),
        ).fetchall()
    return {name: nullable for name, nullable in rows}


def versions(postgres) -> list[tuple[int, Any]] | None:
    """The rows of schema_migrations (version, applied_at), or None if there is no such table."""
    if not columns(postgres, "schema_migrations"):
        return None
    with postgres.admin() as conn:
        return [
            (int(v), at)
            for v, at in conn.execute(
                "SELECT version, applied_at FROM schema_migrations ORDER BY version"
            ).fetchall()
        ]


def members(postgres) -> dict[int, dict[str, Any]]:
    """Every row of members by id, whatever columns it has."""
    from psycopg.rows import dict_row

    with postgres.admin() as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute("SELECT * FROM members")
        return {row["id"]: dict(row) for row in cur.fetchall()}


def describe_versions(rows: list[tuple[int, Any]] | None) -> str:
    if rows is None:
        return "there is no table schema_migrations"
    return f"schema_migrations holds versions {[v for v, _ in rows]}"


# --- the two starting points -------------------------------------------------------------------


def split_name(full_name: str) -> tuple[str, str]:
    first, _, rest = full_name.partition(" ")
    return first, rest


def legacy_rows() -> list[dict[str, Any]]:
    """Random members of schema version 1: sparse ids, one- to three-word names, mixed case."""
    rows, used = [], set()
    next_id = 1  # then sparse: ids are kept, and a new row must not take an old one
    for i in range(random.randint(24, 32)):
        tag = unique("")[1:5]
        first, last = random.choice(FIRST), random.choice(LAST)
        words = i % 4  # 0: one word, 1 and 2: two or more (LAST may hold a space), 3: three
        if words == 0:
            full_name = f"{first}{tag}"
        elif words == 3:
            full_name = f"{first} {random.choice(FIRST)} {last}{tag}"
        else:
            full_name = f"{first} {last}{tag}"
        local = f"{first[:1]}{last.replace(' ', '').replace(chr(39), '')}.{tag}"
        local = "".join(c for c in local if c.isascii()) or "m"
        email = f"{local}@{random.choice(['Example.org', 'mail.test', 'ex.NET'])}"
        if email.lower() in used:
            continue
        used.add(email.lower())
        rows.append({"id": next_id, "full_name": full_name, "email": email})
        next_id += random.randint(1, 9)
    return rows


@pytest.fixture(scope="module")
def legacy(app, postgres) -> dict[str, Any]:
    """The app stopped, a database at version 1 with data built, the app started on it."""
    app.stop()
    postgres.recreate_database()
    rows = legacy_rows()
    with postgres.admin() as conn:
        conn.execute("SET ROLE app")  # the app owns its tables, as if it had made them
        conn.execute(
            "CREATE TABLE schema_migrations ("
            " version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute("INSERT INTO schema_migrations VALUES (1, now() - interval '400 days')")
        conn.execute(
            "CREATE TABLE members ("
            " id serial PRIMARY KEY, full_name text NOT NULL, email text NOT NULL UNIQUE)"
        )
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO members (id, full_name, email) VALUES (%(id)s, %(full_name)s, %(email)s)",
                rows,
            )
        conn.execute("SELECT setval('members_id_seq', (SELECT max(id) FROM members))")
        (v1_applied_at,) = conn.execute(
            "SELECT applied_at FROM schema_migrations WHERE version = 1"
        ).fetchone()
    try:
        app.start()
    except AppDidNotStart as exc:
        pytest.fail(
            "The grader built a version-1 database (schema_migrations with version 1; members"
            f" with {len(rows)} rows) and started your app on it; it did not start: {exc}",
            pytrace=False,
        )
    return {"rows": rows, "v1_applied_at": v1_applied_at}


def id_facts(postgres) -> str:
    """Where members' new ids come from, against the ids already taken."""
    with postgres.admin() as conn:
        seq = conn.execute("SELECT pg_get_serial_sequence('members', 'id')").fetchone()[0]
        (top,) = conn.execute("SELECT max(id) FROM members").fetchone()
        if seq is None:
            return f"members.id has no sequence behind it (max(id) is {top})"
        (last, called) = conn.execute(f"SELECT last_value, is_called FROM {seq}").fetchone()
    nxt = last + 1 if called else last
    return (
        f"members.id takes its default from {seq}, whose next value is {nxt}, while max(id) is"
        f" {top}: a new row must not take an id a migrated row holds"
    )


def show(row: dict[str, Any] | None) -> str:
    if row is None:
        return "no row"
    return ", ".join(f"{k}={v!r}" for k, v in row.items())


# --- phase 1: an empty database ----------------------------------------------------------------


@pytest.mark.points(2)
def test_an_empty_database_is_migrated_to_version_3(app, postgres, checks):
    """Started on an empty database, the app applies migrations 1, 2 and 3 and records them."""
    app.get("/members")  # the app migrates before it serves
    with checks.case("schema_migrations"):
        rows = versions(postgres)
        got = None if rows is None else [v for v, _ in rows]
        assert got == [1, 2, 3], (
            f"On an empty database, after your app started: {describe_versions(rows)}; expected"
            " the table schema_migrations(version, applied_at) with versions [1, 2, 3], one row"
            " per migration applied."
        )
    with checks.case("the members table"):
        got_cols = list(columns(postgres, "members"))
        assert sorted(got_cols) == sorted(FINAL_COLUMNS), (
            f"On an empty database, after your app started, table members has columns {got_cols};"
            f" expected {FINAL_COLUMNS} (version 3 of the schema)."
        )


@pytest.mark.points(1)
def test_the_api_works_on_a_fresh_database(app, checks):
    """POST /members answers 201 with the member; GET /members and /members/<id> serve it; unknown is 404."""
    body = {
        "first_name": unique("Ada"),
        "last_name": unique("Lovelace"),
        "email": unique_email(),
        "username": unique("ada"),
    }
    r = app.post("/members", json=body)
    with checks.case("POST /members"):
        expect.status(r, 201, why="a new member is created")
        made = expect.json_object(r, *FINAL_COLUMNS)
        expect.shape(r, made, {"id": int})
        assert {k: made[k] for k in body} == body, expect.fail(
            r, f"the member it was sent: {body}", "the API returns what it stored"
        )
    member_id = made["id"]
    with checks.case(f"GET /members/{member_id}"):
        r = app.get(f"/members/{member_id}")
        expect.status(r, 200)
        got = expect.json_object(r, *FINAL_COLUMNS)
        if got != made:
            expect.fail(r, f"the member POST answered: {made}", "it is the same row")
    with checks.case("GET /members"):
        r = app.get("/members")
        expect.status(r, 200)
        listed = expect.json_object(r, "members")["members"]
        if made not in listed:
            expect.fail(r, f"a list holding {made}", "every member is listed")
    with checks.case("GET /members/<unknown id>"):
        expect.status(app.get("/members/987654321"), 404, why="there is no such member")


# --- phase 2: the grader's database at version 1 -----------------------------------------------


@pytest.mark.points(1)
def test_pending_migrations_are_applied_and_recorded(app, postgres, legacy):
    """On a database at version 1, migrations 2 and 3 are applied and recorded; version 1 is untouched."""
    rows = versions(postgres)
    got = None if rows is None else [v for v, _ in rows]
    assert got == [1, 2, 3], (
        f"The grader's database had schema_migrations with version 1; after your app started,"
        f" {describe_versions(rows)}; expected [1, 2, 3]: the app applies the migrations it"
        " has that are not recorded yet, and records each one."
    )
    v1 = dict(rows)[1]
    assert v1 == legacy["v1_applied_at"], (
        f"schema_migrations' row for version 1 now has applied_at {v1}; the grader wrote"
        f" {legacy['v1_applied_at']}: a migration already applied is not applied (or recorded)"
        " again."
    )


@pytest.mark.points(2)
def test_the_schema_is_at_version_3(app, postgres, legacy, checks):
    """members has id, first_name, last_name, email, username (no full_name); the new ones NOT NULL; email still UNIQUE."""
    cols = columns(postgres, "members")
    with checks.case("the columns"):
        assert sorted(cols) == sorted(FINAL_COLUMNS), (
            f"After migrating the grader's version-1 database, members has columns {list(cols)};"
            f" expected {FINAL_COLUMNS} (full_name is split into first_name and last_name, then"
            " dropped; username is added)."
        )
    with checks.case("NOT NULL"):
        nullable = [c for c in ("first_name", "last_name", "username") if cols.get(c) != "NO"]
        assert not nullable, (
            f"Columns {nullable} of members allow NULL (or are missing); expected NOT NULL on"
            " first_name, last_name and username, so no row can ever lack them."
        )
    with checks.case("email UNIQUE"):
        import psycopg

        email = legacy["rows"][0]["email"]
        try:
            with postgres.admin() as conn, conn.transaction():
                # An explicit id: the grader must not move the app's id sequence.
                conn.execute(
                    "INSERT INTO members (id, first_name, last_name, email, username)"
                    " VALUES (-1, 'x', 'y', %s, 'z')",
                    (email,),
                )
                raise _Rollback
        except psycopg.errors.UniqueViolation:
            pass
        except _Rollback:
            raise AssertionError(
                f"The grader inserted a second member with email {email!r} and PostgreSQL"
                " accepted it; the UNIQUE constraint on members.email of version 1 must survive"
                " the migrations (the grader rolled that row back)."
            ) from None
        except psycopg.Error as exc:
            raise AssertionError(
                f"The grader could not test the UNIQUE email (inserting into members failed: {exc})"
            ) from None


class _Rollback(Exception):
    pass


@pytest.mark.points(2)
def test_every_row_is_kept_with_its_id_and_email(app, postgres, legacy):
    """Every member of the grader's database is still there, with the same id and email."""
    now = members(postgres)
    want = {r["id"]: r["email"] for r in legacy["rows"]}
    missing = [i for i in want if i not in now]
    changed = [i for i in want if i in now and now[i].get("email") != want[i]]
    assert not missing and not changed, (
        f"The grader's database had {len(want)} members (ids {sorted(want)[:6]}…); after the"
        f" migrations, {len(missing)} are missing (ids {missing[:6]}) and {len(changed)} have a"
        f" different email (e.g. {show(now.get(changed[0])) if changed else '-'}); expected every"
        " row with its id and email: a migration changes the shape of data, never loses it."
    )


@pytest.mark.points(3)
def test_full_names_are_split_by_the_rule(app, postgres, legacy):
    """first_name is full_name up to its first space, last_name the rest ('' for a one-word name)."""
    now = members(postgres)
    wrong = []
    for row in legacy["rows"]:
        first, last = split_name(row["full_name"])
        got = now.get(row["id"], {})
        if (got.get("first_name"), got.get("last_name")) != (first, last):
            wrong.append(
                f"id {row['id']}: full_name {row['full_name']!r} became first_name"
                f" {got.get('first_name')!r}, last_name {got.get('last_name')!r}; expected"
                f" {first!r}, {last!r}"
            )
    assert not wrong, (
        f"{len(wrong)} of {len(legacy['rows'])} members are not split by the rule:\n"
        + "\n".join(wrong[:5])
        + ("\n…" if len(wrong) > 5 else "")
    )


@pytest.mark.points(2)
def test_usernames_are_backfilled_from_the_email(app, postgres, legacy):
    """Every existing member's username is the part of its email before '@', in lower case."""
    now = members(postgres)
    wrong = []
    for row in legacy["rows"]:
        want = row["email"].split("@")[0].lower()
        got = now.get(row["id"], {}).get("username")
        if got != want:
            wrong.append(
                f"id {row['id']}: email {row['email']!r}, username {got!r}; expected {want!r}"
            )
    assert not wrong, (
        f"{len(wrong)} of {len(legacy['rows'])} members have the wrong username:\n"
        + "\n".join(wrong[:5])
        + ("\n…" if len(wrong) > 5 else "")
    )


@pytest.mark.points(1)
def test_migrated_rows_are_served(app, legacy, checks):
    """GET /members and GET /members/<id> serve the migrated rows."""
    want = {}
    for row in legacy["rows"]:
        first, last = split_name(row["full_name"])
        want[row["id"]] = {
            "id": row["id"],
            "first_name": first,
            "last_name": last,
            "email": row["email"],
            "username": row["email"].split("@")[0].lower(),
        }
    with checks.case("GET /members"):
        r = app.get("/members")
        expect.status(r, 200, why="the list serves the migrated rows")
        listed = {m.get("id"): m for m in expect.json_object(r, "members")["members"]}
        for member_id, member in want.items():
            if listed.get(member_id) != member:
                expect.fail(r, f"a list holding {member}", "every migrated member is served")
    with checks.case("GET /members/<id>"):
        sample = random.choice(list(want.values()))
        r = app.get(f"/members/{sample['id']}")
        expect.status(r, 200)
        if expect.json_body(r) != sample:
            expect.fail(r, f"{sample}", "a migrated member is served as stored")


@pytest.fixture(scope="module")
def written(app, legacy) -> dict[str, Any]:
    """A member the grader POSTs after the migrations."""
    body = {
        "first_name": unique("Lin"),
        "last_name": unique("Ma Yun"),
        "email": unique_email(),
        "username": unique("lin"),
    }
    r = app.post("/members", json=body)
    return {"body": body, "response": r}


@pytest.mark.points(1)
def test_a_row_written_after_the_migrations_is_stored_and_served(app, postgres, legacy, written):
    """POST /members after the migrations answers 201 with a new id, and the row is served and stored."""
    r, body = written["response"], written["body"]
    if r.status_code != 201:
        expect.status(
            r, 201, why="new members can join after the migrations; " + id_facts(postgres)
        )
    made = expect.json_object(r, *FINAL_COLUMNS)
    taken = {row["id"] for row in legacy["rows"]}
    assert made["id"] not in taken, expect.fail(
        r, "a new id", f"id {made['id']} belonged to a migrated member"
    )
    got = expect.json_body(app.get(f"/members/{made['id']}"))
    assert got == made, f"GET /members/{made['id']} answered {got}; expected {made}"
    row = members(postgres).get(made["id"])
    stored = {k: (row or {}).get(k) for k in body}
    assert stored == body, (
        f"In the database, member {made['id']} is {show(row)}; expected the values POSTed: {body}"
    )


@pytest.fixture(scope="module")
def restarted(app, postgres, legacy, written) -> dict[str, Any]:
    """Rows changed behind the app's back, then the app restarted over the same database."""
    before_rows = members(postgres)
    target = legacy["rows"][1]["id"]
    new_username = unique("renamed")
    with postgres.admin() as conn:
        conn.execute("UPDATE members SET username = %s WHERE id = %s", (new_username, target))
    before = {
        "versions": versions(postgres),
        "columns": columns(postgres, "members"),
        "members": members(postgres),
    }
    error = None
    try:
        app.restart()
    except AppDidNotStart as exc:
        error = str(exc)
    return {
        "before": before,
        "target": target,
        "username": new_username,
        "error": error,
        "old_username": before_rows.get(target, {}).get("username"),
    }


@pytest.mark.points(3)
def test_a_restart_applies_nothing_again(app, postgres, legacy, restarted, checks):
    """Started again on the migrated database, the app applies no migration and changes no row."""
    assert restarted["error"] is None, (
        f"Restarted over the migrated database, your app did not start: {restarted['error']}"
    )
    app.get("/members")
    before = restarted["before"]
    with checks.case("schema_migrations"):
        now = versions(postgres)
        recorded = [v for v, _ in before["versions"] or []]
        assert recorded == [1, 2, 3], (
            f"Before the restart {describe_versions(before['versions'])}, so nothing records"
            " that migrations 2 and 3 were applied, and a restart cannot know to skip them;"
            " expected versions [1, 2, 3] recorded, and the same rows after a restart."
        )
        assert now == before["versions"], (
            f"Before the restart {describe_versions(before['versions'])} (applied_at"
            f" {[str(at) for _, at in before['versions'] or []]}); after it"
            f" {describe_versions(now)} (applied_at {[str(at) for _, at in now or []]}); expected"
            " no change: a recorded migration is never applied again."
        )
    with checks.case("the schema"):
        now_cols = columns(postgres, "members")
        assert now_cols == before["columns"], (
            f"Before the restart members had columns {before['columns']}; after it {now_cols};"
            " expected no change."
        )
    with checks.case("the rows"):
        now_rows = members(postgres)
        target = restarted["target"]
        changed = [i for i in before["members"] if now_rows.get(i) != before["members"][i]]
        assert not changed, (
            f"The restart changed {len(changed)} rows of members, e.g. before:"
            f" {show(before['members'][changed[0]])}; after: {show(now_rows.get(changed[0]))}."
            f" (The grader had set member {target}'s username to {restarted['username']!r} behind"
            f" the app's back; it was {restarted['old_username']!r}.) Expected no change: a"
            " backfill that runs at every start overwrites what users changed since."
        )


@pytest.mark.points(1)
def test_rows_survive_the_restart(app, legacy, written, restarted):
    """After the restart the member POSTed earlier and the grader's change are still served."""
    assert restarted["error"] is None, (
        f"Restarted over the migrated database, your app did not start: {restarted['error']}"
    )
    made = written["response"].json() if written["response"].status_code == 201 else None
    assert made is not None, "not run: POST /members after the migrations did not answer 201"
    r = app.get(f"/members/{made['id']}")
    expect.status(r, 200, why="a member written before a restart is still there after it")
    if expect.json_body(r) != made:
        expect.fail(r, f"{made}", "the member written before the restart is unchanged")
    r = app.get(f"/members/{restarted['target']}")
    expect.status(r, 200)
    got = expect.json_body(r).get("username")
    if got != restarted["username"]:
        expect.fail(
            r,
            f"username {restarted['username']!r} (set by the grader behind the app's back)",
            "a restart does not run a backfill again",
        )
