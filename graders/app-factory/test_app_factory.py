"""The grader of app-factory: each test's docstring is what the learner reads.

Behaviour: the given wsgi.py makes three apps with create_app() in one process (alpha at /,
beta at /beta, plain at /plain); the grader names alpha and beta afresh for each run
(SITE_ALPHA_NAME, SITE_BETA_NAME) and checks they keep their own settings and notes.
Structure: the submission's source is read as text and parsed with `ast` — never imported here.
"""

import ast

import pytest

from sandbox.grading import expect, read_text_capped, unique

ALPHA, BETA = unique("alpha"), unique("beta")
# Where each app's API lives, and the settings wsgi.py gives it.
SITES = {
    "alpha": ("/api", {"name": ALPHA, "max_notes": 3}),
    "beta": ("/beta/v2", {"name": BETA, "max_notes": 5}),
    "plain": ("/plain/api", {"name": "notes", "max_notes": 100}),
}
WSGI_GIVEN = """
import os
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from notes import create_app
alpha = create_app({"NAME": os.environ.get("SITE_ALPHA_NAME", "alpha"), "MAX_NOTES": 3})
beta = create_app(
    {"NAME": os.environ.get("SITE_BETA_NAME", "beta"), "API_PREFIX": "/v2", "MAX_NOTES": 5}
)
plain = create_app()
app = DispatcherMiddleware(alpha, {"/beta": beta, "/plain": plain})
"""
MAX_FILES = 60


def _code_only(text):
    """wsgi.py without its docstring, comments and blank lines, for comparison."""
    tree = ast.parse(text)
    return ast.dump(
        ast.Module(body=[n for n in tree.body if not _is_docstring(n)], type_ignores=[])
    )


def _is_docstring(node):
    return isinstance(node, ast.Expr) and isinstance(getattr(node, "value", None), ast.Constant)


@pytest.fixture(scope="module")
def site(app):
    """The app, started with fresh names for alpha and beta, once wsgi.py is known unchanged."""
    try:
        text = read_text_capped(app.workdir / "wsgi.py", 20_000)
        same = _code_only(text) == _code_only(WSGI_GIVEN)
    except (FileNotFoundError, SyntaxError):
        same = False
    if not same:
        pytest.fail(
            "wsgi.py is not the one given (its code differs, or it is missing). The "
            "grader checks your factory through it: restore it from the starter."
        )
    app.restart(env={"SITE_ALPHA_NAME": ALPHA, "SITE_BETA_NAME": BETA})
    return app


def sources(app):
    """{relative path: parsed module} of the .py files of the notes package and the top level."""
    root = app.workdir
    found = {}
    paths = sorted(root.glob("*.py")) + sorted((root / "notes").glob("**/*.py"))
    for path in paths[:MAX_FILES]:
        rel = path.relative_to(root).as_posix()
        try:
            found[rel] = ast.parse(read_text_capped(path, 200_000), filename=rel)
        except SyntaxError as exc:
            pytest.fail(f"{rel} does not parse: {exc}")
    return found


def module_level(tree):
    """The nodes of a module that run at import: everything outside def and class bodies."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            # Decorators and defaults run at import; the body does not.
            stack.extend(getattr(node, "decorator_list", []))
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def called_name(call):
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def info(site, name, checks=None):
    prefix, _ = SITES[name]
    r = site.get(f"{prefix}/info")
    expect.status(r, 200, why=f"the {name} app serves its API under {prefix}")
    return expect.json_object(r, "name", "notes", "max_notes")


def add(site, name, text, status=201):
    prefix, _ = SITES[name]
    r = site.post(f"{prefix}/notes", json={"text": text})
    expect.status(r, status)
    return r


def listed(site, name):
    prefix, _ = SITES[name]
    r = site.get(f"{prefix}/notes")
    expect.status(r, 200)
    body = expect.json_object(r, "notes")
    expect.shape(r, body["notes"], [{"id": int, "text": str}])
    return r, body["notes"]


@pytest.mark.points(2)
def test_each_app_has_its_own_settings(site, checks):
    """GET …/info shows each app's own NAME and MAX_NOTES; create_app() alone uses the defaults."""
    for name, (prefix, wanted) in SITES.items():
        with checks.case(f"the {name} app (GET {prefix}/info)"):
            r = site.get(f"{prefix}/info")
            expect.status(r, 200, why=f"wsgi.py mounts the {name} app's API at {prefix}")
            got = expect.json_object(r, "name", "max_notes")
            if (got["name"], got["max_notes"]) != (wanted["name"], wanted["max_notes"]):
                expect.fail(
                    r,
                    f'"name": {wanted["name"]!r}, "max_notes": {wanted["max_notes"]}',
                    "each create_app(config) call builds an app with its own settings; "
                    "one app's settings must not overwrite another's",
                )


@pytest.mark.points(2)
def test_the_api_blueprint_is_under_the_configured_prefix(site, checks):
    """The API is mounted under each app's API_PREFIX: /beta/v2/… answers, /beta/api/… is 404."""
    for path, status, why in (
        ("/api/notes", 200, "alpha's prefix is the default, /api"),
        ("/beta/v2/notes", 200, "beta's API_PREFIX is /v2"),
        ("/plain/api/notes", 200, "plain's prefix is the default, /api"),
        ("/beta/api/notes", 404, "beta's API_PREFIX is /v2, so nothing is under /api there"),
        ("/v2/notes", 404, "alpha's prefix is /api, not beta's /v2"),
    ):
        with checks.case(f"GET {path} → {status}"):
            expect.status(site.get(path), status, why=why)


@pytest.mark.points(2)
def test_a_note_is_created_and_listed(site, checks):
    """POST …/notes answers 201 with {"id", "text"}; GET …/notes lists it, oldest first."""
    text = unique("note")
    r = add(site, "plain", text)
    note = expect.json_object(r, "id", "text")
    expect.shape(r, note, {"id": int, "text": str})
    r, notes = listed(site, "plain")
    if not notes or notes[-1] != note:
        expect.fail(r, f"the list ending with the new note {note}", "a note, once made, is kept")


@pytest.mark.points(1)
def test_an_invalid_note_is_refused(site, checks):
    """POST …/notes without a non-empty string "text" answers 400 with a JSON error."""
    bodies = [{"json": b} for b in ({}, {"text": ""}, {"text": 42}, ["text"])]
    bodies.append({"data": "hello", "headers": {"Content-Type": "text/plain"}})
    for kw in bodies:
        shown = repr(kw["json"]) if "json" in kw else "the text/plain body 'hello'"
        with checks.case(f"POST /api/notes with {shown}"):
            r = site.post("/api/notes", **kw)
            expect.status(r, 400, why="a note needs a JSON object with a non-empty string text")
            expect.json_object(r, "error")


@pytest.mark.points(2)
def test_notes_stay_in_their_own_app(site, checks):
    """A note added to one app never shows up in another: each app has its own store."""
    mine = {"alpha": unique("alpha-note"), "beta": unique("beta-note")}
    add(site, "alpha", mine["alpha"])
    add(site, "beta", mine["beta"])
    for name in SITES:
        with checks.case(f"the {name} app's list"):
            r, notes = listed(site, name)
            texts = {n["text"] for n in notes}
            strays = [t for owner, t in mine.items() if owner != name and t in texts]
            if strays:
                expect.fail(
                    r,
                    f"no note of another app; it lists {strays}",
                    "state at module level is shared by every app in the process",
                )


@pytest.mark.points(1)
def test_ids_count_from_one_in_each_app(site, checks):
    """Note ids are 1, 2, 3, … in each app separately."""
    for name in ("beta", "plain"):
        with checks.case(f"the {name} app"):
            before = info(site, name)["notes"]
            r = add(site, name, unique("count"))
            got = expect.json_object(r, "id")["id"]
            if got != before + 1:
                expect.fail(
                    r,
                    f'"id": {before + 1} (this app held {before} notes)',
                    "a counter shared by all apps is module-level state",
                )


@pytest.mark.points(2)
def test_max_notes_applies_per_app(site, checks):
    """Alpha refuses its 4th note with 409 while beta, with MAX_NOTES 5, still accepts."""
    site.restart()  # fresh apps: alpha and beta empty
    for i in range(3):
        add(site, "alpha", unique(f"fill{i}"))
    with checks.case("alpha's 4th note"):
        r = site.post("/api/notes", json={"text": unique("over")})
        expect.status(r, 409, why="alpha's MAX_NOTES is 3")
        expect.json_object(r, "error")
    with checks.case("beta's 4th note"):
        for i in range(3):
            add(site, "beta", unique(f"fill{i}"))
        r = site.post("/beta/v2/notes", json={"text": unique("fourth")})
        expect.status(r, 201, why="beta's MAX_NOTES is 5, and alpha's notes are not beta's")


@pytest.mark.points(2)
def test_create_app_is_a_factory_that_registers_a_blueprint(site, checks):
    """notes/__init__.py defines create_app(config=None), which registers a Blueprint."""
    found = sources(site)
    init = found.get("notes/__init__.py")
    factory = None
    if init is not None:
        factory = next(
            (n for n in init.body if isinstance(n, ast.FunctionDef) and n.name == "create_app"),
            None,
        )
    with checks.case("notes/__init__.py defines create_app(config=None)"):
        args = factory.args if factory else None
        ok = args is not None and len(args.args) >= 1 and len(args.defaults) >= len(args.args)
        assert ok, (
            "notes/__init__.py has no top-level def create_app(config=None) whose "
            "parameters all have defaults"
            if factory is None or args is None
            else f"create_app takes {[a.arg for a in args.args]}; it must take the settings "
            "as its first parameter and work with none (config=None)"
        )
    with checks.case("create_app calls register_blueprint"):
        calls = [n for n in ast.walk(factory) if isinstance(n, ast.Call)] if factory else []
        assert any(called_name(c) == "register_blueprint" for c in calls), (
            "create_app never calls app.register_blueprint(...): the routes belong in a "
            "Blueprint that each new app registers, under its API_PREFIX"
        )
    with checks.case("a Blueprint is defined in the notes package"):
        made = [
            rel
            for rel, tree in found.items()
            if rel.startswith("notes/")
            and any(
                isinstance(n, ast.Call) and called_name(n) == "Blueprint" for n in ast.walk(tree)
            )
        ]
        assert made, "no file of the notes package creates a Blueprint(...)"


@pytest.mark.points(2)
def test_no_app_is_made_at_import_time(site, checks):
    """No module creates a Flask app at import (module level): only create_app does."""
    for rel, tree in sources(site).items():
        with checks.case(rel):
            at_import = [
                n.lineno
                for n in module_level(tree)
                if isinstance(n, ast.Call) and called_name(n) == "Flask"
            ]
            assert not at_import, (
                f"{rel} calls Flask(...) at module level (line {at_import[0]}): that app is "
                "made once, at import, and shared by every caller of create_app. Make the "
                "app inside create_app."
            )
