"""Expectations that explain themselves: one line of grader, a message a learner can act on.

Each check raises an AssertionError (so it works inside `checks.case` and as a plain assert)
whose message says what was sent, what came back and what was expected, and why it matters:

    r = app.post("/items", json={"name": ""})
    expect.status(r, 400, why="a blank name is invalid input")
    → POST /items with JSON {"name": ""} answered 201 (application/json: '{"id": 3, …}');
      expected 400.
      Why it matters: a blank name is invalid input.

The full exchange (headers, bodies) is also in the test's transcript.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import requests

BODY_SHOWN = 300


class ExpectationFailed(AssertionError):
    """An expectation did not hold; the message is written for the learner."""


def sent(response: requests.Response) -> str:
    """'POST /items with JSON {"name": ""}': the request behind a response, briefly."""
    request = response.request
    method = request.method or "?"
    path = request.path_url or "/"
    body = request.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if not body:
        return f"{method} {path}"
    kind = request.headers.get("Content-Type", "")
    label = "JSON" if "json" in kind else f"a {kind.split(';')[0]} body" if kind else "a body"
    return f"{method} {path} with {label} {_short(str(body))}"


def got(response: requests.Response) -> str:
    """'500 text/html: '<!doctype…'': status, content type and the start of the body."""
    ctype = response.headers.get("Content-Type", "no Content-Type")
    body = response.content[: BODY_SHOWN * 4].decode("utf-8", errors="replace")
    if not body:
        return f"{response.status_code} {ctype} (empty body)"
    return f"{response.status_code} {ctype}: {_short(body)!r}"


def fail(response: requests.Response | None, expected: str, why: str = "") -> None:
    """Raise the standard message: what was sent, what came back, what was expected, why."""
    head = f"{sent(response)} answered {got(response)}; " if response is not None else ""
    message = f"{head}expected {expected}."
    if why:
        message += f"\nWhy it matters: {why.rstrip('.')}."
    raise ExpectationFailed(message)


def status(response: requests.Response, expected: int | Iterable[int], why: str = "") -> None:
    """The status is `expected` (or one of them)."""
    allowed = {expected} if isinstance(expected, int) else set(expected)
    if response.status_code not in allowed:
        fail(response, _or(sorted(allowed)), why)


def header(
    response: requests.Response,
    name: str,
    *,
    equals: str | None = None,
    matches: str | None = None,
    contains: str | None = None,
    absent: bool = False,
    why: str = "",
) -> str:
    """A header is present (and equals / matches a regex / contains a word), or is absent.
    Returns its value ('' when absent was expected)."""
    value = response.headers.get(name)
    if absent:
        if value is not None:
            fail(response, f"no {name} header, but it is {value!r}", why)
        return ""
    if value is None:
        fail(response, f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name} header", why)
        return ""  # unreachable: fail raised
    if equals is not None and value != equals:
        fail(response, f"{name}: {equals!r}, but it is {value!r}", why)
    if matches is not None and not re.fullmatch(matches, value):
        fail(response, f"{name} matching {matches!r}, but it is {value!r}", why)
    if contains is not None and contains.lower() not in value.lower():
        fail(response, f"{name} containing {contains!r}, but it is {value!r}", why)
    return value


def json_body(response: requests.Response, why: str = "", media: str = "json") -> Any:
    """The body parsed as JSON, with a JSON Content-Type (`media` must be in it)."""
    ctype = response.headers.get("Content-Type", "")
    if media not in ctype:
        fail(response, f"a JSON body with a Content-Type naming {media!r}", why)
    try:
        return json.loads(response.content.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        fail(response, "a body that parses as JSON", why)


def json_object(response: requests.Response, *keys: str, why: str = "") -> dict[str, Any]:
    """The body is a JSON object that has every key in `keys`."""
    body = json_body(response, why)
    if not isinstance(body, dict):
        fail(response, "a JSON object ({...})", why)
    missing = [k for k in keys if k not in body]
    if missing:
        fail(response, f"a JSON object with {_and(missing)}", why)
    return dict(body)


def shape(
    response: requests.Response, value: Any, schema: Any, where: str = "the body", why: str = ""
) -> None:
    """`value` fits `schema`: a type, a tuple of types, {key: schema} (keys required, more
    allowed) or [schema] (a list whose items all fit)."""
    problem = _misfit(value, schema, where)
    if problem:
        fail(response, problem, why)


def problem(
    response: requests.Response, status_code: int, why: str = "", fields: Iterable[str] = ()
) -> dict[str, Any]:
    """An RFC 9457 problem document: `application/problem+json`, the status, and
    type/title/status/detail members (status equal to the HTTP status)."""
    status(response, status_code, why)
    body = json_body(response, why, media="application/problem+json")
    if not isinstance(body, dict):
        fail(response, "a problem details object", why)
    missing = [k for k in ("type", "title", "status", "detail") if k not in body]
    if missing:
        fail(response, f"problem details with {_and(missing)}", why)
    if body.get("status") != status_code:
        fail(response, f'"status": {status_code} in the problem details', why)
    for name in fields:
        if name not in json.dumps(body):
            fail(response, f"the problem details to mention {name!r}", why)
    return dict(body)


def no_body(response: requests.Response, why: str = "") -> None:
    """The response carries no body (a 204 or a 304 must not)."""
    if response.content:
        fail(response, "no body at all", why)


def _misfit(value: Any, schema: Any, where: str) -> str:
    if isinstance(schema, Mapping):
        if not isinstance(value, dict):
            return f"{where} to be a JSON object, but it is {_kind(value)}"
        for key, sub in schema.items():
            if key not in value:
                return f"{where} to have {key!r}"
            problem = _misfit(value[key], sub, f"{where}[{key!r}]")
            if problem:
                return problem
        return ""
    if isinstance(schema, list):
        if not isinstance(value, list):
            return f"{where} to be a JSON list, but it is {_kind(value)}"
        for i, item in enumerate(value):
            problem = _misfit(item, schema[0], f"{where}[{i}]") if schema else ""
            if problem:
                return problem
        return ""
    types = schema if isinstance(schema, tuple) else (schema,)
    if (bool not in types and isinstance(value, bool)) or not isinstance(value, types):
        names = " or ".join(_type_name(t) for t in types)
        return f"{where} to be {names}, but it is {_kind(value)} {_short(json.dumps(value))}"
    return ""


def _type_name(kind: type) -> str:
    return {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "true or false",
        type(None): "null",
        dict: "an object",
        list: "a list",
    }.get(kind, kind.__name__)


def _kind(value: Any) -> str:
    return _type_name(type(value))


def _short(text: str, limit: int = BODY_SHOWN) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def _or(values: list[int]) -> str:
    return (
        str(values[0])
        if len(values) == 1
        else ", ".join(map(str, values[:-1])) + f" or {values[-1]}"
    )


def _and(names: list[str]) -> str:
    quoted = [repr(n) for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" and {quoted[-1]}"
