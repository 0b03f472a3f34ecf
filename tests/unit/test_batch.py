"""The batch engine with a fake runner: parallel grading, resume, retries, roster, outputs."""

from __future__ import annotations

import csv
import json
import threading
import zipfile
from pathlib import Path

import pytest

from sandbox import exercises
from sandbox.batch import Batch, Finished, Options
from sandbox.errors import DockerUnavailable, RunnerError
from sandbox.results import Result, Status, TestResult, TestStatus
from sandbox.runners import Job
from sandbox.runners.fake import FakeRunner

APP = "from flask import Flask\napp = Flask(__name__)\n"


def _class(root: Path, students: list[str]) -> Path:
    subs = root / "subs"
    subs.mkdir()
    for s in students:
        (subs / s).mkdir()
        (subs / s / "app.py").write_text(APP + f"# {s}\n")
    return subs


def _scored(job: Job) -> Result:
    """Full marks for ids starting with 'a', one point otherwise."""
    full = job.submission_id.startswith("a")
    tests = [
        TestResult("test_one", TestStatus.PASSED, 1, 1),
        TestResult(
            "test_two",
            TestStatus.PASSED if full else TestStatus.FAILED,
            2 if full else 0,
            2,
            "" if full else "GET / returned 500; expected 200",
        ),
    ]
    return Result(
        exercise=job.exercise.slug,
        status=Status.PASS if full else Status.FAIL,
        score=3 if full else 1,
        max_score=3,
        message="",
        tests=tests,
    )


def _batch(home: Path, subs: Path, runner: FakeRunner, **opts: object) -> Batch:
    ex = exercises.load("demo", root=home)
    return Batch(ex, subs, home.parent / "out", runner, Options(**opts))  # type: ignore[arg-type]


def test_every_submission_is_graded_and_every_output_written(
    sandbox_home: Path, tmp_path: Path
) -> None:
    subs = _class(tmp_path, ["amy", "ben", "cat"])
    runner = FakeRunner(_scored)
    events: list[Finished] = []
    summary = _batch(sandbox_home, subs, runner, jobs=2).run(events.append)
    out = summary.outdir
    assert sorted(e.student for e in events) == ["amy", "ben", "cat"]
    assert len(runner.jobs) == 3
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert [(r["student"], r["score"], r["status"]) for r in rows] == [
        ("amy", "3", "pass"),
        ("ben", "1", "fail"),
        ("cat", "1", "fail"),
    ]
    for s in ("amy", "ben", "cat"):
        assert Result.from_json((out / "results" / f"{s}.json").read_text()).submission == s
        assert json.loads((out / "gradescope" / s / "results.json").read_text())["score"] in (1, 3)
    assert (out / "junit.xml").read_text().count("<testsuite ") == 3
    assert "ben" in (out / "report.html").read_text()


def test_a_rerun_grades_nothing_already_finished_unless_regrade(
    sandbox_home: Path, tmp_path: Path
) -> None:
    subs = _class(tmp_path, ["amy", "ben"])
    _batch(sandbox_home, subs, FakeRunner(_scored)).run()
    (subs / "dan").mkdir()
    (subs / "dan" / "app.py").write_text(APP)
    runner = FakeRunner(_scored)
    summary = _batch(sandbox_home, subs, runner).run()
    assert [j.submission_id for j in runner.jobs] == ["dan"]
    assert (summary.reused, summary.graded_now, len(summary.rows)) == (2, 1, 3)
    runner = FakeRunner(_scored)
    _batch(sandbox_home, subs, runner, regrade=True).run()
    assert sorted(j.submission_id for j in runner.jobs) == ["amy", "ben", "dan"]


def test_an_interrupted_batch_keeps_what_finished_and_the_rerun_completes_it(
    sandbox_home: Path, tmp_path: Path
) -> None:
    subs = _class(tmp_path, ["a1", "a2", "a3", "a4", "a5"])
    calls = []
    lock = threading.Lock()

    def interrupting(job: Job) -> Result:
        with lock:
            calls.append(job.submission_id)
            if len(calls) == 3:
                raise KeyboardInterrupt
        return _scored(job)

    interrupted = FakeRunner(interrupting)
    with pytest.raises(KeyboardInterrupt):
        _batch(sandbox_home, subs, interrupted, jobs=1).run()
    assert interrupted.cancelled, "running containers are stopped at once"
    out = tmp_path / "out" / "results"
    saved = sorted(p.stem for p in out.glob("*.json"))
    assert saved == ["a1", "a2"], "only finished submissions are saved"
    runner = FakeRunner(_scored)
    summary = _batch(sandbox_home, subs, runner, jobs=1).run()
    assert sorted(j.submission_id for j in runner.jobs) == ["a3", "a4", "a5"]
    assert len(summary.rows) == 5 and all(r.status is Status.PASS for _, r in summary.rows)


def test_our_failure_is_retried_once_then_marked_infrastructure_and_retried_next_run(
    sandbox_home: Path, tmp_path: Path
) -> None:
    subs = _class(tmp_path, ["amy", "ben"])
    attempts: dict[str, int] = {}

    def flaky(job: Job) -> Result:
        attempts[job.submission_id] = attempts.get(job.submission_id, 0) + 1
        if job.submission_id == "ben":
            raise RunnerError("Docker could not start the grading container: boom")
        if attempts["amy"] == 1:
            raise RunnerError("a hiccup")
        return _scored(job)

    summary = _batch(sandbox_home, subs, FakeRunner(flaky)).run()
    assert attempts == {"amy": 2, "ben": 2}
    by = dict(summary.rows)
    assert by["amy"].status is Status.PASS
    assert by["ben"].status is Status.ERROR and by["ben"].infrastructure
    assert "not the student's" in by["ben"].message
    assert summary.infrastructure_errors == 1
    row = next(
        r
        for r in csv.DictReader((tmp_path / "out" / "gradebook.csv").open())
        if r["student"] == "ben"
    )
    assert row["infrastructure"] == "yes"
    runner = FakeRunner(_scored)
    _batch(sandbox_home, subs, runner).run()
    assert [j.submission_id for j in runner.jobs] == ["ben"], (
        "infrastructure errors are graded again"
    )


def test_docker_dying_stops_the_batch_with_results_so_far_intact(
    sandbox_home: Path, tmp_path: Path
) -> None:
    subs = _class(tmp_path, ["a1", "a2", "a3", "a4"])

    def dying(job: Job) -> Result:
        if job.submission_id == "a3":
            runner.engine_up = False
        if not runner.engine_up:
            raise RunnerError("connection refused")
        return _scored(job)

    runner = FakeRunner(dying)
    ex = exercises.load("demo", root=sandbox_home)
    batch = Batch(ex, subs, tmp_path / "out", runner, Options(jobs=1))
    with pytest.raises(DockerUnavailable, match="rerun the same command"):
        batch.run()
    assert sorted(p.stem for p in (tmp_path / "out" / "results").glob("*.json")) == ["a1", "a2"]


def test_roster_adds_missing_students_and_flags_strangers(
    sandbox_home: Path, tmp_path: Path
) -> None:
    subs = _class(tmp_path, ["amy", "eve"])
    roster = tmp_path / "roster.csv"
    roster.write_text("student,name\namy,Amy\nzed,Zed\n")
    summary = _batch(sandbox_home, subs, FakeRunner(_scored), roster=roster).run()
    by = dict(summary.rows)
    assert by["zed"].status is Status.MISSING and by["zed"].score == 0
    assert summary.plan.not_on_roster == ["eve"]
    assert "eve" in by, "a stranger is still graded"
    flags = {
        r["student"]: r["on_roster"]
        for r in csv.DictReader((tmp_path / "out" / "gradebook.csv").open())
    }
    assert flags == {"amy": "yes", "eve": "no", "zed": "yes"}


def test_a_hostile_archive_is_rejected_and_the_batch_goes_on(
    sandbox_home: Path, tmp_path: Path
) -> None:
    subs = _class(tmp_path, ["amy"])
    with zipfile.ZipFile(subs / "ivan.zip", "w") as zf:
        zf.writestr("app.py", APP)
        zf.writestr("../../evil.py", "x = 1\n")
    runner = FakeRunner(_scored)
    summary = _batch(sandbox_home, subs, runner).run()
    by = dict(summary.rows)
    assert by["ivan"].status is Status.REJECTED and ".." in by["ivan"].message
    assert by["amy"].status is Status.PASS
    assert [j.submission_id for j in runner.jobs] == ["amy"]
    assert not (tmp_path / "evil.py").exists() and not (tmp_path.parent / "evil.py").exists()


def test_jobs_run_in_parallel(sandbox_home: Path, tmp_path: Path) -> None:
    subs = _class(tmp_path, ["a1", "a2", "a3", "a4"])
    barrier = threading.Barrier(2, timeout=5)

    def meet(job: Job) -> Result:
        barrier.wait()  # deadlocks (and times out) unless two jobs run at once
        return _scored(job)

    summary = _batch(sandbox_home, subs, FakeRunner(meet), jobs=2).run()
    assert len(summary.rows) == 4


def test_two_entries_for_one_student_grade_one_and_report_the_other(
    sandbox_home: Path, tmp_path: Path
) -> None:
    subs = _class(tmp_path, ["amy"])
    with zipfile.ZipFile(subs / "amy.zip", "w") as zf:
        zf.writestr("app.py", APP)
    runner = FakeRunner(_scored)
    summary = _batch(sandbox_home, subs, runner).run()
    assert [j.submission_id for j in runner.jobs] == ["amy"]
    assert [s for s, _ in summary.rows] == ["amy"]
    assert len(summary.plan.duplicates) == 1 and summary.plan.duplicates[0] in {"amy", "amy.zip"}
