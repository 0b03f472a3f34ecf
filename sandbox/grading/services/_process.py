"""What the services share: their error, ports, users and how they are stopped."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
from typing import Any

START_TIMEOUT_S = 15.0


class ServiceError(RuntimeError):
    """A service could not start or answer: a problem of the exercise or the image, not the app."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def as_user(uid: int | None) -> dict[str, Any]:
    return {} if uid is None else {"user": uid, "group": uid, "extra_groups": []}


def kill_group(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGKILL) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
