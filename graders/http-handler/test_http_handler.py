"""Grader for http-handler: a small JSON resource (a shopping list) at /items.

Contract (see exercises/http-handler/README.md): GET /items, GET /items/<id>, POST /items with
validation, 201 + Location on create, JSON error bodies {"error": "..."} for every error status
(400, 404, 405), and Content-Type application/json on every response.

Mutants (`sandbox verify http-handler --mutants`) that survive are equivalent: the first new id
one higher (ids stay unique; the README promises no numbering); an error message's wording; the
validator's default quantity 1 -> 2 (it is only compared with >= 1); `return None` -> `return ''`
(both falsy); get_json(silent=False) (Flask then answers 400 or 415, both allowed).
"""

import json
import re

import pytest

from sandbox.grading import expect, unique

ERROR_SHAPE = 'a JSON body {"error": "..."}'
# The starter's seeds, which the README says to keep: a listing without them is not the same API.
SEEDS = [
    {"id": 1, "name": "milk", "quantity": 2},
    {"id": 2, "name": "bread", "quantity": 1},
    {"id": 3, "name": "coffee", "quantity": 1},
]

# What a Location header may look like: a path, or an absolute URL on any host.
LOCATION = re.compile(r"^(?:https?://[^/\s]+)?(/items/(\d+))/?$")


# --- helpers ------------------------------------------------------------------------------


def show(payload):
    """A request body as the learner would type it in curl."""
    return json.dumps(payload)


def is_whole_number(value):
    return isinstance(value, int) and not isinstance(value, bool)


def json_body(r, what):
    """Check that the response is JSON (header and body) and return the parsed body."""
    content_type = r.headers.get("Content-Type", "")
    mimetype = content_type.split(";")[0].strip().lower()
    assert mimetype == "application/json", (
        f"{what} returned {expect.got(r)}; every response, errors included, must have "
        f"Content-Type application/json (got {content_type or 'no Content-Type'!r})"
    )
    try:
        return r.json()
    except ValueError:
        pytest.fail(
            f"{what} said Content-Type application/json but the body is not valid JSON: {expect.got(r)}"
        )


def check_json_error(r, what, expected_statuses):
    """Check a JSON error answer: one of the expected statuses and a body {"error": "<text>"}.

    Returns None when it is fine, otherwise a message for the learner (so callers can collect
    several cases before failing).
    """
    wanted = " or ".join(str(s) for s in expected_statuses)
    if r.status_code not in expected_statuses:
        crashed = (
            ": your code raised an exception (the app's output shows the traceback)"
            if r.status_code == 500
            else ""
        )
        return f"{what} returned {expect.got(r)}{crashed}; expected {wanted} with {ERROR_SHAPE}"
    mimetype = r.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if mimetype != "application/json":
        return (
            f"{what} returned {expect.got(r)}; the status is right but the error must be JSON "
            f"(Content-Type application/json, {ERROR_SHAPE}), not Flask's HTML page: "
            f"register an error handler"
        )
    try:
        body = r.json()
    except ValueError:
        return (
            f"{what} said Content-Type application/json but the body is not valid JSON: {expect.got(r)}"
        )
    message = body.get("error") if isinstance(body, dict) else None
    if not (isinstance(message, str) and message.strip()):
        return (
            f"{what} returned {expect.got(r)}; the body must be a JSON object with a non-empty "
            f'string under "error", e.g. {{"error": "no item with id 42"}}'
        )
    return None


def assert_json_error(r, what, *expected_statuses):
    problem = check_json_error(r, what, expected_statuses)
    assert problem is None, problem


def assert_item_shape(item, what):
    example = '{"id": 1, "name": "milk", "quantity": 2}'
    assert isinstance(item, dict), f"{what} gave {item!r}; expected an item object like {example}"
    assert is_whole_number(item.get("id")), f'{what} gave {item!r}; "id" must be an integer'
    assert isinstance(item.get("name"), str), f'{what} gave {item!r}; "name" must be a string'
    assert is_whole_number(item.get("quantity")), (
        f'{what} gave {item!r}; "quantity" must be an integer'
    )


def list_items(app, *, check_items=False):
    """GET /items and return the list; check each item's shape only when asked.

    Only the listing test checks shapes, so one bad item stored by an earlier test does not
    fail every later test for the wrong reason.
    """
    r = app.get("/items")
    expect.status(r, 200, why="GET /items answers a JSON list of items")
    items = json_body(r, "GET /items")
    assert isinstance(items, list), (
        f"GET /items returned {expect.got(r)}; expected a JSON list (array) of item objects"
    )
    if check_items:
        for item in items:
            assert_item_shape(item, "GET /items")
    return items


def listed_ids(app):
    return [
        item["id"]
        for item in list_items(app)
        if isinstance(item, dict) and is_whole_number(item.get("id"))
    ]


def create_item(app, payload, *, require_201=True):
    """POST /items with a valid payload; check the echo and return (item, response)."""
    r = app.post("/items", json=payload)
    what = f"POST /items with body {show(payload)}"
    ok = (201,) if require_201 else (200, 201)
    expect.status(r, ok, why="a valid POST /items creates an item and answers it as JSON")
    item = json_body(r, what)
    assert_item_shape(item, what)
    assert item["name"] == payload["name"], (
        f"{what} answered {item!r}; the created item must have the name that was sent"
    )
    return item, r


# --- reading ------------------------------------------------------------------------------


@pytest.mark.points(1)
def test_list_returns_the_seeded_items(app):
    """GET /items answers 200 with a JSON list of the items, the three seeds included."""
    items = list_items(app, check_items=True)
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)), (
        f"GET /items returned duplicate ids: {ids}; every item needs an id of its own"
    )
    missing = [
        seed
        for seed in SEEDS
        if not any(all(item.get(k) == v for k, v in seed.items()) for item in items)
    ]
    assert not missing, (
        f"GET /items returned {show(items)[:400]}; expected the seeded items "
        f"{show(SEEDS)} among them, unchanged (missing: {show(missing)}). Keep the seeds "
        f"the starter has: the other tests read and collide with them"
    )


@pytest.mark.points(2)
def test_get_item_by_id(app):
    """GET /items/<id> answers 200 with the same item GET /items lists."""
    items = [item for item in list_items(app) if isinstance(item, dict) and "id" in item]
    assert items, "GET /items returned no item with an id: nothing to fetch by id (keep the seeds)"
    for item in items[:5]:
        path = f"/items/{item['id']}"
        r = app.get(path)
        assert r.status_code == 200, (
            f"GET {path} returned {expect.got(r)}; expected 200 with the item {show(item)} "
            f"(GET /items lists it)"
        )
        got = json_body(r, f"GET {path}")
        assert got == item, (
            f"GET {path} returned {show(got)}; expected the same object GET /items lists: "
            f"{show(item)}"
        )


@pytest.mark.points(2)
def test_get_unknown_id_is_404_json(app):
    """GET /items/<id> for an id that does not exist answers 404 with a JSON error."""
    missing = max(listed_ids(app), default=0) + 1000
    assert_json_error(app.get(f"/items/{missing}"), f"GET /items/{missing} (no such item)", 404)
    assert_json_error(app.get("/items/not-a-number"), "GET /items/not-a-number", 404)


@pytest.mark.points(1)
def test_unknown_url_is_404_json(app):
    """A URL no route matches answers 404 with a JSON error, not an HTML page."""
    path = f"/{unique('no-such-page')}"
    assert_json_error(app.get(path), f"GET {path} (a URL no route matches)", 404)


# --- creating -----------------------------------------------------------------------------


@pytest.mark.points(2)
def test_create_returns_201_with_the_item(app):
    """POST /items answers 201 Created with a new item, under a new id; quantity defaults to 1."""
    before = [item for item in list_items(app) if isinstance(item, dict)]
    first, _ = create_item(app, {"name": unique("eggs"), "quantity": 3})
    assert first["quantity"] == 3, (
        f'POST /items with "quantity": 3 answered {show(first)}; the item must keep quantity 3'
    )
    taken = [item for item in before if item.get("id") == first["id"]]
    assert not taken, (
        f"POST /items answered {show(first)}, but id {first['id']} already belongs to "
        f"{show(taken[0]) if taken else ''}; a new item needs an id no other item has"
    )
    after = list_items(app)
    lost = [item for item in before if item not in after]
    assert not lost, (
        f"after POST /items created {show(first)}, GET /items no longer lists {show(lost)} as "
        f"it was; creating an item must leave the others untouched"
    )
    payload = {"name": unique("tea")}
    second, _ = create_item(app, payload)
    assert second["quantity"] == 1, (
        f'POST /items with body {show(payload)} answered {show(second)}; without "quantity" '
        f"the item must get the default quantity 1"
    )
    assert second["id"] != first["id"], (
        f"two POSTs answered the same id {first['id']}: {show(first)} and {show(second)}; "
        f"every new item needs a new id"
    )
    # The README lets a name be stored as sent or with its surrounding whitespace stripped.
    name = unique("padded")
    r = app.post("/items", json={"name": f"  {name}  "})
    what = f"POST /items with body {show({'name': f'  {name}  '})}"
    assert r.status_code == 201, f"{what} returned {expect.got(r)}; expected 201 Created"
    padded = json_body(r, what)
    assert isinstance(padded, dict) and padded.get("name") in (f"  {name}  ", name), (
        f"{what} answered {show(padded)}; expected the name as sent, or with the spaces around "
        f"it stripped ({name!r})"
    )


@pytest.mark.points(2)
def test_create_sets_location_to_the_new_item(app):
    """POST /items sends a Location header that leads to the new item."""
    payload = {"name": unique("apples"), "quantity": 6}
    item, r = create_item(app, payload)
    what = f"POST /items with body {show(payload)}"
    location = r.headers.get("Location")
    assert location, (
        f"{what} returned {expect.got(r)} without a Location header; a 201 must say where the new "
        f"item lives, e.g. Location: /items/{item['id']}"
    )
    match = LOCATION.match(location)
    assert match, (
        f"{what} sent Location: {location}; expected /items/<id>, e.g. /items/{item['id']}"
    )
    path, location_id = match.group(1), int(match.group(2))
    assert location_id == item["id"], (
        f"{what} sent Location: {location} but the created item has id {item['id']}; the "
        f"Location must point at the item just created"
    )
    fetched = app.get(path)
    assert fetched.status_code == 200, (
        f"GET {path} (the Location of a new item) returned {expect.got(fetched)}; expected 200 with "
        f"the item {show(item)}"
    )
    got = json_body(fetched, f"GET {path}")
    assert got == item, (
        f"GET {path} (the Location of a new item) returned {show(got)}; expected the item POST "
        f"answered: {show(item)}"
    )


@pytest.mark.points(1)
def test_created_item_appears_in_the_list(app):
    """An item created with POST /items is listed by GET /items."""
    item, _ = create_item(app, {"name": unique("rice"), "quantity": 2}, require_201=False)
    items = list_items(app)
    assert item in items, (
        f"created {show(item)} with POST /items, but GET /items does not list it; store new "
        f"items where list_items reads them. GET /items returned {show(items)[:400]}"
    )


@pytest.mark.points(1)
def test_client_cannot_choose_the_id(app):
    """The server assigns ids: an "id" in the POST body is ignored."""
    seeds = [item for item in list_items(app) if isinstance(item, dict) and "id" in item]
    assert seeds, "GET /items returned no item with an id: nothing to collide with (keep the seeds)"
    existing = seeds[0]
    payload = {"name": unique("sneaky"), "id": existing["id"]}
    item, _ = create_item(app, payload, require_201=False)
    assert item["id"] != existing["id"], (
        f"POST /items with body {show(payload)} answered {show(item)}: the client picked the id "
        f"of an existing item. The server assigns ids; build the new item from the fields you "
        f"accept instead of copying the request body"
    )
    same_id = [
        other
        for other in list_items(app)
        if isinstance(other, dict) and other.get("id") == existing["id"]
    ]
    assert same_id == [existing], (
        f"after POST /items with body {show(payload)}, GET /items lists {show(same_id)} under id "
        f"{existing['id']}; expected only the original item {show(existing)}, untouched"
    )


# --- validation ---------------------------------------------------------------------------


def check_rejected(app, cases, expected_statuses=(400,)):
    """POST each (description, kwargs) case; return the learner-facing problems found."""
    problems = []
    for description, kwargs in cases:
        before = len(list_items(app))
        r = app.post("/items", **kwargs)
        problem = check_json_error(r, f"POST /items with {description}", expected_statuses)
        if problem is None and len(list_items(app)) != before:
            problem = (
                f"POST /items with {description} answered an error but still added an "
                f"item to GET /items; validate before you store"
            )
        if problem:
            problems.append(problem)
    return problems


def fail_if_any(problems, total):
    assert not problems, (
        f"{len(problems)} of {total} invalid requests did not get the error answer they need:"
        f"\n- " + "\n- ".join(problems)
    )


@pytest.mark.points(2)
def test_create_rejects_a_bad_name(app):
    """POST /items without a non-empty string "name" answers 400 with a JSON error."""
    bodies = [
        {},
        {"quantity": 2},
        {"name": ""},
        {"name": "   "},
        {"name": "\t\n "},
        {"name": None},
        {"name": 42},
        {"name": ["milk"]},
    ]
    cases = [(f"body {show(body)}", {"json": body}) for body in bodies]
    fail_if_any(check_rejected(app, cases), len(cases))


@pytest.mark.points(2)
def test_create_rejects_a_bad_quantity(app):
    """POST /items with a "quantity" that is not a whole number >= 1 answers 400."""
    quantities = ["3", 2.5, True, 0, -1, None]
    cases = [
        (f"body {show(b)}", {"json": b})
        for b in ({"name": unique("bad-qty"), "quantity": q} for q in quantities)
    ]
    problems = check_rejected(app, cases)
    # 3.0 is a JSON number with a fraction part: rejecting it and accepting it as 3 are both fine.
    payload = {"name": unique("three"), "quantity": 3.0}
    r = app.post("/items", json=payload)
    if r.status_code == 201:
        item = json_body(r, f"POST /items with body {show(payload)}")
        if not (isinstance(item, dict) and is_whole_number(item.get("quantity"))):
            problems.append(
                f"POST /items with body {show(payload)} answered {show(item)}; accepting 3.0 is "
                f"fine, but then store the whole number 3, not 3.0"
            )
    else:
        problem = check_json_error(r, f"POST /items with body {show(payload)}", (400,))
        if problem:
            problems.append(problem + " (or 201 with quantity 3)")
    fail_if_any(problems, len(cases) + 1)


@pytest.mark.points(2)
def test_create_rejects_a_body_that_is_not_a_json_object(app):
    """POST /items with a body that is not a JSON object answers 400, never 500."""
    as_json = {"Content-Type": "application/json"}
    cases = [
        (
            'the malformed JSON body \'{"name": "milk"\' (Content-Type application/json)',
            {"data": '{"name": "milk"', "headers": as_json},
        ),
        ('the JSON list ["milk"]', {"json": ["milk"]}),
        ('the JSON string "milk"', {"json": "milk"}),
        ("an empty body (Content-Type application/json)", {"data": b"", "headers": as_json}),
    ]
    problems = check_rejected(app, cases)
    # Without a JSON Content-Type, 415 Unsupported Media Type is a fine answer too.
    other_types = [
        (
            "the form body name=milk (Content-Type application/x-www-form-urlencoded)",
            {"data": {"name": "milk"}},
        ),
        (
            "the text body 'milk' (Content-Type text/plain)",
            {"data": b"milk", "headers": {"Content-Type": "text/plain"}},
        ),
    ]
    problems += check_rejected(app, other_types, expected_statuses=(400, 415))
    # A JSON object without a Content-Type: rejecting it (400/415) and parsing it are both fine.
    name = unique("untyped")
    what = f'POST /items with the body \'{{"name": "{name}"}}\' and no Content-Type'
    before = len(list_items(app))
    r = app.post("/items", data=json.dumps({"name": name}).encode())
    if r.status_code == 201:
        item = json_body(r, what)
        if not (isinstance(item, dict) and item.get("name") == name):
            problems.append(f"{what} answered {show(item)}; expected the item it created")
    else:
        problem = check_json_error(r, what, (400, 415))
        if problem is None and len(list_items(app)) != before:
            problem = f"{what} answered an error but still added an item to GET /items"
        if problem:
            problems.append(problem + " (or 201 if you read it as JSON anyway)")
    fail_if_any(problems, len(cases) + len(other_types) + 1)


# --- methods ------------------------------------------------------------------------------


@pytest.mark.points(2)
def test_wrong_method_is_405_json(app):
    """A method a route does not support answers 405 with a JSON error."""
    item_path = f"/items/{(listed_ids(app) or [1])[0]}"
    problems = [
        check_json_error(app.request(method, path), f"{method} {path}", (405,))
        for method, path in [("DELETE", "/items"), ("PATCH", "/items"), ("PUT", item_path)]
    ]
    problems = [p for p in problems if p]
    assert not problems, (
        "a method a route does not support must answer 405 Method Not Allowed with a JSON "
        "error body:\n- " + "\n- ".join(problems)
    )


@pytest.mark.points(1)
def test_405_is_json_and_keeps_the_allow_header(app):
    """A 405 answer is JSON and still lists the supported methods in its Allow header."""
    r = app.delete("/items")
    assert r.status_code == 405, f"DELETE /items returned {expect.got(r)}; expected 405"
    allowed = {m.strip().upper() for m in r.headers.get("Allow", "").split(",") if m.strip()}
    assert {"GET", "POST"} <= allowed, (
        f"DELETE /items answered 405 with Allow: {r.headers.get('Allow')!r}; a 405 must list the "
        f"methods the URL does support (here GET and POST). Build your JSON error from "
        f"exc.get_response() so the headers Flask set are kept"
    )
    assert_json_error(r, "DELETE /items", 405)
