"""Workspaces: start, find, hints; progress across workspaces."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox import exercises, workspace
from sandbox.errors import UsageError
from sandbox.exercises import Exercise
from sandbox.results import Result, Status
from sandbox.workspace import MARKER, Progress, Workspace


@pytest.fixture
def demo(sandbox_home: Path) -> Exercise:
    return exercises.load("demo")


def test_start_copies_starter_and_readme_and_writes_the_marker(
    demo: Exercise, tmp_path: Path
) -> None:
    cache = demo.starter / "__pycache__"
    cache.mkdir()
    (cache / "app.cpython-311.pyc").write_bytes(b"\0junk")
    target = tmp_path / "ws"

    ws = workspace.start(demo, target)

    assert ws == Workspace(target, "demo", 0, "demo")
    assert (target / "app.py").read_text() == (demo.starter / "app.py").read_text()
    assert (target / "README.md").read_text() == demo.readme.read_text()
    assert not (target / "__pycache__").exists()
    assert json.loads((target / MARKER).read_text()) == {
        "exercise": "demo",
        "id": "demo",
        "hints_shown": 0,
    }
    assert sorted(p.name for p in target.iterdir()) == sorted([MARKER, "README.md", "app.py"])
    assert not list(target.glob(f".{MARKER}.*")), "a temporary file of the atomic write was left"


def test_start_never_copies_the_solution(demo: Exercise, tmp_path: Path) -> None:
    (demo.solution / "secret.py").write_text("ANSWER = 42\n")
    workspace.start(demo, tmp_path / "ws")
    assert (tmp_path / "ws" / "app.py").read_text() != (demo.solution / "app.py").read_text()
    assert not (tmp_path / "ws" / "secret.py").exists()


def test_start_into_an_existing_empty_folder(demo: Exercise, tmp_path: Path) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    workspace.start(demo, target)
    assert (target / "app.py").is_file()


def test_start_into_a_non_empty_folder_is_refused(demo: Exercise, tmp_path: Path) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "app.py").write_text("mine = True\n")
    with pytest.raises(UsageError, match="is not empty") as info:
        workspace.start(demo, target)
    assert "sandbox start demo" in str(info.value)
    assert (target / "app.py").read_text() == "mine = True\n"
    assert not (target / MARKER).exists()


def test_find_from_the_workspace_and_from_a_subfolder(demo: Exercise, tmp_path: Path) -> None:
    target = tmp_path / "ws"
    workspace.start(demo, target)
    deep = target / "pkg" / "deeper"
    deep.mkdir(parents=True)

    here = workspace.find(target)
    below = workspace.find(deep)

    assert here is not None and here.exercise == "demo" and here.path == target
    assert below is not None and below.exercise == "demo"
    assert below.path.resolve() == target.resolve()


def test_find_outside_any_workspace_is_none(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    assert workspace.find(tmp_path / "plain") is None


@pytest.mark.parametrize(
    "content",
    ["{not json", "[]", '{"hints_shown": 1}', '{"exercise": "demo", "hints_shown": "many"}'],
)
def test_find_reports_a_damaged_marker(tmp_path: Path, content: str) -> None:
    (tmp_path / MARKER).write_text(content)
    with pytest.raises(UsageError, match="damaged"):
        workspace.find(tmp_path)


def test_find_ignores_a_symlinked_marker(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps({"exercise": "demo"}))
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / MARKER).symlink_to(elsewhere)
    assert workspace.find(ws) is None


def test_next_hint_reveals_in_order_then_none(demo: Exercise, tmp_path: Path) -> None:
    ws = workspace.start(demo, tmp_path / "ws")

    assert workspace.next_hint(ws, demo) == (1, "first hint")
    assert workspace.next_hint(ws, demo) == (2, "second hint")
    assert workspace.next_hint(ws, demo) is None
    assert workspace.next_hint(ws, demo) is None
    assert ws.hints_shown == 2


def test_hints_shown_survive_a_new_lookup(demo: Exercise, tmp_path: Path) -> None:
    workspace.start(demo, tmp_path / "ws")
    first = workspace.find(tmp_path / "ws")
    assert first is not None
    workspace.next_hint(first, demo)

    again = workspace.find(tmp_path / "ws")
    assert again is not None and again.hints_shown == 1
    assert workspace.next_hint(again, demo) == (2, "second hint")


# -- progress ----------------------------------------------------------------------------------


def test_progress_location_follows_xdg_data_home(private_data_home: Path) -> None:
    assert Progress.location() == private_data_home / "backend-sandbox" / "progress.json"


def test_progress_starts_empty(private_data_home: Path) -> None:
    assert Progress.load().entries == {}


def test_progress_record_keeps_the_best_score_and_done(
    demo: Exercise, tmp_path: Path, make_result: Callable[..., Result], private_data_home: Path
) -> None:
    ws = workspace.start(demo, tmp_path / "ws")
    progress = Progress.load()
    progress.record(demo, make_result(Status.FAIL, 2, 3), ws)
    assert not Progress.load().done(demo) and Progress.load().state(demo) == "started"
    progress.record(demo, make_result(Status.PASS, 3, 3), ws)
    progress.record(demo, make_result(Status.FAIL, 1, 3), ws)

    entry = Progress.load().entries["demo"]
    assert entry["best_score"] == 3 and entry["attempts"] == 3 and entry["max_score"] == 3
    assert entry["last_status"] == "fail" and entry["last_score"] == 1
    assert entry["done"] is True, "done stays done after a worse attempt"
    assert Progress.load().workspace_of(demo) == ws.path.resolve()
    assert json.loads(Progress.location().read_text())["version"] == 2


def test_progress_is_kept_by_id_so_a_renamed_slug_keeps_it(
    demo: Exercise, tmp_path: Path, make_result: Callable[..., Result]
) -> None:
    ws = workspace.start(demo, tmp_path / "ws")
    Progress.load().record(demo, make_result(Status.PASS, 3, 3), ws)
    renamed = dataclasses.replace(demo, slug="demo-renamed")
    assert Progress.load().done(renamed)


def test_progress_from_before_ids_is_carried_over(
    demo: Exercise, tmp_path: Path, make_result: Callable[..., Result]
) -> None:
    path = Progress.location()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"exercises": {"demo": {"best_score": 1, "attempts": 4}}}))
    stable = dataclasses.replace(demo, id="demo-id")
    progress = Progress.load()
    assert progress.entry(stable) == {"best_score": 1, "attempts": 4}
    progress.record(stable, make_result(Status.FAIL, 2, 3), workspace.start(demo, tmp_path / "w"))
    assert set(Progress.load().entries) == {"demo-id"}
    assert Progress.load().entries["demo-id"]["attempts"] == 5


def test_reset_backs_up_then_restores_the_starter(demo: Exercise, tmp_path: Path) -> None:
    ws = workspace.start(demo, tmp_path / "ws")
    workspace.next_hint(ws, demo)
    (ws.path / "app.py").write_text("mine = 1\n")
    (ws.path / "notes").mkdir()
    (ws.path / "notes" / "todo.txt").write_text("keep me\n")

    backup = workspace.reset(ws, demo)

    assert (ws.path / "app.py").read_text() == (demo.starter / "app.py").read_text()
    assert not (ws.path / "notes").exists()
    assert (backup / "app.py").read_text() == "mine = 1\n"
    assert (backup / "notes" / "todo.txt").read_text() == "keep me\n"
    again = workspace.find(ws.path)
    assert again is not None and again.hints_shown == 1, "the marker and hints stay"


@pytest.mark.parametrize(
    "content", ["garbage", "[]", '{"exercises": []}', '{"exercises": {"demo": 3}}']
)
def test_progress_load_survives_a_damaged_file(content: str) -> None:
    path = Progress.location()
    path.parent.mkdir(parents=True)
    path.write_text(content)
    assert Progress.load().entries == {}
