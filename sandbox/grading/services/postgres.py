"""PostgreSQL 15 from the cluster prepared in the image, and the statements it executed."""

from __future__ import annotations

import contextlib
import secrets
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sandbox.grading.learner_app import _Output, _tail_note
from sandbox.grading.serviceconf import (
    POSTGRES_BIN,
    POSTGRES_RUN_DIR,
    POSTGRES_TEMPLATE,
    POSTGRES_UID,
)
from sandbox.grading.services._process import (
    START_TIMEOUT_S,
    ServiceError,
    as_user,
    free_port,
    kill_group,
)

if TYPE_CHECKING:  # imported when a service starts: no cost to exercises without services
    import psycopg


class Postgres:
    """PostgreSQL 15 from the cluster prepared in the image, copied to tmpfs; DATABASE_URL for the app.

    The app is role `app` (no superuser, owner of database `app`). The grader has `admin()`, a
    superuser connection, and `count_statements()`, the statements the app's role made the
    server execute (pg_stat_statements, nested ones included, BEGIN/COMMIT/SET not counted).
    """

    def __init__(self, isolated: bool, scratch: Path) -> None:
        self.port = free_port()
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
            **as_user(self._uid),
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
            **as_user(self._uid),
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

    def recreate_database(self) -> None:
        """Drop database `app` (ending the app's connections) and create it again, empty.

        For a test that needs a known starting point (migrations on data the grader provides):
        the app must reconnect, as it would after a database failover.
        """
        with self.admin("postgres") as conn:
            conn.execute("DROP DATABASE IF EXISTS app WITH (FORCE)")
            conn.execute("CREATE DATABASE app OWNER app")

    def stop(self) -> None:
        kill_group(self._proc)
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
