"""The pytest plugin every grader runs under: the `app` fixture, points, and the result document.

Loaded with `-p sandbox.grading.plugin`. Nothing the submission ships reaches this process: the
submission lives outside pytest's rootdir and sys.path, and runs only as the learner's app.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import tempfile
import time
import tomllib
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from sandbox.grading import channel, services
from sandbox.grading.learner_app import AppDidNotStart, AppSpec, LearnerApp
from sandbox.results import Result, Status, TestResult, TestStatus, truncate

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
    started: float = field(default_factory=time.monotonic)
    app: LearnerApp | None = None
    startup_error: str | None = None
    startup_timed_out: bool = False
    collect_error: str | None = None
    service_error: str | None = None  # a declared service did not start: ours, not the learner's
    tests: dict[str, TestResult] = field(default_factory=dict)
    _marks: dict[str, int] = field(default_factory=dict)

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
            failed = [t for t in tests if t.status is not TestStatus.PASSED]
            status = Status.FAIL
            message = f"{len(failed)} of {len(tests)} tests did not pass. First: {failed[0].name}: {failed[0].message}"
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
        if self.result_file is None:
            return
        doc = result.to_json()
        fd, tmp = tempfile.mkstemp(dir=self.result_file.parent, prefix=".result-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(doc)
        os.replace(tmp, self.result_file)


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
    job_file = config.getoption("--job")
    if job_file:
        job: dict[str, Any] = json.loads(Path(job_file).read_text(encoding="utf-8"))
        job_dir = Path(job_file).parent
    else:
        submission = config.getoption("--submission")
        if not submission:
            return None
        job = {"submission": submission, "exercise": "", "app": {}, "limits": {}}
        exercise_dir = config.getoption("--exercise-dir")
        if exercise_dir:
            toml = tomllib.loads((Path(exercise_dir) / "exercise.toml").read_text(encoding="utf-8"))
            job.update(
                exercise=Path(exercise_dir).name,
                app=toml.get("app", {}),
                limits=toml.get("limits", {}),
                services={
                    "names": toml.get("services", []),
                    "upstreams": toml.get("upstreams", 0),
                    "worker": toml.get("worker"),
                },
            )
        job_dir = Path(tempfile.mkdtemp(prefix="sandbox-job-"))
        job["workdir"] = config.getoption("--workdir") or tempfile.mkdtemp(prefix="sandbox-app-")
        job["result_file"] = config.getoption("--result-file")
    app, limits = job.get("app", {}), job.get("limits", {})
    spec = AppSpec(
        submission=Path(job["submission"]).resolve(),
        workdir=Path(job["workdir"]),
        module=app.get("module", "app"),
        attribute=app.get("attribute", "app"),
        startup_timeout_s=float(app.get("startup_timeout_s", 10)),
        request_timeout_s=float(limits.get("request_timeout_s", 5)),
        learner_uid=job.get("learner_uid"),
        memory_mb=limits.get("memory_mb"),
    )
    result_file = job.get("result_file")
    services.install(config, services.ServicesSpec.from_job(job, job_dir))
    return GradingState(
        exercise=job.get("exercise", ""),
        app_spec=spec,
        result_file=Path(result_file) if result_file else None,
        test_timeout_s=float(limits.get("test_timeout_s", 10)),
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
    # Declared services first: the app's environment carries their addresses.
    if state.service_error is not None:
        raise AppDidNotStart(state.service_error)
    try:
        extra_env = services.services_of(request.config).start()
    except services.ServiceError as exc:
        state.service_error = f"Could not grade: a service of the exercise did not start ({exc})."
        raise AppDidNotStart(state.service_error) from None
    learner = LearnerApp(dataclasses.replace(state.app_spec, extra_env=extra_env))
    try:
        learner.prepare()
        learner.start()
    except AppDidNotStart as exc:
        state.startup_error, state.startup_timed_out = str(exc), exc.timed_out
        raise
    state.app = learner
    yield learner
    learner.stop()


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
            message="not run",
            description=doc[0] if doc else "",
            hidden=item.get_closest_marker("hidden") is not None,
        )
    state.write(complete=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, Any, None]:
    state = item.config.stash.get(_STATE, None)
    if state is not None:
        state._marks[item.nodeid] = state.app.output_mark() if state.app else 0
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
        if report.passed:
            test.status, test.score, test.message = TestStatus.PASSED, test.max_score, ""
        else:
            test.status, test.score, test.message = TestStatus.FAILED, 0.0, _message(call)
        if state.app is not None:
            test.output = truncate(state.app.output(state._marks.get(item.nodeid, 0)))
    elif report.when == "teardown":
        state.write(complete=False)


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
