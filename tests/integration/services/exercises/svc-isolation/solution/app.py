"""A hostile app: it reports what it can do to the services around it."""

import errno
import os
import signal

import psycopg
from flask import Flask

app = Flask(__name__)


def attempt(fn):
    try:
        fn()
        return "ok"
    except OSError as exc:
        return errno.errorcode.get(exc.errno, str(exc.errno))
    except Exception as exc:
        return type(exc).__name__


def service_pids():
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    cmd = fh.read().split(b"\0")[0].decode().split(" ")[0]
            except OSError:
                continue
            if cmd.endswith(("redis-server", "/postgres")):
                found.setdefault(cmd.rsplit("/", 1)[-1], int(entry))
    return found


@app.get("/facts")
def facts():
    url = os.environ["DATABASE_URL"]
    port = url.rsplit(":", 1)[1].split("/")[0]
    clock_file = os.environ["FAKETIME_TIMESTAMP_FILE"]
    pids = service_pids()
    return {
        "env": sorted(os.environ),
        "pids": pids,
        "signal": {name: attempt(lambda p=pid: os.kill(p, signal.SIGKILL)) for name, pid in pids.items()},
        "read_pg_dir": attempt(lambda: os.listdir("/run/postgres")),
        "read_template": attempt(lambda: os.listdir("/opt/sandbox-services/postgres")),
        "write_clock": attempt(lambda: open(clock_file, "w").write("+0")),
        "superuser_tcp": attempt(
            lambda: psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres", connect_timeout=3).close()
        ),
        "app_no_password": attempt(
            lambda: psycopg.connect(host="127.0.0.1", port=port, user="app", dbname="app", connect_timeout=3).close()
        ),
        "app_other_db": attempt(
            lambda: psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
        ),
        "app_create_extension": attempt(
            lambda: _as_app(url, "CREATE EXTENSION pg_stat_statements")
        ),
        "app_reset_stats": attempt(lambda: _as_app(url, "SELECT pg_stat_statements_reset()")),
        "app_untrack": attempt(lambda: _as_app(url, "SET pg_stat_statements.track = 'none'")),
        "app_is_superuser": _as_app(url, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"),
    }


def _as_app(url, sql):
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(sql).fetchone() if sql.startswith("SELECT") else conn.execute(sql)
        return row[0] if sql.startswith("SELECT") and row else None
