"""The pytest plugin every grader runs under: the `app` fixture, points, and the result document.

Loaded with `-p sandbox.grading.plugin`. Nothing the submission ships reaches this process: the
submission lives outside pytest's rootdir and sys.path, and runs only as the learner's app.
"""

from __future__ import annotations

import signal
import tempfile
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from sandbox.atomic import write_atomic
from sandbox.grading import channel, services, suites
from sandbox.grading.checks import CHECKS, Checks
from sandbox.grading.learner_app import AppDidNotStart, AppSpec, LearnerApp
from sandbox.grading.serviceconf import APPS_UID
from sandbox.jobspec import JobSpec
from sandbox.results import (
    OUTPUT_CAP,
    Exchange,
    Result,
    Status,
    TestResult,
    TestStatus,
    fail_message,
    truncate,
)

_STATE = pytest.StashKey["GradingState"]()


class TestTimedOut(AssertionError):
    """A single test ran past its time limit."""

    __test__ = False


@dataclass
class GradingState:
    exercise: str
    app_spec: AppSpec
    result_file: Path | None
    test_timeout_s: float
    grader_dir: Path = Path()
    started: float = field(default_factory=time.monotonic)
    app: LearnerApp | None = None
    startup_error: str | None = None
    startup_timed_out: bool = False
    collect_error: str | None = None
    service_error: str | None = None  # a declared service did not start: ours, not the learner's
    tests: dict[str, TestResult] = field(default_factory=dict)
    _marks: dict[str, int] = field(default_factory=dict)
    _exchange_marks: dict[str, int] = field(default_factory=dict)
    _worker_marks: dict[str, int] = field(default_factory=dict)
    extra_apps: list[LearnerApp] = field(default_factory=list)  # `fresh_app`s of the test running
    fresh_count: int = 0

    def result(self, complete: bool) -> Result:
        tests = list(self.tests.values())
        score = sum(t.score for t in tests)
        max_score = sum(t.max_score for t in tests)
        if self.collect_error:
            status, message = Status.ERROR, self.collect_error
        elif self.service_error:
            status, message = Status.ERROR, self.service_error
        elif self.startup_error:
            status = Status.TIMEOUT if self.startup_timed_out else Status.ERROR
            message = f"Your app did not start, so no test ran: {self.startup_error}"
        elif tests and all(t.status is TestStatus.PASSED for t in tests):
            status, message = Status.PASS, f"All {len(tests)} tests passed."
        elif not tests:
            status, message = (
                Status.ERROR,
                "The grader collected no tests (a problem with the exercise).",
            )
        else:
            status, message = Status.FAIL, fail_message(tests)
        return Result(
            exercise=self.exercise,
            status=status,
            score=score,
            max_score=max_score,
            message=message,
            duration_s=round(time.monotonic() - self.started, 3),
            tests=tests,
            complete=complete,
            infrastructure=self.service_error is not None,
        )

    def write(self, complete: bool) -> None:
        result = self.result(complete)
        channel.publish(result.to_json(indent=None))
        if self.result_file is not None:
            write_atomic(self.result_file, channel.encodable(result.to_json()))


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sandbox", "Backend Sandbox grading")
    group.addoption("--job", help="job file (JSON) written by the runner")
    group.addoption("--submission", help="folder holding the learner's app")
    group.addoption(
        "--exercise-dir", help="exercise folder (reads [app] and [limits] of exercise.toml)"
    )
    group.addoption("--workdir", help="writable folder the app runs in (default: a temp copy)")
    group.addoption("--result-file", help="where to write the result document")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): how many points the test is worth (default 1)")
    config.addinivalue_line(
        "markers", "hidden: a hidden test: learners see that it failed, not what it checks"
    )
    config.pluginmanager.register(services, "sandbox-services")  # its fixtures: redis, postgres, …
    job = _load_job(config)
    if job is None:
        return
    config.stash[_STATE] = job


def _load_job(config: pytest.Config) -> GradingState | None:
    """The job: a JobSpec file from a runner, or (by hand, on the host) an exercise folder."""
    job_file = config.getoption("--job")
    if job_file:
        spec = JobSpec.from_json(Path(job_file).read_text(encoding="utf-8"))
        # The clock's file goes beside the job: written by the grader, readable by the learner.
        job_dir = Path(job_file).parent
    else:
        submission = config.getoption("--submission")
        if not submission:
            return None
        spec = _spec_by_hand(config, submission)
        job_dir = Path(tempfile.mkdtemp(prefix="sandbox-job-"))
    result_file = spec.result_file
    services.install(config, services.ServicesSpec.from_job(spec, job_dir))
    return GradingState(
        exercise=spec.exercise,
        app_spec=AppSpec.from_job(spec),
        result_file=Path(result_file) if result_file else None,
        test_timeout_s=spec.limits.test_timeout_s,
        grader_dir=Path(spec.grader),
    )


def _spec_by_hand(config: pytest.Config, submission: str) -> JobSpec:
    """`pytest -p sandbox.grading.plugin --submission DIR [--exercise-dir DIR]` on the host:
    the exercise is loaded (and validated) the way the tool loads it."""
    exercise_dir = config.getoption("--exercise-dir")
    workdir = config.getoption("--workdir") or tempfile.mkdtemp(prefix="sandbox-app-")
    if not exercise_dir:
        return JobSpec(
            exercise="",
            submission=submission,
            grader=str(config.rootpath),
            workdir=workdir,
            result_file=config.getoption("--result-file"),
        )
    from sandbox.exercises import load  # host only: the image has no exercise loader

    folder = Path(exercise_dir).resolve()
    exercise = load(folder.name, folder.parent.parent)
    return JobSpec(
        exercise=exercise.slug,
        submission=submission,
        grader=str(exercise.grader_dir),
        workdir=workdir,
        result_file=config.getoption("--result-file"),
        app=exercise.app,
        limits=exercise.limits,
        services=exercise.services,
        kind=exercise.kind,
    )


def _state(config: pytest.Config) -> GradingState:
    try:
        return config.stash[_STATE]
    except KeyError:
        raise pytest.UsageError(
            "the grading plugin needs --submission DIR (and usually --exercise-dir DIR) or --job FILE"
        ) from None


@pytest.fixture(scope="session")
def app(request: pytest.FixtureRequest) -> Iterator[LearnerApp]:
    """The learner's app, running; started once per grading run."""
    state = _state(request.config)
    if state.startup_error is not None:
        raise AppDidNotStart(state.startup_error)
    # Declared services first: the app's (and any fresh app's) environment carries their addresses.
    try:
        extra_env = services.services_of(request.config).start()
    except services.ServiceError as exc:
        state.service_error = f"Could not grade: a service of the exercise did not start ({exc})."
        state.startup_error = state.service_error
        raise AppDidNotStart(state.service_error) from None
    state.app_spec = replace(state.app_spec, extra_env=extra_env)
    learner = LearnerApp(state.app_spec)
    try:
        learner.prepare()
        learner.start()
    except AppDidNotStart as exc:
        state.startup_error, state.startup_timed_out = str(exc), exc.timed_out
        raise
    state.app = learner
    yield learner
    learner.stop()


@pytest.fixture
def fresh_app(request: pytest.FixtureRequest) -> Iterator[LearnerApp]:
    """A second copy of the learner's app for one test: a new process over fresh files (a
    clean copy of the submission), independent of `app`. Stopped when the test ends."""
    state = _state(request.config)
    state.fresh_count += 1
    spec = replace(
        state.app_spec, workdir=Path(f"{state.app_spec.workdir}-fresh{state.fresh_count}")
    )
    learner = LearnerApp(spec)
    learner.prepare()
    learner.start()  # AppDidNotStart fails this test with the app's own story
    state.extra_apps.append(learner)
    try:
        yield learner
    finally:
        learner.stop()
        state.extra_apps.remove(learner)


@pytest.fixture(scope="session")
def suite(request: pytest.FixtureRequest) -> suites.SuiteRuns:
    """A tests-kind exercise: the learner's tests, run against the correct API and against each
    hidden buggy variant the grader holds (sandbox/grading/suites.py); each run is limited to
    the exercise's `test_timeout_s`."""
    state = _state(request.config)
    learner = state.app_spec.learner_uid
    spec = suites.SuiteSpec(
        submission=state.app_spec.submission,
        workdir=state.app_spec.workdir,
        grader=state.grader_dir,
        learner_uid=learner,
        apps_uid=None if learner is None else APPS_UID,
        timeout_s=state.test_timeout_s,
    )
    try:
        return suites.run_suites(spec)
    except suites.SuiteError as exc:
        state.service_error = f"Could not grade: the exercise's APIs did not run ({exc})."
        raise


@pytest.fixture
def checks(request: pytest.FixtureRequest) -> Checks:
    """Partial credit inside one test: each `with checks.case(...)` carries its share of the
    test's points; the test earns the share of the cases that held."""
    collector = Checks()
    request.node.stash[CHECKS] = collector
    return collector


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.CollectReport = outcome.get_result()
    state = collector.config.stash.get(_STATE, None)
    if report.failed and state is not None and state.collect_error is None:
        state.collect_error = (
            "The grader itself failed to load; this is a problem with the exercise, not your code.\n"
            + truncate(str(report.longrepr), 1500)
        )


def pytest_collection_finish(session: pytest.Session) -> None:
    state = session.config.stash.get(_STATE, None)
    if state is None:
        return
    for item in session.items:
        marker = item.get_closest_marker("points")
        points = float(marker.args[0]) if marker and marker.args else 1.0
        function = getattr(item, "function", None)
        doc = (function.__doc__ or "").strip().splitlines() if function else []
        state.tests[item.nodeid] = TestResult(
            name=item.name,
            status=TestStatus.NOT_RUN,
            score=0.0,
            max_score=points,
            message="",  # not reached (yet): the runner's finalize step says why
            description=doc[0] if doc else "",
            hidden=item.get_closest_marker("hidden") is not None,
        )
    state.write(complete=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, Any, None]:
    state = item.config.stash.get(_STATE, None)
    if state is not None:
        state._marks[item.nodeid] = state.app.output_mark() if state.app else 0
        state._exchange_marks[item.nodeid] = state.app.transcript.count if state.app else 0
        state._worker_marks[item.nodeid] = services.worker_output_mark(item.config)
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, None]:
    """Per-test time limit, so one hanging handler costs one test, not the whole run."""
    state = item.config.stash.get(_STATE, None)
    limit = state.test_timeout_s if state else 0

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise TestTimedOut(f"this test took longer than its {limit:g} s limit and was stopped")

    previous = signal.signal(signal.SIGALRM, on_alarm) if limit else None
    if limit:
        signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        if limit:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    state = item.config.stash.get(_STATE, None)
    if state is None or item.nodeid not in state.tests:
        return
    test = state.tests[item.nodeid]
    if report.when == "setup" and report.failed:
        exc = call.excinfo.value if call.excinfo else None
        if isinstance(exc, AppDidNotStart):
            test.status, test.message = TestStatus.NOT_RUN, "not run: the app did not start"
        else:
            test.status, test.message = TestStatus.ERROR, _message(call)
    elif report.when == "setup" and report.skipped:
        test.status, test.message = TestStatus.NOT_RUN, "skipped"
    elif report.when == "call":
        test.duration_s = round(report.duration, 3)
        checks = item.stash.get(CHECKS, None)
        if report.passed and checks is not None and checks.failed:
            test.status = TestStatus.FAILED
            test.score = round(test.max_score * checks.share(), 3)
            test.message = checks.summary()
        elif report.passed:
            test.status, test.score, test.message = TestStatus.PASSED, test.max_score, ""
        else:
            test.status, test.score, test.message = TestStatus.FAILED, 0.0, _message(call)
        if state.app is not None:
            # The worker's share first: a long app log must not cut it off.
            worker = services.worker_output(item.config, state._worker_marks.get(item.nodeid, 0))
            worker = truncate(worker, OUTPUT_CAP // 2) if worker else ""
            app_cap = OUTPUT_CAP - len(worker)
            test.output = worker + truncate(
                state.app.output(state._marks.get(item.nodeid, 0)), app_cap
            )
        if test.status is not TestStatus.PASSED:
            test.transcript = _transcript(state, item.nodeid)
    elif report.when == "teardown":
        state.write(complete=False)


def _transcript(state: GradingState, nodeid: str) -> list[Exchange]:
    """The last few exchanges of a failed test: with the main app, or its own fresh app."""
    if state.extra_apps:
        return state.extra_apps[-1].transcript.since(0)
    if state.app is None:
        return []
    return state.app.transcript.since(state._exchange_marks.get(nodeid, 0))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(_STATE, None)
    if state is not None:
        state.write(complete=True)


def _message(call: pytest.CallInfo[None]) -> str:
    """The learner-facing message: the grader's assertion text, without pytest's rewrite noise."""
    if call.excinfo is None:
        return ""
    exc = call.excinfo.value
    if isinstance(exc, AssertionError):
        text = str(exc).split("\nassert ")[0].strip()
        return truncate(text, 2000) or "an assertion in the grader failed"
    return truncate(f"{type(exc).__name__}: {exc}", 2000)
