"""The Celery app both sides use, and each setting that differs from Celery's defaults, with why.

Celery's defaults on a Redis broker lose or duplicate long tasks: a task is acknowledged when a
worker *receives* it (a worker that dies mid-job loses it), a worker prefetches 4 tasks per
process (they wait behind a long one, or die with it), and a task still unacknowledged after the
visibility timeout (1 hour) is handed to a second worker while the first still grades it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from celery import Celery

from sandbox.errors import UsageError

TASK = "sandbox.grade"
QUEUE = "sandbox-grading"
LONGEST_JOB_S = 600  # the longest time_limit_s an exercise may have, plus container start-up


@dataclass(frozen=True)
class BrokerOptions:
    url: str
    # Above the longest job: a message unacknowledged for longer is given to another worker, so
    # a shorter timeout would grade a long job twice. Also how long a job of a worker that died
    # waits before another worker takes it. Tests lower it (with a short-limit exercise).
    visibility_timeout_s: int = 2 * LONGEST_JOB_S

    @property
    def restore_interval_s(self) -> int:
        """How often a worker looks for such abandoned jobs (kombu's default is ~100 s): a
        quarter of the timeout, 1 to 10 s."""
        return max(1, min(10, self.visibility_timeout_s // 4))


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise UsageError(
            f"--broker {redact(url)!r}: expected redis://[:PASSWORD@]HOST[:PORT][/DB] or "
            "rediss://… (TLS)"
        )
    return url


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname}" + (
        f":{parts.port}" if parts.port else ""
    )
    return parts._replace(netloc=netloc).geturl()


def make_app(options: BrokerOptions) -> Celery:
    app = Celery("backend-sandbox", broker=check_url(options.url), backend=options.url)
    transport: dict[str, Any] = {
        "visibility_timeout": options.visibility_timeout_s,
        "unacked_restore_interval": options.restore_interval_s,
        "unacked_restore_throttle": 1,
    }
    app.conf.update(
        # A message must never be code: JSON in both directions, nothing else accepted.
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        # Acknowledge after the job is graded, so a worker that dies mid-job leaves it queued...
        task_acks_late=True,
        # ...and a worker process killed outright (OOM, SIGKILL) puts it back instead of failing it.
        task_reject_on_worker_lost=True,
        # One job at a time per process: the rest stay in the queue for whichever worker is free.
        worker_prefetch_multiplier=1,
        broker_transport_options=transport,
        result_backend_transport_options=transport,
        # A job past the longest exercise's limit is stuck, not slow: end it (the hard limit
        # kills the process; the container is reaped by the next job of that worker).
        task_soft_time_limit=LONGEST_JOB_S,
        task_time_limit=LONGEST_JOB_S + 30,
        task_default_queue=QUEUE,
        task_track_started=True,  # `celery inspect` and Flower show which worker grades what
        worker_send_task_events=True,
        task_send_sent_event=True,
        result_expires=7 * 24 * 3600,  # replies outlive a coordinator that is down for a while
        broker_connection_retry_on_startup=True,
        # A worker is a service: it reconnects to a restarted Redis for as long as it takes (the
        # coordinator watches Redis itself and stops, resumable, after 30 s without it).
        broker_connection_max_retries=None,
        worker_hijack_root_logger=False,
    )
    return app
