"""A real redis-server on loopback, as its own uid, no persistence."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from typing import TYPE_CHECKING

from sandbox.grading.learner_app import _Output, _tail_note
from sandbox.grading.serviceconf import REDIS_UID
from sandbox.grading.services._process import (
    START_TIMEOUT_S,
    ServiceError,
    as_user,
    free_port,
    kill_group,
)

if TYPE_CHECKING:  # imported when a service starts: no cost to exercises without services
    import redis as redis_py


class Redis:
    """A real redis-server on loopback, no persistence; the app gets REDIS_URL."""

    def __init__(self, isolated: bool) -> None:
        self.port = free_port()
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
            **as_user(self._uid),
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
        kill_group(self._proc)
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
