"""exercise.toml loading: the real exercises load, and every broken definition names file + field."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sandbox import exercises
from sandbox.errors import ExerciseError, UsageError
from sandbox.exercises import DIFFICULTIES, AppEntry, Exercise, Limits

REPO = Path(__file__).resolve().parents[2]
REAL_SLUGS = [
    "http-handler",
    "add-index",
    "hash-passwords",
    "middleware",
    "error-handling",
    "app-factory",
    "health-config",
    "tracing",
]  # path order


# -- the real exercises --------------------------------------------------------------------------


@pytest.fixture
def real_exercises(monkeypatch: pytest.MonkeyPatch) -> list[Exercise]:
    monkeypatch.delenv("SANDBOX_HOME", raising=False)
    return exercises.load_all()


def test_project_root_defaults_to_the_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SANDBOX_HOME", raising=False)
    assert exercises.project_root() == REPO


def test_project_root_follows_sandbox_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SANDBOX_HOME", str(tmp_path))
    assert exercises.project_root() == tmp_path


def test_the_real_exercises_load(real_exercises: list[Exercise]) -> None:
    assert [e.slug for e in real_exercises] == exercises.load_path(REPO).order(), "path order"
    assert set(REAL_SLUGS) <= {e.slug for e in real_exercises}
    for ex in real_exercises:
        assert isinstance(ex.title, str) and ex.title.strip()
        assert isinstance(ex.summary, str) and ex.summary.strip()
        assert isinstance(ex.topics, tuple) and ex.topics
        assert all(isinstance(t, str) for t in ex.topics)
        assert ex.difficulty in DIFFICULTIES
        assert ex.kind in ("app", "tests")
        assert isinstance(ex.points, int | float) and ex.points > 0
        assert isinstance(ex.time_limit_s, int | float) and 5 <= ex.time_limit_s <= 600
        assert isinstance(ex.hints, tuple) and ex.hints
        assert isinstance(ex.app, AppEntry) and ex.app.module.isidentifier()
        assert isinstance(ex.limits, Limits)
        assert isinstance(ex.limits.memory_mb, int)
        assert isinstance(ex.limits.pids, int)
        assert isinstance(ex.grader_private, bool)
        assert ex.root == REPO / "exercises" / ex.slug
        assert ex.grader_dir == REPO / "graders" / ex.slug
        assert ex.readme.is_file()
        if ex.kind == "tests":  # the submission is tests (tests/unit/test_tests_kind.py)
            assert any(ex.starter.glob("test_*.py")) and any(ex.solution.glob("test_*.py"))
            continue
        entry = f"{ex.app.module}.py"  # app.py, or e.g. wsgi.py for a factory's entry point
        assert (ex.starter / entry).is_file() and (ex.solution / entry).is_file()


def _grader_points(grader_dir: Path) -> float:
    """Sum of @pytest.mark.points(n) over the grader's module-level tests (default 1), statically."""
    total = 0.0
    for path in sorted(grader_dir.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            assert not isinstance(node, ast.ClassDef) or not node.name.startswith("Test"), (
                f"{path}: test classes are not counted by this static check; extend it"
            )
            if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test"):
                continue
            points = 1.0
            for deco in node.decorator_list:
                text = ast.unparse(deco)
                assert "parametrize" not in text, (
                    f"{path}:{node.name}: parametrized tests are not counted by this static check"
                )
                if isinstance(deco, ast.Call) and text.startswith("pytest.mark.points("):
                    points = float(ast.literal_eval(deco.args[0]))
            total += points
    return total


@pytest.mark.parametrize("slug", REAL_SLUGS)
def test_real_points_match_the_grader_markers(slug: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SANDBOX_HOME", raising=False)
    ex = exercises.load(slug)
    assert ex.points == _grader_points(ex.grader_dir), (
        f"exercises/{slug}/exercise.toml says points = {ex.points:g}; the grader's markers differ"
    )


# -- a valid fixture exercise ------------------------------------------------------------------


def test_fixture_exercise_loads_with_every_field(sandbox_home: Path) -> None:
    ex = exercises.load("demo")
    assert ex.slug == "demo"
    assert ex.title == "Demo: a tiny JSON API"
    assert ex.topics == ("http", "json")
    assert ex.hints == ("first hint", "second hint")
    assert ex.points == 3
    assert ex.limits.memory_mb == 256 and ex.limits.test_timeout_s == 10
    assert ex.grader_private is False
    assert ex.root == sandbox_home / "exercises" / "demo"
    assert exercises.load_all() == [ex]


def test_optional_tables_take_the_defaults(
    tmp_path: Path, exercise_data: dict[str, Any], exercise_factory: Callable[..., Path]
) -> None:
    for key in ("app", "limits", "grader"):
        del exercise_data[key]
    exercise_factory(tmp_path, "demo", exercise_data)
    ex = exercises.load("demo", tmp_path)
    assert ex.app == AppEntry()
    assert ex.limits == Limits()
    assert ex.grader_private is False


def test_load_all_skips_folders_without_exercise_toml(sandbox_home: Path) -> None:
    (sandbox_home / "exercises" / "notes").mkdir()
    assert [e.slug for e in exercises.load_all()] == ["demo"]


def test_load_all_without_an_exercises_folder(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no exercises folder"):
        exercises.load_all(tmp_path)


# -- broken definitions: every error names the file and the field -------------------------------


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    *tables, key = dotted.split(".")
    for t in tables:
        data = data.setdefault(t, {})
    if value is _DELETE:
        del data[key]
    else:
        data[key] = value


_DELETE = object()

BROKEN = [
    # (dotted field set, value, field named in the error, words of the problem)
    ("title", _DELETE, "title", "required field is missing"),
    ("title", "   ", "title", "non-empty string"),
    ("difficulty", "expert", "difficulty", "must be one of beginner, intermediate, advanced"),
    ("kind", "quiz", "kind", "must be one of app"),
    ("time_limit_s", 4, "time_limit_s", "between 5 and 600"),
    ("time_limit_s", 601, "time_limit_s", "between 5 and 600"),
    ("time_limit_s", "60", "time_limit_s", "must be a number"),
    ("points", True, "points", "must be a number"),
    ("limits.memory_mb", 63, "limits.memory_mb", "between 64 and 1024"),
    ("limits.memory_mb", 4096, "limits.memory_mb", "between 64 and 1024"),
    ("limits.cpus", 8.0, "limits.cpus", "between 0.25 and 2"),
    ("app.module", "my-app", "app.module", "not a valid Python name"),
    ("app.module", "1app", "app.module", "not a valid Python name"),
    ("app.attribute", "app()", "app.attribute", "not a valid Python name"),
    ("app.startup_timeout_s", 0, "app.startup_timeout_s", "between 1 and 60"),
    ("grader.private", "yes", "grader.private", "true or false"),
    ("hints", "read the docs", "hints", "non-empty list of non-empty strings"),
    ("hints", [], "hints", "non-empty list of non-empty strings"),
    ("hints", ["ok", 3], "hints", "non-empty list of non-empty strings"),
    ("topics", [""], "topics", "non-empty list of non-empty strings"),
    ("colour", "blue", "colour", "unknown field"),
    ("app", "app", "app", "must be a table"),
    ("id", _DELETE, "id", "required field is missing"),
    ("id", "Demo Id", "id", "not a stable id"),
    ("format_version", 2, "format_version", "between 1 and 1"),
    ("estimated_minutes", 0, "estimated_minutes", "between 1 and 600"),
    ("prerequisites", ["Not A Slug"], "prerequisites", "not an exercise slug"),
    ("points", 4, "points", "markers add up to 3"),
]


@pytest.mark.parametrize(
    ("dotted", "value", "field", "problem"),
    BROKEN,
    ids=[f"{b[0]}={b[1]!r}" if b[1] is not _DELETE else f"{b[0]}-missing" for b in BROKEN],
)
def test_invalid_field_names_file_and_field(
    tmp_path: Path,
    exercise_data: dict[str, Any],
    exercise_factory: Callable[..., Path],
    dotted: str,
    value: Any,
    field: str,
    problem: str,
) -> None:
    _set(exercise_data, dotted, value)
    folder = exercise_factory(tmp_path, "demo", exercise_data)
    with pytest.raises(ExerciseError) as info:
        exercises.load("demo", tmp_path)
    err = info.value
    toml_path = folder / "exercise.toml"
    assert err.path == toml_path
    assert err.field == field
    assert str(err).startswith(f"{toml_path}: {field}: ")
    assert problem in str(err)
    assert err.exit_code == 2


@pytest.mark.parametrize(
    ("table", "key"), [("app", "modul"), ("limits", "memory"), ("grader", "hiden")]
)
def test_unknown_field_in_a_table_names_the_dotted_field(
    tmp_path: Path,
    exercise_data: dict[str, Any],
    exercise_factory: Callable[..., Path],
    table: str,
    key: str,
) -> None:
    """A typo in [limits] must not silently fall back to the default limit."""
    exercise_data[table][key] = 1
    folder = exercise_factory(tmp_path, "demo", exercise_data)
    with pytest.raises(ExerciseError) as info:
        exercises.load("demo", tmp_path)
    assert info.value.path == folder / "exercise.toml"
    assert info.value.field == f"{table}.{key}"
    assert "unknown field" in str(info.value)


def test_invalid_toml_names_the_file(tmp_path: Path, exercise_factory: Callable[..., Path]) -> None:
    folder = exercise_factory(tmp_path, "demo", toml='title = "unterminated\n')
    with pytest.raises(ExerciseError) as info:
        exercises.load("demo", tmp_path)
    assert info.value.path == folder / "exercise.toml"
    assert str(folder / "exercise.toml") in str(info.value)
    assert "not valid TOML" in str(info.value)


@pytest.mark.parametrize("missing", ["starter", "solution"])
def test_missing_app_module_names_the_folder(
    tmp_path: Path, exercise_factory: Callable[..., Path], missing: str
) -> None:
    folder = exercise_factory(tmp_path, "demo", **{missing: False})
    with pytest.raises(ExerciseError) as info:
        exercises.load("demo", tmp_path)
    assert info.value.path == folder / missing
    assert str(folder / missing) in str(info.value)
    assert "missing app.py" in str(info.value)


def test_dotted_app_module_is_looked_up_as_a_path(
    tmp_path: Path, exercise_data: dict[str, Any], exercise_factory: Callable[..., Path]
) -> None:
    exercise_data["app"]["module"] = "pkg.web"
    folder = exercise_factory(tmp_path, "demo", exercise_data)
    with pytest.raises(ExerciseError, match=r"missing pkg\.web"):
        exercises.load("demo", tmp_path)
    for sub in ("starter", "solution"):
        (folder / sub / "pkg").mkdir()
        (folder / sub / "pkg" / "web.py").write_text("app = None\n")
    assert exercises.load("demo", tmp_path).app.module == "pkg.web"


def test_missing_readme_names_it(tmp_path: Path, exercise_factory: Callable[..., Path]) -> None:
    folder = exercise_factory(tmp_path, "demo", readme=False)
    with pytest.raises(ExerciseError) as info:
        exercises.load("demo", tmp_path)
    assert info.value.path == folder / "README.md"
    assert str(folder / "README.md") in str(info.value)


def test_missing_grader_tests_name_the_grader_folder(
    tmp_path: Path, exercise_factory: Callable[..., Path]
) -> None:
    exercise_factory(tmp_path, "demo", grader=False)
    grader = tmp_path / "graders" / "demo"
    (grader / "helpers.py").write_text("X = 1\n")  # a helper alone is not a grader
    with pytest.raises(ExerciseError) as info:
        exercises.load("demo", tmp_path)
    assert info.value.path == grader
    assert "test_*.py" in str(info.value)


def test_missing_grader_folder(tmp_path: Path, exercise_factory: Callable[..., Path]) -> None:
    exercise_factory(tmp_path, "demo", grader=False)
    (tmp_path / "graders" / "demo").rmdir()
    with pytest.raises(ExerciseError, match="grader folder"):
        exercises.load("demo", tmp_path)


# -- unknown and malformed slugs -------------------------------------------------------------


def test_unknown_slug_lists_the_known_ones(
    tmp_path: Path, exercise_factory: Callable[..., Path]
) -> None:
    exercise_factory(tmp_path, "demo")
    exercise_factory(tmp_path, "other")
    with pytest.raises(UsageError) as info:
        exercises.load("nope", tmp_path)
    message = str(info.value)
    assert "unknown exercise 'nope'" in message
    assert "known: demo, other" in message
    assert info.value.exit_code == 2


@pytest.mark.parametrize("slug", ["../demo", "Demo", "", "a/b", "-x"])
def test_malformed_slug_is_a_usage_error(sandbox_home: Path, slug: str) -> None:
    with pytest.raises(UsageError, match="not an exercise name"):
        exercises.load(slug)


# -- points stated once, and the learning path ---------------------------------------------------

GRADER_7_POINTS = """import pytest

@pytest.mark.points(2)
@pytest.mark.parametrize("n", [1, 2, 3])
def test_a(app, n):
    "described"

def test_b(app):
    pass
"""


def test_points_are_derived_from_the_grader_when_not_stated(
    tmp_path: Path, exercise_data: dict[str, Any], exercise_factory: Callable[..., Path]
) -> None:
    del exercise_data["points"]
    exercise_factory(tmp_path, "demo", exercise_data)
    (tmp_path / "graders" / "demo" / "test_x.py").write_text(GRADER_7_POINTS)
    assert exercises.load("demo", tmp_path).points == 7  # 2 x 3 cases + 1


def _path_file(home: Path, body: str) -> Path:
    path = home / "exercises" / "path.toml"
    path.write_text('format_version = 1\ntopics = ["http", "json"]\n' + body, encoding="utf-8")
    return path


def _track(ident: str, slugs: str) -> str:
    return f'[[tracks]]\nid = "{ident}"\ntitle = "T"\nsummary = "s"\nexercises = [{slugs}]\n'


def test_the_learning_path_orders_the_exercises_and_names_their_tracks(
    tmp_path: Path, exercise_data: dict[str, Any], exercise_factory: Callable[..., Path]
) -> None:
    for slug in ("alpha", "beta", "gamma"):
        exercise_factory(tmp_path, slug, {**exercise_data, "id": slug})
    _path_file(tmp_path, _track("two", '"gamma", "alpha"') + _track("one", ""))
    loaded = exercises.load_all(tmp_path)
    assert [(e.slug, e.track) for e in loaded] == [("gamma", "two"), ("alpha", "two"), ("beta", "")]
    path = exercises.load_path(tmp_path)
    assert [t.id for t in path.tracks] == ["two", "one"] and path.topics == {"http", "json"}


@pytest.mark.parametrize(
    ("tracks", "field", "problem"),
    [
        (_track("t", '"nope"'), None, "'nope'"),
        (_track("t", '"demo"') + _track("u", '"demo"'), "tracks[1].exercises", "in track 't'"),
        (_track("T T", ""), "tracks[0].id", "track id"),
        ("", "tracks", "list of [[tracks]]"),
    ],
)
def test_a_broken_learning_path_names_the_file_and_field(
    sandbox_home: Path, tracks: str, field: str | None, problem: str
) -> None:
    path = _path_file(sandbox_home, tracks)
    with pytest.raises(ExerciseError) as info:
        exercises.load_all(sandbox_home)
    assert info.value.path == path and info.value.field == field
    assert problem in str(info.value)
