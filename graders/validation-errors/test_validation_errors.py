"""The grader of validation-errors: RFC 9457 problem details for an order API.

Contract: exercises/validation-errors/README.md. 415 for a body that is not JSON, 400 for JSON
that is not an object, 422 with every field error at once (a JSON Pointer per field).
"""

import json

import pytest

from sandbox.grading import expect, unique, unique_email, unique_int

JSON = {"Content-Type": "application/json"}


def valid_order(**changes):
    order = {
        "email": unique_email(),
        "shipping": {"country": "DE", "postcode": str(unique_int(10000, 99999))},
        "items": [{"sku": unique("sku"), "quantity": unique_int(1, 5)}],
    }
    order.update(changes)
    return order


def pointers(r, body):
    """The set of JSON Pointers in the problem's "errors" ("#/email" counts as "/email")."""
    errors = body.get("errors")
    expect.shape(
        r,
        errors,
        [{"pointer": str, "detail": str}],
        where='"errors"',
        why='a validation problem lists each field error as {"pointer": ..., "detail": ...}',
    )
    blank = [e for e in errors if not e["detail"].strip()]
    if blank:
        expect.fail(r, f"a non-empty detail for every error, not {blank}", "it is what the user reads")
    return {e["pointer"].removeprefix("#") for e in errors}


def validation_problem(r, wanted, why):
    """A 422 problem whose errors point at exactly the `wanted` fields."""
    body = expect.problem(r, 422, why=why)
    got = pointers(r, body)
    if got != set(wanted):
        missing, extra = set(wanted) - got, got - set(wanted)
        story = []
        if missing:
            story.append(f"missing {sorted(missing)}")
        if extra:
            story.append(f"pointing at fields that are fine {sorted(extra)}")
        expect.fail(
            r,
            f"errors with the pointers {sorted(wanted)}, but they are {sorted(got)} "
            f"({'; '.join(story)})",
            why,
        )
    return body


def filled_problem(r, status_code, why):
    body = expect.problem(r, status_code, why=why)
    for member in ("type", "title", "detail"):
        if not isinstance(body[member], str) or not body[member].strip():
            expect.fail(r, f'"{member}" to be a non-empty string', "RFC 9457 §3.1")


def order_count(app):
    r = app.get("/orders")
    expect.status(r, 200)
    return len(expect.json_body(r))


@pytest.mark.points(1)
def test_a_valid_order_is_created(app):
    """POST /orders with a valid order answers 201 with the order and its id."""
    order = valid_order(note=unique("note"))
    r = app.post("/orders", json=order)
    expect.status(r, 201, why="a valid order is accepted")
    created = expect.json_object(r, "id", "email", "shipping", "items")
    if {k: created.get(k) for k in order} != order:
        expect.fail(r, f"the order sent, {json.dumps(order)}, with an id")
    twenty = valid_order(items=[{"sku": unique("sku"), "quantity": 1} for _ in range(20)])
    expect.status(app.post("/orders", json=twenty), 201, why="20 items is the most, and allowed")


@pytest.mark.points(2)
def test_an_invalid_field_is_a_422_problem(app):
    """An order with one invalid field answers 422 application/problem+json with type, title, status, detail."""
    r = app.post("/orders", json=valid_order(email="not-an-email"))
    body = validation_problem(
        r, ["/email"], "a well-formed order whose content breaks a rule is a 422 problem (RFC 9457)"
    )
    for member in ("type", "title", "detail"):
        if not isinstance(body[member], str) or not body[member].strip():
            expect.fail(r, f'"{member}" to be a non-empty string', "RFC 9457 §3.1")


@pytest.mark.points(3)
def test_every_field_error_comes_at_once(app):
    """An order with four invalid fields lists all four errors in one answer."""
    order = {
        "email": 42,
        "shipping": {"country": "de", "postcode": str(unique_int(10000, 99999))},
        "items": [{"sku": unique("sku"), "quantity": 0}],
        "note": "x" * 201,
    }
    validation_problem(
        app.post("/orders", json=order),
        ["/email", "/shipping/country", "/items/0/quantity", "/note"],
        "a client fixing one error per round trip needs four tries; report them all at once",
    )


@pytest.mark.points(2)
def test_pointers_name_nested_fields(app):
    """Errors inside objects and lists point at the exact member: /shipping/postcode, /items/2/sku."""
    order = valid_order(
        shipping={"country": "FR"},
        items=[
            {"sku": unique("sku"), "quantity": 1},
            {"sku": unique("sku"), "quantity": 2},
            {"sku": "   ", "quantity": 3},
        ],
    )
    validation_problem(
        app.post("/orders", json=order),
        ["/shipping/postcode", "/items/2/sku"],
        "a JSON Pointer (RFC 6901) lets a form put the message next to the right field",
    )


@pytest.mark.points(2)
def test_each_rule_is_checked(app, checks):
    """Each rule the README states is a 422 pointing at that field."""
    cases = [
        ("email without @", {"email": "someone.example.com"}, "/email"),
        ("email missing", {"email": None}, "/email"),
        ("shipping not an object", {"shipping": "Berlin"}, "/shipping"),
        ("country of three letters", {"shipping": {"country": "DEU", "postcode": "1"}},
         "/shipping/country"),
        ("items empty", {"items": []}, "/items"),
        ("21 items", {"items": [{"sku": f"s{i}", "quantity": 1} for i in range(21)]}, "/items"),
        ("items not a list", {"items": {"sku": "a", "quantity": 1}}, "/items"),
        ("an item that is not an object", {"items": ["sku-1"]}, "/items/0"),
        ("quantity true", {"items": [{"sku": "a", "quantity": True}]}, "/items/0/quantity"),
        ("quantity 1.5", {"items": [{"sku": "a", "quantity": 1.5}]}, "/items/0/quantity"),
        ("note not a string", {"note": 7}, "/note"),
        ("note of 201 characters", {"note": "n" * 201}, "/note"),
    ]
    for name, change, pointer in cases:
        order = valid_order(**change)
        if change.get("email", "") is None:
            del order["email"]
        with checks.case(f"{name}: {json.dumps(order)}"):
            validation_problem(app.post("/orders", json=order), [pointer], f"the rule for {pointer}")


@pytest.mark.points(1)
def test_an_invalid_order_is_not_stored(app):
    """A refused order creates nothing: GET /orders lists no more orders than before."""
    before = order_count(app)
    r = app.post("/orders", json=valid_order(items=[]))
    expect.status(r, 422)
    if order_count(app) != before:
        expect.fail(r, "nothing stored", "an order with errors must not be half accepted")


@pytest.mark.points(2)
def test_a_body_that_is_not_a_json_object_is_400(app, checks):
    """Malformed JSON, or JSON that is not an object, answers 400 problem+json (not 422, not 500)."""
    bodies = [
        ("malformed JSON", '{"email": "a@b.example",'),
        ("an empty body", ""),
        ("a JSON list", json.dumps([valid_order()])),
        ("a JSON string", '"order"'),
    ]
    for name, body in bodies:
        with checks.case(f"{name}: {body[:40]!r} as application/json"):
            filled_problem(
                app.post("/orders", data=body, headers=JSON),
                400,
                why="the server cannot read fields out of this: a 400, not a 422",
            )


@pytest.mark.points(2)
def test_a_body_that_is_not_json_is_415(app, checks):
    """A body sent as a form, plain text or with no Content-Type answers 415 problem+json."""
    order = valid_order()
    cases = [
        ("a form", {"data": {"email": order["email"]}}),
        ("text/plain", {"data": json.dumps(order), "headers": {"Content-Type": "text/plain"}}),
        ("no Content-Type", {"data": json.dumps(order).encode()}),
    ]
    for name, kwargs in cases:
        with checks.case(f"POST /orders with {name}"):
            filled_problem(
                app.post("/orders", **kwargs),
                415,
                why="415 Unsupported Media Type: the API reads application/json only",
            )


@pytest.mark.points(2)
def test_other_errors_are_problems_too(app, checks):
    """Unknown URLs (404) and wrong methods (405, with Allow) answer problem+json as well."""
    with checks.case("GET on an unknown URL"):
        expect.problem(app.get(f"/{unique('nowhere')}"), 404, why="one error format everywhere")
    with checks.case("DELETE /orders"):
        r = app.delete("/orders")
        expect.problem(r, 405, why="one error format everywhere")
        expect.header(r, "Allow", contains="POST", why="a 405 says which methods work")
