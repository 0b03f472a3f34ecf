"""Exercises whose submission is tests (kind = "tests"): loading, lint, the APIs' files, the
scoring and its messages, the job spec, mutants of the correct API, and one real run of a suite
on the host (the isolation itself is tests/adversarial/test_hostile_suites.py, on Docker)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from sandbox import apis, exercises, lint, mutants, verify
from sandbox.errors import ExerciseError
from sandbox.exercises import Exercise
from sandbox.grading import suites
from sandbox.grading.checks import Checks
from sandbox.jobspec import JobSpec
from sandbox.runners import Job
from sandbox.runners.jobfiles import job_spec

REPO = Path(__file__).resolve().parents[2]
PROBE = REPO / "tests" / "adversarial" / "probe"


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A course holding a copy of the probe's tests-kind exercise, `suite-probe`."""
    for part in ("exercises", "graders"):
        shutil.copytree(PROBE / part / "suite-probe", tmp_path / part / "suite-probe")
    return tmp_path


def _toml(course: Path) -> Path:
    return course / "exercises" / "suite-probe" / "exercise.toml"


def _apps(course: Path) -> Path:
    return course / "graders" / "suite-probe" / "apps"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _load_error(course: Path) -> ExerciseError:
    with pytest.raises(ExerciseError) as info:
        exercises.load("suite-probe", course)
    return info.value


# -- loading ----------------------------------------------------------------------------------


def test_write_api_tests_loads_as_a_tests_kind_exercise() -> None:
    ex = exercises.load("write-api-tests", REPO)
    assert ex.kind == "tests" and ex.grader_private and ex.points == 20
    assert ex.track == "operations"


def test_the_kind_defaults_to_app() -> None:
    assert exercises.load("http-handler", REPO).kind == "app"


def test_an_unknown_kind_names_the_field(course: Path) -> None:
    _edit(_toml(course), 'kind = "tests"', 'kind = "quiz"')
    error = _load_error(course)
    assert error.field == "kind" and "app, tests" in error.problem


def test_a_tests_kind_grader_must_be_private(course: Path) -> None:
    _edit(_toml(course), "private = true", "private = false")
    assert _load_error(course).field == "grader.private"


@pytest.mark.parametrize(
    "anchor, extra, field",
    [
        ("[grader]", '[app]\nmodule = "app"\n\n', "app"),
        ("hints =", 'services = ["redis"]\n', "services"),
    ],
)
def test_app_tables_and_services_are_refused(
    course: Path, anchor: str, extra: str, field: str
) -> None:
    _edit(_toml(course), anchor, extra + anchor)
    assert _load_error(course).field == field


def test_the_starter_must_hold_tests(course: Path) -> None:
    (course / "exercises" / "suite-probe" / "starter" / "test_fails.py").unlink()
    error = _load_error(course)
    assert str(error.path).endswith("starter") and "test_*.py" in error.problem


def test_the_correct_api_is_required(course: Path) -> None:
    (_apps(course) / "correct.py").unlink()
    assert str(_load_error(course).path).endswith("correct.py")


def test_each_variant_needs_an_area(course: Path) -> None:
    _edit(_apps(course) / "variants.toml", '[beta]\narea = "nothing HTTP shows"', "[beta]")
    error = _load_error(course)
    assert str(error.path).endswith("variants.toml") and "[beta]" in error.problem


def test_variant_files_and_entries_must_match(course: Path) -> None:
    (_apps(course) / "variants" / "gamma.py").unlink()
    problems = [what for _, what in apis.check(course / "graders" / "suite-probe")]
    assert any("at least 3" in p for p in problems)
    assert any("[gamma] has no variants/gamma.py" in p for p in problems)


def test_a_variant_identical_to_the_correct_api_is_refused(course: Path) -> None:
    shutil.copy(_apps(course) / "correct.py", _apps(course) / "variants" / "beta.py")
    assert "identical" in _load_error(course).problem


def test_variants_load_in_the_order_of_variants_toml(course: Path) -> None:
    (_apps(course) / "variants.toml").write_text(
        '[gamma]\narea = "g"\n\n[alpha]\narea = "a"\nbug = "b"\n\n[beta]\narea = "b"\n'
    )
    loaded = apis.load(course / "graders" / "suite-probe")
    assert [v.name for v in loaded.variants] == ["gamma", "alpha", "beta"]
    assert loaded.variants[1].bug == "b" and "Flask" in loaded.correct.source


# -- lint -------------------------------------------------------------------------------------


def test_lint_asks_a_tests_kind_grader_for_two_tests() -> None:
    ex = exercises.load("write-api-tests", REPO)
    problems = lint.lint(ex, exercises.load_path(REPO))
    assert problems == [], [str(p) for p in problems]
    assert lint.MIN_TESTS_OF_KIND == {"app": 6, "tests": 2}


# -- the job spec -----------------------------------------------------------------------------


def test_the_job_spec_carries_the_kind() -> None:
    ex = exercises.load("write-api-tests", REPO)
    spec = job_spec(
        Job(ex, ex.solution, "s"),
        submission="/s",
        grader="/g",
        workdir="/w",
        result_file="/r",
        learner_uid=10001,
    )
    assert JobSpec.from_json(spec.to_json()).kind == "tests"
    with pytest.raises(ValueError, match="kind"):
        JobSpec.from_json(spec.to_json().replace('"kind": "tests"', '"kind": "x"'))


# -- scoring and messages ---------------------------------------------------------------------


def _runs(correct_passes: bool, caught: dict[str, bool]) -> suites.SuiteRuns:
    loaded = apis.Apis(
        apis.Api("correct", ""),
        (
            apis.Api("limit-off", "", "pagination"),
            apis.Api("status-200", "", "creating"),
            apis.Api("limit-zero", "", "pagination"),
        ),
    )
    spec = suites.SuiteSpec(Path("/s"), Path("/w"), Path("/g"), None, None, 10)
    runs = suites.SuiteRuns(spec, loaded)
    runs.correct = suites.SuiteRun(0 if correct_passes else 1, "F\n1 failed", 0.1)
    runs.caught = caught
    return runs


def test_variants_earn_their_share_and_the_message_names_areas_only() -> None:
    checks = Checks()
    _runs(True, {"limit-off": False, "status-200": True, "limit-zero": False}).credit_variants(
        checks
    )
    assert checks.share() == pytest.approx(1 / 3)
    message = checks.summary()
    assert "pagination" in message and "creating" not in message
    assert message.count("pagination") == 1
    assert not re.search(r"limit-off|limit-zero|status-200|\d", message)


def test_nothing_is_credited_when_the_correct_api_fails_the_suite() -> None:
    checks = Checks()
    runs = _runs(False, {"limit-off": True, "status-200": True, "limit-zero": True})
    runs.credit_variants(checks)
    assert checks.share() == 0 and checks.summary().startswith("Not credited")
    with pytest.raises(AssertionError, match="some of your tests failed"):
        runs.expect_passes_on_correct()


def test_every_variant_caught_is_full_credit() -> None:
    checks = Checks()
    _runs(True, dict.fromkeys(("limit-off", "status-200", "limit-zero"), True)).credit_variants(
        checks
    )
    assert checks.share() == 1 and not checks.failed


def test_a_run_tells_its_story() -> None:
    assert "no tests" in suites.SuiteRun(5, "", 0).story()
    assert "stopped" in suites.SuiteRun(None, "", 0).story()
    assert "exit code 4" in suites.SuiteRun(4, "", 0).story()
    long = "head\n" + "x" * 5000 + "\nassert tail"
    cut = suites._cut(long)
    assert cut.startswith("head") and cut.endswith(" assert tail") and "characters cut" in cut
    assert "\nassert " not in cut  # the plugin would cut the message there


def test_checks_message_replaces_the_list_of_cases() -> None:
    checks = Checks()
    with checks.case("secret case name"):
        raise AssertionError("no")
    checks.message = "only this"
    assert checks.summary() == "only this"


# -- mutants: faults in the correct API, graded with the reference suite ---------------------------


def test_mutants_of_a_tests_kind_exercise_go_into_the_correct_api(tmp_path: Path) -> None:
    ex = exercises.load("write-api-tests", REPO)
    seeded, generated, jobs = verify._mutant_jobs(ex, verify.MutantOptions(limit=3), tmp_path)
    assert generated > 50 and len(seeded) == len(jobs) == 3
    for mutant, job in zip(seeded, jobs, strict=True):
        assert mutant.file == "apps/correct.py"
        assert job.submission == ex.solution
        assert isinstance(job.exercise, Exercise) and job.exercise.grader_dir != ex.grader_dir
        mutated = (job.exercise.grader_dir / mutant.file).read_text(encoding="utf-8")
        assert mutated == mutant.source
        assert (job.exercise.grader_dir / "apps" / "variants.toml").is_file()


def test_generate_only_some_files(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1 + 2\n")
    (tmp_path / "b.py").write_text("y = 3 + 4\n")
    found, _ = mutants.generate(tmp_path, only=("b.py",))
    assert found and {m.file for m in found} == {"b.py"}


# -- one real run on the host (no isolation: the local runner's way) ------------------------------


def test_a_suite_runs_against_each_api_on_the_host(course: Path, tmp_path: Path) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_ping.py").write_text(
        "import os, requests\n"
        "def test_ping():\n"
        "    r = requests.get(os.environ['API_URL'] + '/ping', timeout=5)\n"
        "    assert r.json() == {'pong': True}\n"
    )
    spec = suites.SuiteSpec(
        suite, tmp_path / "work" / "app", course / "graders" / "suite-probe", None, None, 20
    )
    runs = suites.run_suites(spec)
    assert runs.correct is not None and runs.correct.passed, runs.correct
    assert "1 passed" in runs.correct.output
    assert runs.caught == dict.fromkeys(("alpha", "beta", "gamma"), False)
    runs.expect_passes_on_correct()
