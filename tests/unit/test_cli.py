"""The command line, end to end in-process: sandbox.cli.main([...]) with a FakeRunner."""

from __future__ import annotations

import argparse
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sandbox import cli, exercises, workspace
from sandbox.cli import common
from sandbox.results import Result, Status
from sandbox.runners import Job
from sandbox.runners.fake import FakeRunner
from sandbox.workspace import MARKER, Progress

REPO = Path(__file__).resolve().parents[2]
CONTRACT_KEYS = {
    "schema_version",
    "exercise",
    "status",
    "score",
    "max_score",
    "duration_s",
    "message",
    "image",
    "tests",
}


def _subcommands() -> dict[str, str]:
    parser = cli.build_parser()
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    helps = {a.dest: a.help or "" for a in action._choices_actions}
    return {name: helps.get(name, "") for name in action.choices}


COMMANDS = _subcommands()


def files_of(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def flat(text: str) -> str:
    """Rich wraps long lines; compare text with all whitespace runs made single spaces."""
    return " ".join(text.split())


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich folds output to 80 columns off a terminal, splitting long paths mid-word."""
    monkeypatch.setenv("COLUMNS", "1000")


@pytest.fixture
def use_runner(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[Job], Result]], FakeRunner]:
    """Make the CLI grade with a FakeRunner answering `respond`; never touches Docker."""

    def install(respond: Callable[[Job], Result]) -> FakeRunner:
        def snapshot_then_respond(job: Job) -> Result:
            # `check` grades a staged copy (removed afterwards): record what it held.
            seen.append(sorted(files_of(job.submission)))
            return respond(job)

        seen: list[list[str]] = []
        runner = FakeRunner(snapshot_then_respond)
        runner.seen = seen  # type: ignore[attr-defined]
        monkeypatch.setattr(common, "make_runner", lambda args, log=None: runner)
        return runner

    return install


@pytest.fixture
def submission(tmp_path: Path) -> Path:
    folder = tmp_path / "attempt"
    folder.mkdir()
    (folder / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    return folder


# -- the parser and the README ------------------------------------------------------------------


def test_the_expected_commands_exist() -> None:
    assert {"list", "start", "check", "hint", "progress", "verify", "doctor", "images"} <= set(
        COMMANDS
    )


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help(command: str) -> None:
    assert COMMANDS[command].strip(), f"`sandbox {command}` has no help text"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_is_documented_in_the_readme(command: str) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"\bsandbox {re.escape(command)}\b", readme), (
        f"README.md never shows `sandbox {command}`; document it ({COMMANDS[command]!r})"
    )


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main([])
    assert info.value.code == 2


@pytest.fixture
def lint_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo exercise is not a whole exercise (no README sections, no examples): tests of
    verify's grading leave the lint out; test_verify_lints_* covers it."""
    import sandbox.lint

    monkeypatch.setattr(sandbox.lint, "lint", lambda exercise, learning: [])
    monkeypatch.setattr(sandbox.lint, "lint_all", lambda exercises, learning: [])


# -- check ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "score", "infrastructure", "code"),
    [
        (Status.PASS, 3, False, 0),
        (Status.FAIL, 2, False, 1),
        (Status.FAIL, 0, False, 1),
        (Status.ERROR, 0, False, 1),
        (Status.TIMEOUT, 0, False, 1),
        (Status.ERROR, 0, True, 3),
    ],
)
def test_check_json_exit_codes(
    sandbox_home: Path,
    submission: Path,
    use_runner: Callable[..., FakeRunner],
    make_result: Callable[..., Result],
    capsys: pytest.CaptureFixture[str],
    status: Status,
    score: float,
    infrastructure: bool,
    code: int,
) -> None:
    result = make_result(
        status, score, 3, infrastructure=infrastructure, message=f"{status} happened"
    )
    runner = use_runner(lambda job: result)

    assert cli.main(["check", str(submission), "--exercise", "demo", "--json"]) == code

    doc = json.loads(capsys.readouterr().out)
    assert set(doc) >= CONTRACT_KEYS
    assert doc["exercise"] == "demo"
    assert doc["status"] == str(status)
    assert doc["score"] == score and doc["max_score"] == 3
    [job] = runner.jobs
    assert job.exercise.slug == "demo"
    assert job.submission_id == submission.name
    assert runner.seen == [sorted(files_of(submission))], "the folder is graded through intake"  # type: ignore[attr-defined]
    assert job.submission_id == "attempt"


def test_check_renders_for_people_without_json(
    sandbox_home: Path,
    submission: Path,
    use_runner: Callable[..., FakeRunner],
    make_result: Callable[..., Result],
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_runner(lambda job: make_result(Status.FAIL, 1, 3))
    assert cli.main(["check", str(submission), "--exercise", "demo"]) == 1
    out = flat(capsys.readouterr().out)
    assert "FAIL" in out and "score 1/3" in out and "First failure: test_1" in out


def test_check_of_someone_elses_folder_is_not_progress(
    sandbox_home: Path,
    submission: Path,
    use_runner: Callable[..., FakeRunner],
    make_result: Callable[..., Result],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Checking the reference (or any folder) with --exercise must not mark the exercise done."""
    use_runner(lambda job: make_result(Status.PASS, 3, 3))
    assert cli.main(["check", str(submission), "--exercise", "demo"]) == 0
    assert Progress.load().entries == {}
    assert "Not counted in your progress" in flat(capsys.readouterr().out)


def test_check_of_an_own_workspace_records_progress(
    sandbox_home: Path,
    tmp_path: Path,
    use_runner: Callable[..., FakeRunner],
    make_result: Callable[..., Result],
) -> None:
    ws = tmp_path / "ws"
    assert cli.main(["start", "demo", str(ws)]) == 0
    use_runner(lambda job: make_result(Status.FAIL, 2, 3))
    cli.main(["check", str(ws), "--json"])
    entry = Progress.load().entries["demo"]
    assert entry["best_score"] == 2 and entry["attempts"] == 1 and entry["done"] is False
    assert entry["workspace"] == str(ws.resolve()) and entry["last_attempt"]
    use_runner(lambda job: make_result(Status.PASS, 3, 3))
    cli.main(["check", str(ws), "--exercise", "demo", "--json"])  # its own, named: counts
    assert Progress.load().entries["demo"]["done"] is True


def test_check_a_workspace_needs_no_exercise(
    sandbox_home: Path,
    tmp_path: Path,
    use_runner: Callable[..., FakeRunner],
    make_result: Callable[..., Result],
    capsys: pytest.CaptureFixture[str],
) -> None:
    ws = tmp_path / "ws"
    assert cli.main(["start", "demo", str(ws)]) == 0
    runner = use_runner(lambda job: make_result(Status.PASS, 3, 3))

    assert cli.main(["check", str(ws), "--json"]) == 0

    [job] = runner.jobs
    assert job.exercise.slug == "demo" and job.submission_id == "ws"
    assert runner.seen == [sorted(files_of(ws))]  # type: ignore[attr-defined]


def test_check_outside_a_workspace_without_exercise(
    sandbox_home: Path,
    submission: Path,
    use_runner: Callable[..., FakeRunner],
    make_result: Callable[..., Result],
    capsys: pytest.CaptureFixture[str],
) -> None:
    runner = use_runner(lambda job: make_result())
    assert cli.main(["check", str(submission)]) == 2
    err = flat(capsys.readouterr().err)
    assert "is not a sandbox workspace" in err
    assert "--exercise SLUG" in err
    assert runner.jobs == []


def test_check_a_missing_folder(
    sandbox_home: Path,
    tmp_path: Path,
    use_runner: Callable[..., FakeRunner],
    make_result: Callable[..., Result],
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_runner(lambda job: make_result())
    assert cli.main(["check", str(tmp_path / "nowhere"), "--exercise", "demo"]) == 2
    assert "is not a folder" in flat(capsys.readouterr().err)


def test_check_an_unknown_exercise(
    sandbox_home: Path,
    submission: Path,
    use_runner: Callable[..., FakeRunner],
    make_result: Callable[..., Result],
    capsys: pytest.CaptureFixture[str],
) -> None:
    runner = use_runner(lambda job: make_result())
    assert cli.main(["check", str(submission), "--exercise", "no-such-thing"]) == 2
    err = flat(capsys.readouterr().err)
    assert "unknown exercise 'no-such-thing'" in err
    assert "known: demo" in err
    assert runner.jobs == []


def test_a_broken_exercise_definition_exits_2(
    sandbox_home: Path,
    submission: Path,
    use_runner: Callable[..., FakeRunner],
    make_result: Callable[..., Result],
    capsys: pytest.CaptureFixture[str],
) -> None:
    toml = sandbox_home / "exercises" / "demo" / "exercise.toml"
    toml.write_text(toml.read_text().replace('difficulty = "beginner"', 'difficulty = "expert"'))
    use_runner(lambda job: make_result())
    assert cli.main(["check", str(submission), "--exercise", "demo"]) == 2
    assert "difficulty: must be one of" in flat(capsys.readouterr().err)


def test_error_messages_are_printed_literally(
    sandbox_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The error line must not treat `[app]` in a message as console markup and drop it."""
    (sandbox_home / "exercises" / "demo" / "starter" / "app.py").unlink()
    assert cli.main(["list"]) == 2
    err = flat(capsys.readouterr().err)
    assert "missing app.py (the app module named by [app] module)" in err
    assert str(sandbox_home / "exercises" / "demo" / "starter") in err


# -- verify --------------------------------------------------------------------------------------


def verify_responder(
    make_result: Callable[..., Result], starter_score: float, infrastructure: bool = False
) -> Callable[[Job], Result]:
    def respond(job: Job) -> Result:
        if job.submission.name == "solution":
            return make_result(Status.PASS, 3, 3, infrastructure=infrastructure)
        status = Status.PASS if starter_score == 3 else Status.FAIL
        return make_result(status, starter_score, 3)

    return respond


@pytest.mark.parametrize(("starter_score", "ok", "code"), [(1, True, 0), (3, False, 1)])
def test_verify_json(
    sandbox_home: Path,
    lint_clean: None,
    use_runner: Callable[..., FakeRunner],
    make_result: Callable[..., Result],
    capsys: pytest.CaptureFixture[str],
    starter_score: float,
    ok: bool,
    code: int,
) -> None:
    runner = use_runner(verify_responder(make_result, starter_score))

    assert cli.main(["verify", "--json", "-j", "2"]) == code

    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is ok
    [entry] = doc["exercises"]
    assert entry["slug"] == "demo" and entry["ok"] is ok
    assert entry["solution"]["status"] == "pass" and entry["solution"]["score"] == 3
    assert entry["starter"]["score"] == starter_score
    assert sorted(j.submission.name for j in runner.jobs) == ["solution", "starter"]


def test_verify_infrastructure_failure_exits_3(
    sandbox_home: Path,
    use_runner: Callable[..., FakeRunner],
    make_result: Callable[..., Result],
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_runner(verify_responder(make_result, 1, infrastructure=True))
    assert cli.main(["verify", "--json"]) == 3


def test_verify_mutants_flags_reach_the_library(
    sandbox_home: Path,
    lint_clean: None,
    use_runner: Callable[..., FakeRunner],
    make_result: Callable[..., Result],
    capsys: pytest.CaptureFixture[str],
) -> None:
    (sandbox_home / "exercises" / "demo" / "solution" / "app.py").write_text(
        "from flask import Flask\n\napp = Flask(__name__)\nA, B, C = 1, 2, 3\n"
    )
    runner = use_runner(verify_responder(make_result, 1))  # every mutant at 1/3: caught

    assert cli.main(["verify", "--json", "--mutants", "--seed", "5", "--max-mutants", "2"]) == 0

    mutation = json.loads(capsys.readouterr().out)["exercises"][0]["mutation"]
    assert (mutation["seed"], mutation["tested"], mutation["caught"]) == (5, 2, 2)
    assert mutation["generated"] == 5 and mutation["survivors"] == []
    assert sum(1 for j in runner.jobs if "/mutant-" in j.submission_id) == 2


def test_verify_named_slugs_only(
    sandbox_home: Path,
    lint_clean: None,
    exercise_factory: Callable[..., Path],
    use_runner: Callable[..., FakeRunner],
    make_result: Callable[..., Result],
    capsys: pytest.CaptureFixture[str],
) -> None:
    exercise_factory(sandbox_home, "other")
    runner = use_runner(verify_responder(make_result, 1))
    assert cli.main(["verify", "other", "--json"]) == 0
    assert {j.exercise.slug for j in runner.jobs} == {"other"}
    assert [e["slug"] for e in json.loads(capsys.readouterr().out)["exercises"]] == ["other"]


def test_verify_writes_junit(
    sandbox_home: Path,
    lint_clean: None,
    tmp_path: Path,
    use_runner: Callable[..., FakeRunner],
    make_result: Callable[..., Result],
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_runner(verify_responder(make_result, 1))
    report = tmp_path / "junit.xml"

    assert cli.main(["verify", "--junit", str(report)]) == 0

    root = ET.parse(report).getroot()
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"demo/solution", "demo/starter"}
    assert suites["demo/solution"].get("failures") == "0"
    assert suites["demo/starter"].get("failures") == "2"
    out = flat(capsys.readouterr().out)
    assert "demo" in out and "✓" in out


# -- start, hint, list ---------------------------------------------------------------------------


def test_start_then_hint(
    sandbox_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws"
    assert cli.main(["start", "demo", str(ws)]) == 0
    assert (ws / "app.py").is_file() and (ws / "README.md").is_file() and (ws / MARKER).is_file()
    assert "sandbox check" in flat(capsys.readouterr().out)

    assert cli.main(["hint", str(ws)]) == 0
    assert "Hint 1/2: first hint" in flat(capsys.readouterr().out)
    assert cli.main(["hint", str(ws)]) == 0
    assert "Hint 2/2: second hint" in flat(capsys.readouterr().out)
    assert cli.main(["hint", str(ws)]) == 0
    out = flat(capsys.readouterr().out)
    assert "No more hints" in out
    assert "1. first hint" in out and "2. second hint" in out


def test_start_defaults_to_a_folder_named_after_the_slug(
    sandbox_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SANDBOX_WORKSPACES", str(tmp_path / "mine"))
    assert cli.main(["start", "demo"]) == 0
    assert (tmp_path / "mine" / "demo" / MARKER).is_file()
    assert str(tmp_path / "mine" / "demo") in flat(capsys.readouterr().out), "it says where"
    assert cli.main(["start", "demo"]) == 0, "starting again finds the workspace"
    assert "already" in flat(capsys.readouterr().out)
    assert cli.main(["start", "demo", str(tmp_path / "mine" / "demo")]) == 2  # not empty


def test_hint_text_is_printed_literally(
    sandbox_home: Path,
    exercise_data: dict[str, object],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Hints are full of code: `request.headers[name]` must not be eaten as console markup."""
    hint = "read request.headers[name] and data[key]; [bold]not bold[/]"
    toml = sandbox_home / "exercises" / "demo" / "exercise.toml"
    toml.write_text(toml.read_text().replace('"first hint"', json.dumps(hint)))
    assert exercises.load("demo").hints[0] == hint
    ws = tmp_path / "ws"
    cli.main(["start", "demo", str(ws)])
    capsys.readouterr()

    assert cli.main(["hint", str(ws)]) == 0
    assert hint in flat(capsys.readouterr().out)
    cli.main(["hint", str(ws)])
    cli.main(["hint", str(ws)])
    assert hint in flat(capsys.readouterr().out)


def test_hint_outside_a_workspace(
    sandbox_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "plain").mkdir()
    assert cli.main(["hint", str(tmp_path / "plain")]) == 2
    assert "not a sandbox workspace" in flat(capsys.readouterr().err)


def test_start_an_unknown_exercise(
    sandbox_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["start", "nope", str(tmp_path / "ws")]) == 2
    assert "known: demo" in flat(capsys.readouterr().err)
    assert not (tmp_path / "ws").exists()


def test_list_json(sandbox_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["list", "--json"]) == 0
    [item] = json.loads(capsys.readouterr().out)
    assert item == {
        "slug": "demo",
        "id": "demo",
        "track": "",
        "estimated_minutes": 10,
        "prerequisites": [],
        "progress": "new",
        "title": "Demo: a tiny JSON API",
        "summary": "One sentence for the list.",
        "topics": ["http", "json"],
        "difficulty": "beginner",
        "points": 3,
    }


def test_list_and_progress_show_the_best_score(
    sandbox_home: Path,
    tmp_path: Path,
    make_result: Callable[..., Result],
    capsys: pytest.CaptureFixture[str],
) -> None:
    ws = workspace.start(exercises.load("demo"), tmp_path / "ws")
    Progress.load().record(exercises.load("demo"), make_result(Status.FAIL, 2, 3), ws)
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "2/3" in out and "0/1 done" in out
    assert cli.main(["progress"]) == 0
    assert "2/3" in capsys.readouterr().out


@pytest.mark.parametrize("command", [["doctor"], ["check", ".", "--exercise", "http-handler"]])
def test_no_docker_is_exit_3_with_what_to_do(
    command: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SANDBOX_HOME", raising=False)
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    assert cli.main(command) == 3
    out = capsys.readouterr()
    text = " ".join((out.out + out.err).split())
    assert "Docker is not reachable" in text
    assert "make docker" in text and "DOCKER_HOST" in text
    assert "Traceback" not in text


def test_check_from_inside_a_workspace_grades_the_workspace_root(
    sandbox_home: Path,
    tmp_path: Path,
    use_runner: Callable[[Callable[[Job], Result]], FakeRunner],
    make_result: Callable[..., Result],
) -> None:
    ws = tmp_path / "ws"
    assert cli.main(["start", "demo", str(ws)]) == 0
    (ws / "static").mkdir()
    runner = use_runner(lambda job: make_result())
    assert cli.main(["check", str(ws / "static"), "--json"]) == 0
    assert runner.seen == [sorted(files_of(ws))], "the workspace root, not the subfolder"  # type: ignore[attr-defined]
    assert runner.jobs[0].exercise.slug == "demo"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from sandbox import __version__

    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"sandbox {__version__}"


def test_a_failed_pull_is_explained_whole_words_and_the_server_reason() -> None:
    import docker.errors
    import requests

    from sandbox.images import pull_error

    response = requests.Response()
    response.status_code = 500
    exc = docker.errors.APIError(
        "500 Server Error for http+docker://localhost/v1.41/images/create?tag=3.11-slim"
        "&fromImage=python: Internal Server Error",
        response=response,
        explanation='Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io'
        " on 127.0.0.53:53: server misbehaving " + "and more words " * 20,
    )
    said = pull_error(exc)
    assert said.startswith("500: Get ") and "server misbehaving" in said
    assert said.endswith(" …") and len(said) <= 160
    assert "images/create" not in said


def test_list_fits_80_columns_one_line_per_exercise(
    sandbox_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert cli.main(["list"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert all(len(line) <= 80 for line in lines)
    [row] = [line for line in lines if "demo" in line and "Next:" not in line]
    assert "Demo: a tiny JSON API" in row, "the title is not wrapped"
    assert row.split()[-1] == "–/3", "best and points are on the same line"


def test_next_starts_the_first_exercise_not_done(
    tmp_path: Path,
    exercise_factory: Callable[..., Path],
    exercise_data: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    make_result: Callable[..., Result],
    capsys: pytest.CaptureFixture[str],
) -> None:
    home = tmp_path / "course"
    for slug in ("one", "two"):
        exercise_factory(home, slug, {**exercise_data, "id": slug})
    monkeypatch.setenv("SANDBOX_HOME", str(home))
    monkeypatch.setenv("SANDBOX_WORKSPACES", str(tmp_path / "mine"))
    assert cli.main(["next"]) == 0
    assert (tmp_path / "mine" / "one" / MARKER).is_file()
    one = exercises.load("one")
    ws = workspace.find(tmp_path / "mine" / "one")
    assert ws is not None
    Progress.load().record(one, make_result(Status.PASS, 3, 3, exercise="one"), ws)
    assert cli.main(["next"]) == 0
    assert (tmp_path / "mine" / "two" / MARKER).is_file()
    Progress.load().record(exercises.load("two"), make_result(Status.PASS, 3, 3), ws)
    capsys.readouterr()
    assert cli.main(["next"]) == 0
    assert "Every exercise of the path is done" in capsys.readouterr().out


def test_reset_asks_or_needs_yes_and_names_the_backup(
    sandbox_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws"
    assert cli.main(["start", "demo", str(ws)]) == 0
    (ws / "app.py").write_text("mine = 1\n")
    assert cli.main(["reset", str(ws)]) == 2, "no terminal to ask on: refuse without --yes"
    assert (ws / "app.py").read_text() == "mine = 1\n"
    capsys.readouterr()
    assert cli.main(["reset", str(ws), "--yes"]) == 0
    out = flat(capsys.readouterr().out)
    [backup] = (tmp_path / ".sandbox-backups").iterdir()
    assert str(backup) in out and (backup / "app.py").read_text() == "mine = 1\n"
    assert (ws / "app.py").read_text() != "mine = 1\n"


def test_the_solution_opens_after_a_pass_or_with_force_which_is_noted(
    sandbox_home: Path,
    tmp_path: Path,
    make_result: Callable[..., Result],
    capsys: pytest.CaptureFixture[str],
) -> None:
    ws = tmp_path / "ws"
    assert cli.main(["start", "demo", str(ws)]) == 0
    assert cli.main(["solution", str(ws)]) == 1
    assert "once you have passed" in flat(capsys.readouterr().out)
    assert cli.main(["solution", str(ws), "--force"]) == 0
    assert "app = Flask(__name__)" in capsys.readouterr().out
    entry = Progress.load().entries["demo"]
    assert entry["solution_seen"] and entry["solution_forced"]

    found = workspace.find(ws)
    assert found is not None
    Progress.load().record(exercises.load("demo"), make_result(Status.PASS, 3, 3), found)
    assert cli.main(["solution", str(ws)]) == 0
    assert "app = Flask(__name__)" in capsys.readouterr().out


def test_verify_lints_and_fails_naming_the_file_and_section(
    sandbox_home: Path,
    use_runner: Callable[..., FakeRunner],
    make_result: Callable[..., Result],
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_runner(
        lambda job: make_result(
            Status.PASS if "solution" in str(job.submission_id) else Status.FAIL,
            3 if "solution" in str(job.submission_id) else 1,
            3,
        )
    )
    code = cli.main(["verify", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and doc["ok"] is False
    readme = str(sandbox_home / "exercises" / "demo" / "README.md")
    assert f"{readme}: ## Goal: missing section (the README is the contract)" in doc["lint"]
    assert any("hints: has 2; write 3–4" in p for p in doc["lint"])


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["grade", "demo", "-o", "out"], "give SLUG SUBMISSIONS"),
        (["grade", "--course", "c", "demo", "subs", "-o", "out"], "give no SLUG SUBMISSIONS"),
        (["grade", "--course", "nowhere", "-o", "out"], "not a folder"),
        (["grade", "demo", ".", "-o", "o", "--broker", "http://h"], "expected redis://"),
        (["worker", "--broker", "amqp://h"], "expected redis://"),
        (["worker", "--broker", "redis://h", "-c", "0"], "--concurrency must be at least 1"),
    ],
)
def test_grade_and_worker_refuse_bad_arguments(
    sandbox_home: Path, capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    assert cli.main(argv) == 2
    assert says in " ".join(capsys.readouterr().err.split())


def test_a_worker_without_docker_refuses_to_start(
    sandbox_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{sandbox_home}/no-engine.sock")
    assert cli.main(["worker", "--broker", "redis://127.0.0.1:1/0"]) == 3
    err = " ".join(capsys.readouterr().err.split())
    assert "Docker" in err and "Traceback" not in err
