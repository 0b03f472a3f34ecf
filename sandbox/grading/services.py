"""Real services for graders: redis-server, PostgreSQL, a learner worker, upstreams, a clock.

An exercise asks for them in exercise.toml, and only then do they cost anything:

    services = ["redis", "postgres", "clock"]   # any of these
    upstreams = 3                                # grader-controlled HTTP servers (0-8)
    [worker]
    module = "worker"                            # a second learner process: python -m worker

The plugin starts the declared services before the learner's app, so the app's allow-listed
environment carries their addresses (`REDIS_URL`, `DATABASE_URL`, `UPSTREAM_URL`/`UPSTREAM_URLS`,
and libfaketime's variables for the clock); graders use the fixtures `redis`, `postgres`,
`worker`, `upstreams` and `clock` defined here.

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

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from sandbox.grading.learner_app import LearnerApp, _Output, _tail_note

if TYPE_CHECKING:  # imported when a service starts: no cost to exercises without services
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import psycopg
    import redis as redis_py

from sandbox.grading.serviceconf import (
    FAKETIME_LIB,
    POSTGRES_BIN,
    POSTGRES_RUN_DIR,
    POSTGRES_TEMPLATE,
    POSTGRES_UID,
    REDIS_UID,
)

START_TIMEOUT_S = 15.0


class ServiceError(RuntimeError):
    """A service could not start or answer: a problem of the exercise or the image, not the app."""


@dataclass(frozen=True)
class ServicesSpec:
    """What the exercise declared, and where the services may keep their files."""

    services: tuple[str, ...] = ()
    upstreams: int = 0
    worker_module: str | None = None
    run_dir: Path = Path("/tmp")  # the clock file goes here (grader-writable, learner-readable)
    isolated: bool = True  # in the container: services under their own uids, own tmpfs

    @classmethod
    def from_job(cls, job: dict[str, Any], job_dir: Path) -> ServicesSpec:
        doc = job.get("services") or {}
        worker = doc.get("worker") or {}
        return cls(
            services=tuple(doc.get("names", ())),
            upstreams=int(doc.get("upstreams", 0)),
            worker_module=worker.get("module"),
            run_dir=job_dir,
            isolated=job.get("learner_uid") is not None,
        )

    @property
    def any(self) -> bool:
        return bool(self.services or self.upstreams)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_user(uid: int | None) -> dict[str, Any]:
    return {} if uid is None else {"user": uid, "group": uid, "extra_groups": []}


def _kill_group(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGKILL) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


# -- the clock ----------------------------------------------------------------------------------


class Clock:
    """The learner's clock, moved forward by the grader without sleeping (libfaketime).

    The app and its worker read an offset from `path` on every time call (FAKETIME_NO_CACHE),
    so `advance(3600)` is seen by the very next request; Redis's TTLs are aged by as much. Real
    time keeps running underneath. `now()` is the app's idea of the time, for tokens and dates.
    """

    def __init__(self, folder: Path) -> None:
        folder.mkdir(mode=0o755, parents=True, exist_ok=True)
        self.path = folder / "faketime"
        self.offset_s = 0.0
        self.followers: list[Callable[[float], object]] = []  # told of every advance
        self._write()

    def env(self) -> dict[str, str]:
        if not FAKETIME_LIB.exists():
            raise ServiceError(
                f"libfaketime is not installed at {FAKETIME_LIB} (the runner image has it)"
            )
        return {
            "LD_PRELOAD": str(FAKETIME_LIB),
            "FAKETIME_TIMESTAMP_FILE": str(self.path),
            "FAKETIME_NO_CACHE": "1",
        }

    def advance(self, seconds: float) -> None:
        """Move the learner's clock forward (never back: a clock that goes back teaches nothing)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.offset_s += seconds
        self._write()
        for follow in self.followers:
            follow(seconds)

    def now(self) -> float:
        """The learner's current time, as a Unix timestamp."""
        return time.time() + self.offset_s

    def reset(self) -> None:
        self.offset_s = 0.0
        self._write()

    def _write(self) -> None:
        # Atomic: libfaketime re-reads the file at any moment and must never see half of it.
        tmp = self.path.with_name(".faketime.tmp")
        tmp.write_text(f"+{self.offset_s:.3f}\n", encoding="ascii")
        tmp.chmod(0o644)
        os.replace(tmp, self.path)


# -- redis --------------------------------------------------------------------------------------


class Redis:
    """A real redis-server on loopback, no persistence; the app gets REDIS_URL."""

    def __init__(self, isolated: bool) -> None:
        self.port = _free_port()
        self._uid = REDIS_UID if isolated else None
        self._proc: subprocess.Popen[bytes] | None = None
        self._output = _Output()
        self._client: redis_py.Redis | None = None
        self.start_s = 0.0  # how long the last start took, for the bench

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServiceError("redis-server is not installed (the runner image has it)")
        started = time.monotonic()
        self._proc = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--protected-mode",
                "no",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                "/",  # read-only: even a CONFIG SET save cannot write anything
                "--loglevel",
                "warning",
            ],
            cwd="/",
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **_as_user(self._uid),
        )
        threading.Thread(target=self._output.pump, args=(self._proc.stdout,), daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                self.client().ping()
                break
            except Exception as exc:  # redis.ConnectionError, BusyLoadingError
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    raise ServiceError(
                        f"redis-server did not start ({exc})" + _tail_note(self._output.text())
                    ) from None
                time.sleep(0.01)
        self.start_s = time.monotonic() - started

    def client(self) -> redis_py.Redis:
        """The grader's client (str keys and values): inspect keys, TTLs, queues."""
        if self._client is None:
            import redis as redis_py

            self._client = redis_py.Redis(
                host="127.0.0.1", port=self.port, decode_responses=True, socket_timeout=5
            )
        return self._client

    def flush(self) -> None:
        """Empty every database: a fresh start for a test."""
        self.client().flushall()

    def age(self, seconds: float) -> int:
        """Take `seconds` off every TTL (keys with less left expire): Redis's share of the clock.

        Returns how many keys had a TTL. Atomic per database (one Lua script).
        """
        ms = max(int(seconds * 1000), 0)
        aged = 0
        for name in self.client().info("keyspace"):
            db = int(str(name).removeprefix("db"))
            import redis as redis_py

            client = redis_py.Redis(host="127.0.0.1", port=self.port, db=db, socket_timeout=5)
            try:
                aged += int(client.eval(_AGE_SCRIPT, 0, ms))
            finally:
                client.close()
        return aged

    def stop(self) -> None:
        _kill_group(self._proc)
        self._proc = None


_AGE_SCRIPT = """
local ms, n = tonumber(ARGV[1]), 0
for _, key in ipairs(redis.call('KEYS', '*')) do
  local left = redis.call('PTTL', key)
  if left > 0 then
    n = n + 1
    if left <= ms then redis.call('DEL', key) else redis.call('PEXPIRE', key, left - ms) end
  end
end
return n
"""


# -- PostgreSQL ---------------------------------------------------------------------------------


class Postgres:
    """PostgreSQL 15 from the cluster prepared in the image, copied to tmpfs; DATABASE_URL for the app.

    The app is role `app` (no superuser, owner of database `app`). The grader has `admin()`, a
    superuser connection, and `count_statements()`, the statements the app's role made the
    server execute (pg_stat_statements, nested ones included, BEGIN/COMMIT/SET not counted).
    """

    def __init__(self, isolated: bool, scratch: Path) -> None:
        self.port = _free_port()
        self.password = secrets.token_urlsafe(18)
        self._uid = POSTGRES_UID if isolated else None
        self.run_dir = POSTGRES_RUN_DIR if isolated else scratch / "postgres"
        self.data_dir = self.run_dir / "data"
        self._proc: subprocess.Popen[bytes] | None = None
        self._output = _Output()
        self.start_s = 0.0
        self.copy_s = 0.0

    @property
    def url(self) -> str:
        return f"postgresql://app:{self.password}@127.0.0.1:{self.port}/app"

    def start(self) -> None:
        if not (POSTGRES_BIN / "postgres").exists() or not POSTGRES_TEMPLATE.exists():
            raise ServiceError(
                "PostgreSQL 15 and its prepared cluster are not here (the runner image has them: "
                "grade with the Docker runner)"
            )
        started = time.monotonic()
        if self._uid is None:
            self.run_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        # cp as the server's own user: the grader (root without DAC_OVERRIDE) cannot enter the
        # template, and the copy must belong to the server.
        subprocess.run(
            ["cp", "-a", "--", str(POSTGRES_TEMPLATE), str(self.data_dir)],
            check=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin"},
            capture_output=True,
            **_as_user(self._uid),
        )
        self.copy_s = time.monotonic() - started
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.run_dir),
            # A grading cluster lives for one run in memory: durability buys nothing.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "jit": "off",
            "shared_buffers": "16MB",
            "max_connections": "64",
            "max_parallel_workers_per_gather": "0",  # fewer processes (pids limit), same answers
            "max_wal_size": "32MB",
            "min_wal_size": "2MB",
            "shared_preload_libraries": "pg_stat_statements",
            "pg_stat_statements.track": "all",
            "pg_stat_statements.track_utility": "off",
            "log_min_messages": "warning",
            "log_connections": "off",
        }
        args = [str(POSTGRES_BIN / "postgres"), "-D", str(self.data_dir)]
        for key, value in settings.items():
            args += ["-c", f"{key}={value}"]
        self._proc = subprocess.Popen(
            args,
            cwd="/",
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **_as_user(self._uid),
        )
        threading.Thread(target=self._output.pump, args=(self._proc.stdout,), daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with self.admin() as conn:
                    # A fresh password per run, set over the socket only the grader reaches.
                    conn.execute(f"ALTER ROLE app PASSWORD '{self.password}'")
                break
            except Exception as exc:  # psycopg.OperationalError while it starts
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    raise ServiceError(
                        f"PostgreSQL did not start ({exc})" + _tail_note(self._output.text())
                    ) from None
                time.sleep(0.02)
        self.start_s = time.monotonic() - started

    def admin(self, dbname: str = "app") -> psycopg.Connection[Any]:
        """A superuser connection (autocommit) over the Unix socket: for setup and inspection."""
        import psycopg

        return psycopg.connect(
            host=str(self.run_dir),
            port=self.port,
            user="postgres",
            dbname=dbname,
            autocommit=True,
            connect_timeout=5,
        )

    @contextlib.contextmanager
    def count_statements(self) -> Iterator[StatementCount]:
        """Count what the app's role made the server execute inside the `with` block.

        with postgres.count_statements() as counted:
            app.get("/authors")
        assert counted.total <= 2, counted.describe()
        """
        counted = StatementCount()
        with self.admin("postgres") as conn:
            conn.execute(
                "SELECT pg_stat_statements_reset((SELECT oid FROM pg_roles WHERE rolname = 'app'))"
            )
            before = _dealloc(conn)
            yield counted
            rows = conn.execute(
                "SELECT query, calls FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid "
                "WHERE r.rolname = 'app' ORDER BY calls DESC"
            ).fetchall()
            if _dealloc(conn) != before:
                # Entries were evicted (over pg_stat_statements.max distinct statements): a
                # count would be too low, so it is refused rather than trusted.
                counted.evicted = True
        counted.statements = [(str(q), int(c)) for q, c in rows]

    def stop(self) -> None:
        _kill_group(self._proc)
        self._proc = None


def _dealloc(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SELECT dealloc FROM pg_stat_statements_info").fetchone()
    return int(row[0]) if row else 0


@dataclass
class StatementCount:
    """Statements the server executed for the app's role, by normalised text."""

    statements: list[tuple[str, int]] = field(default_factory=list)
    evicted: bool = False

    @property
    def total(self) -> int:
        if self.evicted:
            raise AssertionError(
                "the app ran so many different statements that the server could not count them "
                "all (over 5000 distinct ones); such an app cannot pass a statement-count test"
            )
        return sum(calls for _, calls in self.statements)

    def describe(self, limit: int = 10) -> str:
        lines = [f"{calls} x {query[:200]}" for query, calls in self.statements[:limit]]
        more = len(self.statements) - limit
        if more > 0:
            lines.append(f"… and {more} more distinct statements")
        return f"the server executed {self.total} statements:\n" + "\n".join(lines)


# -- upstream HTTP servers ----------------------------------------------------------------------


@dataclass(frozen=True)
class UpstreamRequest:
    """One call the app made to an upstream."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class UpstreamResponse:
    status: int = 200
    body: Any = None  # bytes/str sent as is; anything else as JSON
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[UpstreamRequest], "UpstreamResponse | tuple[int, Any] | Any"]


class Upstream:
    """An HTTP server the grader controls, on loopback in the grader's own process.

    `handler` answers each call (default: 200 JSON naming the upstream and the path); `calls`
    records them; `delay_s` makes it slow; `kill()` closes its port (connection refused) and
    `revive()` opens the same port again.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.port = _free_port()
        self.handler: Handler = self._default
        self.delay_s = 0.0
        self.calls: list[UpstreamRequest] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.calls)

    @property
    def alive(self) -> bool:
        return self._server is not None

    def reset(self) -> None:
        """Default handler, no delay, no calls recorded, running: each test starts from here."""
        self.handler, self.delay_s = self._default, 0.0
        with self._lock:
            self.calls.clear()
        if not self.alive:
            self.revive()

    def revive(self) -> None:
        if self._server is not None:
            return
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        upstream = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                upstream._serve(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        try:
            server = ThreadingHTTPServer(
                ("127.0.0.1", self.port), _Handler, bind_and_activate=False
            )
            server.allow_reuse_address = True
            server.daemon_threads = True
            server.server_bind()
            server.server_activate()
        except OSError as exc:
            raise AssertionError(
                f"upstream {self.name} could not listen on port {self.port} again ({exc.strerror}): "
                "something else took its port while it was down — the app must not listen there"
            ) from None
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()

    def kill(self) -> None:
        """Stop listening: the app's next connection is refused, as with a crashed server."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    def _default(self, request: UpstreamRequest) -> UpstreamResponse:
        return UpstreamResponse(200, {"upstream": self.name, "path": request.path})

    def _serve(self, http: BaseHTTPRequestHandler) -> None:
        length = int(http.headers.get("Content-Length") or 0)
        body = http.rfile.read(length) if length else b""
        request = UpstreamRequest(
            http.command, http.path, {k: v for k, v in http.headers.items()}, body, time.time()
        )
        with self._lock:
            self.calls.append(request)
        if self.delay_s:
            time.sleep(self.delay_s)
        answer = self.handler(request)
        if not isinstance(answer, UpstreamResponse):
            answer = (
                UpstreamResponse(answer[0], answer[1])
                if isinstance(answer, tuple)
                else UpstreamResponse(200, answer)
            )
        payload, ctype = _encode(answer.body)
        http.send_response(answer.status)
        headers = {"Content-Type": ctype, **answer.headers}
        for key, value in headers.items():
            http.send_header(key, value)
        http.send_header("Content-Length", str(len(payload)))
        http.end_headers()
        if http.command != "HEAD":
            http.wfile.write(payload)


def _encode(body: Any) -> tuple[bytes, str]:
    if isinstance(body, bytes):
        return body, "application/octet-stream"
    if isinstance(body, str):
        return body.encode(), "text/plain; charset=utf-8"
    return json.dumps(body).encode(), "application/json"


# -- the worker ---------------------------------------------------------------------------------

_WORKER_LAUNCH = """\
import os, resource, runpy, sys
try:
    with open('/proc/self/oom_score_adj', 'w') as f:
        f.write('1000')
except OSError:
    pass
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
module, on_host = sys.argv[1], sys.argv[2] == '1'
if on_host:
    import ctypes, signal
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)
sys.argv = [module]
sys.path.insert(0, os.getcwd())
runpy.run_module(module, run_name='__main__', alter_sys=True)
"""


class Worker:
    """The learner's second process (`[worker] module`), run like the app: same uid, same env."""

    def __init__(self, app: LearnerApp, module: str) -> None:
        self.app = app
        self.module = module
        self._proc: subprocess.Popen[bytes] | None = None
        self._output = _Output()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self._proc is None else self._proc.poll()

    def start(self) -> None:
        if self.running:
            return
        on_host = self.app.spec.learner_uid is None
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _WORKER_LAUNCH, self.module, "1" if on_host else "0"],
            cwd=self.app.workdir,
            env=self.app._env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **self.app._user_kwargs(),
        )
        threading.Thread(target=self._output.pump, args=(self._proc.stdout,), daemon=True).start()

    def stop(self, grace_s: float = 3.0) -> None:
        """SIGTERM, then SIGKILL after `grace_s`: how a deployment stops a worker."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            _kill_group(proc)

    def kill(self) -> None:
        """SIGKILL, mid-job: what a crash looks like to the rest of the system."""
        _kill_group(self._proc)

    def output(self, since: int = 0) -> str:
        return self._output.text(since)

    def output_mark(self) -> int:
        return self._output.mark()

    def describe_exit(self) -> str:
        code = self.returncode
        if code is None:
            return "the worker is running"
        return f"the worker exited with code {code}" + _tail_note(self.output())


# -- the set of services one grading run uses ---------------------------------------------------


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
        self._started = False
        self._scratch: Path | None = None

    def start(self) -> dict[str, str]:
        """Start every declared service; return the variables the app's environment gains."""
        if self._started:
            return self.env
        self._started = True
        names = self.spec.services
        env: dict[str, str] = {}
        if not self.spec.isolated and ("postgres" in names):
            self._scratch = Path(tempfile.mkdtemp(prefix="sandbox-services-"))
        if "clock" in names:
            self.clock = Clock(self.spec.run_dir / "clock")
            env.update(self.clock.env())
        if "redis" in names:
            self.redis = Redis(self.spec.isolated)
            self.redis.start()
            env["REDIS_URL"] = self.redis.url
            if self.clock is not None:
                self.clock.followers.append(self.redis.age)
        if "postgres" in names:
            self.postgres = Postgres(
                self.spec.isolated, self._scratch or Path(tempfile.gettempdir())
            )
            self.postgres.start()
            env["DATABASE_URL"] = self.postgres.url
        for i in range(self.spec.upstreams):
            upstream = Upstream(f"upstream-{i + 1}")
            upstream.revive()
            self.upstreams.append(upstream)
        if self.upstreams:
            env["UPSTREAM_URL"] = self.upstreams[0].url
            env["UPSTREAM_URLS"] = ",".join(u.url for u in self.upstreams)
        self.env = env
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


_SERVICES = pytest.StashKey[Services]()


def services_of(config: pytest.Config) -> Services:
    """The run's services (started on first use); an empty set when nothing was declared."""
    try:
        return config.stash[_SERVICES]
    except KeyError:
        services = Services(ServicesSpec())
        config.stash[_SERVICES] = services
        return services


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


@pytest.fixture(scope="session")
def redis(request: pytest.FixtureRequest) -> Redis:
    """A real redis-server, started before the app (whose REDIS_URL points at it)."""
    services = services_of(request.config)
    _declared(services, "redis", 'services = ["redis"]')
    services.start()
    assert services.redis is not None
    return services.redis


@pytest.fixture(scope="session")
def postgres(request: pytest.FixtureRequest) -> Postgres:
    """A real PostgreSQL 15, started before the app (whose DATABASE_URL points at it)."""
    services = services_of(request.config)
    _declared(services, "postgres", 'services = ["postgres"]')
    services.start()
    assert services.postgres is not None
    return services.postgres


@pytest.fixture(scope="session")
def clock(request: pytest.FixtureRequest) -> Clock:
    """The learner's clock: `clock.advance(seconds)`, `clock.now()`."""
    services = services_of(request.config)
    _declared(services, "clock", 'services = ["clock"]')
    services.start()
    assert services.clock is not None
    return services.clock


@pytest.fixture
def upstreams(request: pytest.FixtureRequest) -> list[Upstream]:
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
