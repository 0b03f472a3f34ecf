"""Golden examples and mutants in verify(): the manifest, what each outcome means, the wiring."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox import examples, exercises
from sandbox.errors import ExerciseError
from sandbox.examples import Example, ExampleOutcome, Expected
from sandbox.exercises import Exercise
from sandbox.results import Result, Status, TestResult, TestStatus
from sandbox.runners import Job
from sandbox.runners.fake import FakeRunner
from sandbox.verify import MutantOptions, as_document, measure_mutants, verify

SOLUTION = (
    "from flask import Flask\n\napp = Flask(__name__)\nLIMIT = 3\n\n\n"
    "def small(n):\n    return n < LIMIT\n"
)


@pytest.fixture
def demo(sandbox_home: Path) -> Exercise:
    return exercises.load("demo")


def add_examples(ex: Exercise, manifest: str, *names: str) -> Path:
    base = ex.grader_dir / "examples"
    for name in names:
        (base / name).mkdir(parents=True)
        (base / name / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    base.mkdir(exist_ok=True)
    (base / "examples.toml").write_text(manifest, encoding="utf-8")
    return base


MANIFEST = """
[good]
expected = "full"

[bug]
expected = "loses"
breaks = "answers 200 where the README says 404"
fails = ["test_b"]
"""


def test_load_reads_the_manifest_in_order(demo: Exercise) -> None:
    add_examples(demo, MANIFEST, "good", "bug")
    good, bug = examples.load(demo)
    assert (good.name, good.expected, good.fails) == ("good", Expected.FULL, ())
    assert (bug.name, bug.expected, bug.fails) == ("bug", Expected.LOSES, ("test_b",))
    assert bug.breaks == "answers 200 where the README says 404"
    assert bug.folder == demo.grader_dir / "examples" / "bug"


def test_no_examples_folder_means_no_examples(demo: Exercise) -> None:
    assert examples.load(demo) == []


@pytest.mark.parametrize(
    ("manifest", "folders", "field", "says"),
    [
        ('[good]\nexpected = "perfect"\n', ["good"], "good.expected", 'must be "full" or "loses"'),
        ("[good]\n", ["good"], "good.expected", 'must be "full" or "loses"'),
        ('[good]\nexpected = "full"\ncolour = 1\n', ["good"], "good.colour", "unknown field"),
        ('[bug]\nexpected = "loses"\nfails = "test_b"\n', ["bug"], "bug.fails", "list of test"),
        ('[good]\nexpected = "full"\nfails = ["t"]\n', ["good"], "good.fails", "fails no test"),
        ('good = "full"\n', ["good"], "good", "must be a table"),
    ],
)
def test_a_bad_manifest_names_the_file_and_field(
    demo: Exercise, manifest: str, folders: list[str], field: str, says: str
) -> None:
    base = add_examples(demo, manifest, *folders)
    with pytest.raises(ExerciseError) as caught:
        examples.load(demo)
    assert caught.value.path == base / "examples.toml"
    assert caught.value.field == field
    assert says in caught.value.problem


def test_a_folder_without_a_table_or_a_table_without_files_is_an_error(demo: Exercise) -> None:
    base = add_examples(demo, '[good]\nexpected = "full"\n', "good", "stray")
    with pytest.raises(ExerciseError, match=r"examples/stray/ has no table"):
        examples.load(demo)
    (base / "stray" / "app.py").unlink()
    (base / "stray").rmdir()
    (base / "examples.toml").write_text('[good]\nexpected = "full"\n[gone]\nexpected = "full"\n')
    with pytest.raises(ExerciseError, match=r"missing: the files of example 'gone'"):
        examples.load(demo)
    (base / "examples.toml").unlink()
    with pytest.raises(ExerciseError, match="needs its manifest"):
        examples.load(demo)


def graded(score: float, failed: tuple[str, ...] = (), infrastructure: bool = False) -> Result:
    tests = [
        TestResult(name, TestStatus.FAILED if name in failed else TestStatus.PASSED, 0, 1, "no")
        for name in ("test_a", "test_b", "test_c")
    ]
    status = Status.PASS if score == 3 else Status.FAIL
    if infrastructure:
        status = Status.ERROR
    return Result(
        exercise="demo",
        status=status,
        score=score,
        max_score=3,
        tests=tests,
        infrastructure=infrastructure,
        message="docker went away" if infrastructure else "",
    )


def example(expected: Expected, fails: tuple[str, ...] = ()) -> Example:
    return Example("ex", Path("/nowhere"), expected, "breaks a rule", fails)


def test_a_correct_example_that_loses_points_means_an_unfair_grader() -> None:
    assert ExampleOutcome(example(Expected.FULL), graded(3)).problems() == []
    [problem] = ExampleOutcome(example(Expected.FULL), graded(2, ("test_c",))).problems()
    assert "correct example ex scored 2/3 (fail)" in problem
    assert "grader is unfair or the README unclear" in problem
    assert "test_c: no" in problem


def test_a_one_bug_example_at_full_marks_means_the_grader_misses_it() -> None:
    assert ExampleOutcome(example(Expected.LOSES), graded(2, ("test_b",))).problems() == []
    [problem] = ExampleOutcome(example(Expected.LOSES), graded(3)).problems()
    assert problem == "one-bug example ex scored full marks: the grader misses it (breaks a rule)"


def test_a_one_bug_example_must_fail_the_tests_it_names() -> None:
    loses = example(Expected.LOSES, ("test_b", "test_z"))
    problems = ExampleOutcome(loses, graded(2, ("test_c",))).problems()
    assert problems == [
        "one-bug example ex: test_b passed; expected it to fail",
        "example ex names test_z in fails, but the grader has no such test",
    ]
    assert (
        ExampleOutcome(example(Expected.LOSES, ("test_b",)), graded(2, ("test_b",))).problems()
        == []
    )


def test_an_example_we_could_not_grade_says_so() -> None:
    [problem] = ExampleOutcome(example(Expected.FULL), graded(0, infrastructure=True)).problems()
    assert problem == "example ex could not be graded (ours): docker went away"


def verify_runner(respond_example: Callable[[Job], Result]) -> FakeRunner:
    def respond(job: Job) -> Result:
        if job.submission == job.exercise.solution:
            return graded(3)
        if job.submission == job.exercise.starter:
            return graded(1, ("test_b", "test_c"))
        return respond_example(job)

    return FakeRunner(respond)


def test_verify_grades_the_examples_and_reports_each_problem(demo: Exercise) -> None:
    add_examples(demo, MANIFEST, "good", "bug")
    # The grader is unfair to `good` and misses `bug`: both are problems of the exercise.
    runner = verify_runner(
        lambda job: graded(2, ("test_a",)) if job.submission.name == "good" else graded(3)
    )

    [check] = verify([demo], runner, jobs=2)

    assert not check.ok
    assert {j.submission_id for j in runner.jobs} == {
        "demo/solution",
        "demo/starter",
        "demo/examples/good",
        "demo/examples/bug",
    }
    problems = check.problems()
    assert any("correct example good scored 2/3" in p for p in problems)
    assert any("one-bug example bug scored full marks" in p for p in problems)
    doc = as_document([check])["exercises"][0]
    assert [(e["name"], e["ok"]) for e in doc["examples"]] == [("good", False), ("bug", False)]
    assert doc["mutation"] is None


def test_verify_with_mutants_grades_each_and_reports_the_survivors(demo: Exercise) -> None:
    (demo.solution / "app.py").write_text(SOLUTION, encoding="utf-8")
    sources: dict[str, str] = {}

    def respond(job: Job) -> Result:
        source = (job.submission / "app.py").read_text(encoding="utf-8")
        sources[job.submission_id] = source
        return graded(3) if "LIMIT = 4" in source else graded(1, ("test_a",))

    [check] = verify([demo], verify_runner(respond), jobs=2, mutants=MutantOptions(seed=1))

    report = check.mutation
    assert report is not None
    assert report.generated == report.tested == len(sources) >= 5
    assert all(source != SOLUTION for source in sources.values())
    assert [str(m) for m in report.survivors] == ["app.py:4: `3` → `4`"]
    assert report.caught == report.tested - 1
    assert check.ok == (report.score >= 0.85)
    doc = as_document([check])["exercises"][0]["mutation"]
    assert doc["survivors"] == ["app.py:4: `3` → `4`"]
    assert doc["seed"] == 1


def test_verify_samples_at_most_the_limit_and_never_measures_a_failing_solution(
    demo: Exercise,
) -> None:
    (demo.solution / "app.py").write_text(SOLUTION, encoding="utf-8")

    def respond(job: Job) -> Result:
        return graded(3)  # every mutant survives

    runner = verify_runner(respond)
    [check] = verify([demo], runner, mutants=MutantOptions(seed=2, limit=2))
    assert check.mutation is not None and check.mutation.tested == 2
    assert check.mutation.generated > 2
    assert any("catches 0 of 2 mutants" in p for p in check.problems())

    failing = FakeRunner(lambda job: graded(1, ("test_a", "test_b")))
    [check] = verify([demo], failing, mutants=MutantOptions(limit=2))
    assert not any("mutants" in p for p in check.problems())  # the solution's failure says it


def test_measure_mutants_grades_only_the_sampled_mutants(demo: Exercise) -> None:
    """`make test`'s sample: no solution, starter or example runs, only the mutants."""
    (demo.solution / "app.py").write_text(SOLUTION, encoding="utf-8")
    seen: list[str] = []

    def respond(job: Job) -> Result:
        seen.append(job.submission_id)
        source = (job.submission / "app.py").read_text(encoding="utf-8")
        return graded(3) if "LIMIT = 4" in source else graded(1, ("test_a",))

    [full] = measure_mutants([demo], FakeRunner(respond), options=MutantOptions(seed=0))
    assert full.tested == full.generated == len(seen) >= 5
    assert all("/mutant-" in name for name in seen)
    assert [str(m) for m in full.survivors] == ["app.py:4: `3` → `4`"]
    [sampled] = measure_mutants([demo], FakeRunner(respond), options=MutantOptions(seed=0, limit=2))
    assert sampled.tested == 2 and sampled.generated == full.generated
