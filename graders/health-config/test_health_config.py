"""The grader of health-config: each test's docstring is what the learner reads.

The dependency is a grader-controlled upstream (its URL in UPSTREAM_URL): the grader counts its
calls, slows it, makes it fail, kills and revives it. The app is restarted with chosen
environments (app.restart(env=...)) and signalled (SIGTERM) like a platform would.

Mutants (`sandbox verify health-config --mutants`) that survive are equivalent: a default of
UPSTREAM_URL other than "" or no "required" check (the URL check that follows still refuses it,
naming UPSTREAM_URL); the statuses' wording on a 503 (anything but "ready"); the drain thread's
daemon flag (os._exit ends the process either way); rstrip("/") (the grader's UPSTREAM_URL has
no trailing slash); /work's bounds and default and its body (a helper the README describes only as
"sleeps N ms, at most 3000").
"""

import contextlib
import signal
import threading
import time

import pytest

from sandbox.grading import AppNoAnswer, expect, unique
from sandbox.grading.learner_app import AppDidNotStart

NAME = unique("svc")
GOOD = {"SERVICE_NAME": NAME, "DEPENDENCY_TIMEOUT_S": "0.5"}
TIMEOUT_S = 0.5
EXIT_WAIT_S = 3.0


@pytest.fixture
def restored(app):
    """The app, started again with GOOD after the test (which starts it with other settings)."""
    yield app
    restore(app)


@pytest.fixture(scope="module", autouse=True)
def configured(app):
    """The app, started with a service name and a dependency timeout of 0.5 s."""
    app.restart(env=GOOD)
    return app


def start_with(app, env):
    """Start the app with GOOD changed by `env`: (started?, exit code, what it printed)."""
    mark = app.output_mark()
    try:
        app.restart(env={**GOOD, **env})
    except AppDidNotStart:
        return False, app.returncode, app.output(mark)
    return True, None, app.output(mark)


def refuses_to_start(app, env, variable, why):
    shown = ", ".join(f"{k}={'(unset)' if v is None else repr(v)}" for k, v in env.items())
    started, code, output = start_with(app, env)
    assert not started, (
        f"With {shown}, the app started and listened. Expected it to stop at start-up with a "
        f"message naming {variable}: {why}."
    )
    assert code not in (None, 0), f"With {shown}, the app exited with code {code}; expected "
    "a non-zero exit code (sys.exit('...') gives 1), so the platform sees the failure."
    tail = output.strip()[-800:] or "(nothing)"
    assert variable in output, (
        f"With {shown}, the app exited (code {code}) but its output does not name {variable}:\n"
        f"{tail}\nSay which variable is wrong, so the operator can fix it in one go."
    )
    assert "Traceback" not in output, (
        f"With {shown}, the app printed a traceback:\n{tail}\nA configuration error is not a "
        "bug: print one clear line (sys.exit('config error: ...')) instead."
    )


def restore(app):
    # If it fails, the next request tries again and fails that test with the app's story.
    with contextlib.suppress(AppDidNotStart):
        app.restart(env=GOOD)


def ready(app, why):
    r = app.get("/readyz")
    expect.status(r, 200, why=why)
    body = expect.json_object(r, "status")
    if body["status"] != "ready":
        expect.fail(r, '{"status": "ready"}', why)


def not_ready(app, why, within=None):
    started = time.monotonic()
    r = app.get("/readyz")
    took = time.monotonic() - started
    expect.status(r, 503, why=why)
    body = expect.json_object(r, "status", why="a probe's answer is JSON with a status")
    if body["status"] == "ready":
        expect.fail(r, 'a "status" other than "ready" on a 503', why)
    if within is not None and took > within:
        expect.fail(
            r,
            f"the 503 within {within:g} s; it took {took:.2f} s",
            "a probe that hangs on a hung dependency is killed by the platform",
        )


# -- configuration ----------------------------------------------------------------------------


@pytest.mark.points(1)
def test_the_service_name_comes_from_the_environment(restored, checks):
    """GET /healthz shows SERVICE_NAME from the environment, "health-demo" when it is unset."""
    app = restored
    for env, wanted in ((GOOD, NAME), ({**GOOD, "SERVICE_NAME": None}, "health-demo")):
        with checks.case(f"SERVICE_NAME={env['SERVICE_NAME']!r}"):
            if env is not GOOD:
                app.restart(env=env)
            r = app.get("/healthz")
            expect.status(r, 200)
            body = expect.json_object(r, "status", "service")
            if body["service"] != wanted:
                expect.fail(r, f'"service": {wanted!r}', "configuration comes from the environment")


@pytest.mark.points(2)
def test_a_missing_upstream_url_stops_start_up(restored):
    """Without UPSTREAM_URL the app does not start: exit code ≠ 0 and one line naming it."""
    app = restored
    refuses_to_start(
        app,
        {"UPSTREAM_URL": None},
        "UPSTREAM_URL",
        "an app without its dependency's address must not pretend to be up",
    )


@pytest.mark.points(1)
def test_an_invalid_upstream_url_stops_start_up(restored, checks):
    """An UPSTREAM_URL that is not an http(s) URL stops start-up, naming UPSTREAM_URL."""
    app = restored
    for value in ("localhost:9000", "ftp://127.0.0.1/x"):
        with checks.case(f"UPSTREAM_URL={value!r}"):
            refuses_to_start(
                app,
                {"UPSTREAM_URL": value},
                "UPSTREAM_URL",
                "a bad value found at start-up is cheap; found at 3 a.m., not",
            )


@pytest.mark.points(1)
def test_an_invalid_timeout_stops_start_up(restored, checks):
    """DEPENDENCY_TIMEOUT_S that is not a number in (0, 30] stops start-up, naming it; 30 starts."""
    app = restored
    for value in ("soon", "-1", "0", "31"):
        with checks.case(f"DEPENDENCY_TIMEOUT_S={value!r}"):
            refuses_to_start(
                app,
                {"DEPENDENCY_TIMEOUT_S": value},
                "DEPENDENCY_TIMEOUT_S",
                "an invalid setting must never be silently replaced",
            )
    with checks.case("DEPENDENCY_TIMEOUT_S='30' (the largest allowed)"):
        started, code, output = start_with(app, {"DEPENDENCY_TIMEOUT_S": "30"})
        assert started, (
            f"With DEPENDENCY_TIMEOUT_S='30' the app did not start (exit code {code}):\n"
            f"{output.strip()[-800:] or '(nothing)'}\nThe range is (0, 30]: 30 itself is allowed."
        )


# -- probes -----------------------------------------------------------------------------------


@pytest.mark.points(1)
def test_healthz_answers_ok(app):
    """GET /healthz answers 200 {"status": "ok", "service": …}."""
    r = app.get("/healthz")
    expect.status(r, 200, why="liveness: the process can answer")
    body = expect.json_object(r, "status", "service")
    if body["status"] != "ok":
        expect.fail(r, '"status": "ok"', "liveness probes read the status")


@pytest.mark.points(1)
def test_healthz_does_not_depend_on_the_dependency(app, upstreams):
    """With the dependency down, /healthz still answers 200 and never calls it."""
    upstreams[0].kill()
    r = app.get("/healthz")
    expect.status(
        r,
        200,
        why="if liveness failed with the dependency, the platform would "
        "restart every healthy copy of the app: restarting does not fix a database",
    )
    if upstreams[0].count:
        expect.fail(
            r, "no call to the dependency from /healthz", "liveness is about this process only"
        )


@pytest.mark.points(2)
def test_readyz_asks_the_dependency(app, upstreams, checks):
    """With the dependency up, /readyz answers 200 {"status": "ready"}, after GET …/health."""
    with checks.case("GET /readyz → 200"):
        ready(app, "the dependency answers, so the app can take traffic")
    with checks.case("the dependency was asked GET /health"):
        paths = [c.path for c in upstreams[0].calls]
        assert any(
            c.method == "GET" and c.path.split("?")[0] == "/health" for c in upstreams[0].calls
        ), (
            f"GET /readyz made these calls to the dependency: {paths or 'none'}; expected "
            "GET {UPSTREAM_URL}/health on each /readyz, so readiness reflects the dependency now"
        )


@pytest.mark.points(2)
def test_readyz_is_503_while_the_dependency_is_down(app, upstreams, checks):
    """The dependency killed: /readyz answers 503; revived: 200 again."""
    with checks.case("dependency down → 503"):
        upstreams[0].kill()
        not_ready(app, "without its dependency the app cannot serve: send traffic elsewhere")
    with checks.case("dependency back → 200"):
        upstreams[0].revive()
        ready(app, "readiness follows the dependency: check it on each call, don't cache 'down'")


@pytest.mark.points(1)
def test_readyz_is_503_when_the_dependency_fails(app, upstreams):
    """The dependency answers 500: /readyz answers 503."""
    upstreams[0].handler = lambda request: (500, {"error": "database is read-only"})
    not_ready(app, "a dependency answering 5xx is not a working dependency")


@pytest.mark.points(1)
def test_readyz_gives_up_after_the_timeout(app, upstreams):
    """A dependency slower than DEPENDENCY_TIMEOUT_S (0.5 s here): 503 within about 1.2 s."""
    upstreams[0].delay_s = 2.0
    not_ready(app, "a hung dependency is a down dependency", within=TIMEOUT_S + 0.7)


# -- shutdown ---------------------------------------------------------------------------------


@pytest.mark.points(3)
def test_sigterm_drains_in_flight_requests(app, upstreams, checks):
    """SIGTERM during GET /work?ms=1200: /readyz turns 503, the request finishes, exit 0."""
    app.get("/healthz")  # running, with GOOD; the dependency (upstreams) is up and fast
    result = {}

    def slow():
        try:
            result["r"] = app.get("/work?ms=1200", fresh_connection=True)
        except AppNoAnswer as exc:
            result["error"] = str(exc)

    worker = threading.Thread(target=slow)
    worker.start()
    time.sleep(0.3)  # the request is in flight now
    app.send_signal(signal.SIGTERM)
    time.sleep(0.05)
    with checks.case("after SIGTERM, GET /readyz → 503 while a request is in flight"):
        try:
            not_ready(app, "readiness goes off first, so the load balancer stops sending")
        except AppNoAnswer as exc:
            raise AssertionError(
                f"After SIGTERM, with GET /work?ms=1200 in flight, GET /readyz got no answer "
                f"({exc}). Keep serving while you drain: only readiness changes."
            ) from None
    worker.join(timeout=5)
    with checks.case("the request in flight finishes with 200"):
        assert "r" in result, (
            f"GET /work?ms=1200, in flight when SIGTERM came, got no answer: "
            f"{result.get('error', 'it did not finish')}. Finish the requests in flight "
            "before exiting: their users are waiting for them."
        )
        expect.status(result["r"], 200, why="an in-flight request finishes normally")
    with checks.case("then the app exits with code 0"):
        code = app.wait_exit(EXIT_WAIT_S)
        assert code == 0, (
            f"After the last request finished, the app {'is still running' if code is None else f'exited with code {code}'}"
            f" {EXIT_WAIT_S:g} s later; expected it to exit with code 0 (os._exit(0)) once "
            "nothing is in flight."
        )


@pytest.mark.points(1)
def test_sigterm_when_idle_exits_promptly(app):
    """SIGTERM with no request in flight: the app exits with code 0 within 3 s."""
    app.get("/healthz")
    app.send_signal(signal.SIGTERM)
    code = app.wait_exit(EXIT_WAIT_S)
    assert code == 0, (
        f"After SIGTERM with nothing in flight, the app "
        f"{'is still running' if code is None else f'exited with code {code}'} {EXIT_WAIT_S:g} s "
        "later; expected code 0: the platform waits, then kills it (SIGKILL)."
    )
