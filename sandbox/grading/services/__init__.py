"""Real services for graders: redis-server, PostgreSQL, a learner worker, upstreams, a clock.

An exercise asks for them in exercise.toml, and only then do they cost anything:

    services = ["redis", "postgres", "clock"]   # any of these
    upstreams = 3                                # grader-controlled HTTP servers (0-8)
    [worker]
    module = "worker"                            # a second learner process: python -m worker

The plugin starts the declared services before the learner's app, so the app's allow-listed
environment carries their addresses (`REDIS_URL`, `DATABASE_URL`, `UPSTREAM_URL`/`UPSTREAM_URLS`,
libfaketime's variables for the clock, and each of `secrets = ["SECRET_KEY"]` with a fresh random
value); graders use the fixtures `redis`, `postgres`, `worker`, `upstreams`, `clock` and
`app_secrets` defined here.

Isolation, inside the runner container (the grader is root holding SETUID/SETGID/KILL only):
- redis-server runs as uid 10002, PostgreSQL as uid 10003: neither root nor the learner (10001),
  so the app cannot signal them or read their files; both listen on 127.0.0.1 only.
- PostgreSQL's data lives in its own tmpfs, /run/postgres (10003:root, 0750): the grader reaches
  the Unix socket there as superuser; the learner's uid cannot enter it. The app logs in over
  TCP as role `app` with a password made at each start; the superuser never logs in over TCP.
- Upstreams run inside the grader's process: the app can call them, never change them.
- The clock is libfaketime in the app's (and worker's) process, reading an offset from a file only
  the grader can write. An app can escape it (it runs its own code), but then it only sees the
  real time: its tokens never expire, it loses points, it forges none. redis-server cannot run
  under libfaketime (its jemalloc recurses into clock_gettime at start), so advancing the clock
  ages Redis's TTLs instead (`Redis.age`): a key with 10 s left expires when the clock moves 10 s.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from sandbox.grading.learner_app import LearnerApp
from sandbox.grading.services._process import ServiceError
from sandbox.grading.services.clock import Clock
from sandbox.grading.services.postgres import Postgres, StatementCount
from sandbox.grading.services.redis_server import Redis
from sandbox.grading.services.upstream import Upstream, UpstreamRequest, UpstreamResponse
from sandbox.grading.services.worker import Worker
from sandbox.jobspec import JobSpec

__all__ = [
    "Clock",
    "Postgres",
    "Redis",
    "ServiceError",
    "Services",
    "ServicesSpec",
    "StatementCount",
    "Upstream",
    "UpstreamRequest",
    "UpstreamResponse",
    "Worker",
    "fresh_secrets",
]


@dataclass(frozen=True)
class ServicesSpec:
    """What the exercise declared, and where the services may keep their files."""

    services: tuple[str, ...] = ()
    upstreams: int = 0
    worker_module: str | None = None
    run_dir: Path = Path("/tmp")  # the clock file goes here (grader-writable, learner-readable)
    isolated: bool = True  # in the container: services under their own uids, own tmpfs
    secrets: tuple[str, ...] = ()  # environment variables given a fresh random value

    @classmethod
    def from_job(cls, job: JobSpec, job_dir: Path) -> ServicesSpec:
        return cls(
            services=job.services.names,
            upstreams=job.services.upstreams,
            worker_module=job.services.worker or None,
            secrets=job.services.secrets,
            run_dir=job_dir,
            isolated=job.learner_uid is not None,
        )


class Services:
    """Starts what the exercise declared (once), and says what the app's environment gains."""

    def __init__(self, spec: ServicesSpec) -> None:
        self.spec = spec
        self.clock: Clock | None = None
        self.redis: Redis | None = None
        self.postgres: Postgres | None = None
        self.upstreams: list[Upstream] = []
        self.worker: Worker | None = None
        self.env: dict[str, str] = {}
        self.secrets: dict[str, str] = {}
        self._started = False
        self._error: ServiceError | None = None
        self._scratch: Path | None = None

    def start(self) -> dict[str, str]:
        """Start every declared service (once); return the variables the app's environment gains.

        A service that does not start raises ServiceError, now and on every later call.
        """
        if self._error is not None:
            raise self._error
        if not self._started:
            try:
                self.env = self._start()
            except ServiceError as exc:
                self._error = exc
                raise
            self._started = True
        return self.env

    def _start(self) -> dict[str, str]:
        names = self.spec.services
        env: dict[str, str] = {}
        self.secrets = fresh_secrets(self.spec.secrets)
        env.update(self.secrets)
        if not self.spec.isolated and ("postgres" in names):
            self._scratch = Path(tempfile.mkdtemp(prefix="sandbox-services-"))
        if "clock" in names:
            self.clock = Clock(self.spec.run_dir / "clock")
            env.update(self.clock.env())
        if "redis" in names:
            self.redis = Redis(self.spec.isolated)
            if self.clock is not None:
                self.clock.followers.append(self.redis.age)
        if "postgres" in names:
            self.postgres = Postgres(
                self.spec.isolated, self._scratch or Path(tempfile.gettempdir())
            )
        # Both at once: redis-server's start overlaps PostgreSQL's copy and start.
        failures: list[ServiceError] = []
        redis_start = threading.Thread(target=_collect, args=(self.redis, failures))
        if self.redis is not None:
            redis_start.start()
        if self.postgres is not None:
            _collect(self.postgres, failures)
        if self.redis is not None:
            redis_start.join()
        if failures:
            raise failures[0]
        if self.redis is not None:
            env["REDIS_URL"] = self.redis.url
        if self.postgres is not None:
            env["DATABASE_URL"] = self.postgres.url
        for i in range(self.spec.upstreams):
            upstream = Upstream(f"upstream-{i + 1}")
            upstream.revive()
            self.upstreams.append(upstream)
        if self.upstreams:
            env["UPSTREAM_URL"] = self.upstreams[0].url
            env["UPSTREAM_URLS"] = ",".join(u.url for u in self.upstreams)
        return env

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.kill()
        for upstream in self.upstreams:
            upstream.kill()
        for service in (self.redis, self.postgres):
            if service is not None:
                service.stop()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)


def fresh_secrets(names: tuple[str, ...]) -> dict[str, str]:
    """A new random value for each declared secret: 32 random bytes, URL-safe base64."""
    return {name: secrets.token_urlsafe(32) for name in names}


def _collect(service: Redis | Postgres | None, failures: list[ServiceError]) -> None:
    if service is None:
        return
    try:
        service.start()
    except ServiceError as exc:
        failures.append(exc)
    except Exception as exc:  # a copy or a spawn that failed: still ours, never the learner's
        failures.append(ServiceError(f"{type(service).__name__}: {type(exc).__name__}: {exc}"))


_SERVICES = pytest.StashKey[Services]()


def services_of(config: pytest.Config) -> Services:
    """The run's services (started on first use); an empty set when nothing was declared."""
    try:
        return config.stash[_SERVICES]
    except KeyError:
        services = Services(ServicesSpec())
        config.stash[_SERVICES] = services
        return services


def worker_output_mark(config: pytest.Config) -> int:
    """Where the worker's output stands now (0 when there is no worker yet)."""
    services = config.stash.get(_SERVICES, None)
    return services.worker.output_mark() if services and services.worker else 0


def worker_output(config: pytest.Config, since: int) -> str:
    """The worker's output since `since`, headed so the learner tells it from the app's."""
    services = config.stash.get(_SERVICES, None)
    text = services.worker.output(since) if services and services.worker else ""
    if not (services and text.strip()):
        return ""
    return f"--- your worker ({services.spec.worker_module}) ---\n{text}\n--- your app ---\n"


def install(config: pytest.Config, spec: ServicesSpec) -> None:
    config.stash[_SERVICES] = Services(spec)


def pytest_unconfigure(config: pytest.Config) -> None:
    services = config.stash.get(_SERVICES, None)
    if services is not None:
        services.stop()


def _declared(services: Services, name: str, toml: str) -> None:
    if name not in services.spec.services:
        raise ServiceError(
            f"this grader uses the {name} fixture but exercise.toml does not declare it: add {toml}"
        )


# -- fixtures (this module is registered as a plugin by sandbox.grading.plugin) -----------------
# Each one depends on `app`, whose fixture starts the declared services first: a service that does
# not start is then reported once, as "could not grade", with every test not run.


@pytest.fixture(scope="session")
def redis(request: pytest.FixtureRequest, app: LearnerApp) -> Redis:
    """A real redis-server, started before the app (whose REDIS_URL points at it)."""
    services = services_of(request.config)
    _declared(services, "redis", 'services = ["redis"]')
    services.start()
    assert services.redis is not None
    return services.redis


@pytest.fixture(scope="session")
def postgres(request: pytest.FixtureRequest, app: LearnerApp) -> Postgres:
    """A real PostgreSQL 15, started before the app (whose DATABASE_URL points at it)."""
    services = services_of(request.config)
    _declared(services, "postgres", 'services = ["postgres"]')
    services.start()
    assert services.postgres is not None
    return services.postgres


@pytest.fixture(scope="session")
def clock(request: pytest.FixtureRequest, app: LearnerApp) -> Clock:
    """The learner's clock: `clock.advance(seconds)`, `clock.now()`."""
    services = services_of(request.config)
    _declared(services, "clock", 'services = ["clock"]')
    services.start()
    assert services.clock is not None
    return services.clock


@pytest.fixture(scope="session")
def app_secrets(request: pytest.FixtureRequest, app: LearnerApp) -> dict[str, str]:
    """The values of the exercise's `secrets` in the app's environment, fresh each run."""
    services = services_of(request.config)
    if not services.spec.secrets:
        raise ServiceError(
            "this grader uses the app_secrets fixture but exercise.toml declares no secrets: "
            'add secrets = ["SECRET_KEY"]'
        )
    services.start()
    return dict(services.secrets)


@pytest.fixture
def upstreams(request: pytest.FixtureRequest, app: LearnerApp) -> list[Upstream]:
    """The exercise's upstreams, reset for this test: default answers, no calls, all alive."""
    services = services_of(request.config)
    if not services.spec.upstreams:
        raise ServiceError(
            "this grader uses the upstreams fixture but exercise.toml does not declare any: "
            "add upstreams = N"
        )
    services.start()
    for upstream in services.upstreams:
        upstream.reset()
    return services.upstreams


@pytest.fixture
def worker(request: pytest.FixtureRequest, app: LearnerApp) -> Worker:
    """The learner's worker process, running at the start of this test (started again if an
    earlier test stopped or killed it)."""
    services = services_of(request.config)
    module = services.spec.worker_module
    if module is None:
        raise ServiceError(
            "this grader uses the worker fixture but exercise.toml has no [worker] module"
        )
    if services.worker is None:
        services.worker = Worker(app, module)
    services.worker.start()
    return services.worker
