"""`BrokerRunner`: grade through Celery workers, behind the same Runner interface as Docker.

The batch (staging, resume, retries, every output) is the one `sandbox grade` uses on one
machine; only `run` differs: it packs the staged submission into a request, sends it with the
job id as the task id, and waits for the reply. A reply already in the result backend for that
job id (a worker finished it while the coordinator was down) is used without sending again.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

import redis
from celery import Celery
from celery.result import AsyncResult
from kombu.exceptions import OperationalError

from sandbox.distributed import identity
from sandbox.distributed.messages import BadMessage, GradeReply, GradeRequest, pack_submission
from sandbox.distributed.settings import QUEUE, TASK, BrokerOptions, make_app, redact
from sandbox.errors import BrokerUnavailable, RunnerError
from sandbox.exercises import Exercise
from sandbox.results import Result
from sandbox.runners import Job
from sandbox.runners.finalize import RunEnd, rejected

POLL_S = 0.2  # how often a waiting job's reply key is read: ~0.1 s of latency on average
OUTAGE_S = 30.0  # Redis unreachable this long: the batch stops (exit 3), resumable
_RAISE = object()
TERMINAL = {"SUCCESS", "FAILURE", "REVOKED", "REJECTED", "IGNORED"}
BROKER_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OperationalError)


class BrokerRunner:
    name = "broker"

    def __init__(self, options: BrokerOptions, app: Celery | None = None) -> None:
        self.options = options
        self.app = app or make_app(options)
        self.image_digest = identity.image_digest()
        self._digests: dict[str, str] = {}
        self._lock = threading.Lock()
        self._cancelled = threading.Event()
        self._pending: set[str] = set()
        self._watch = BrokerWatch(options.url)

    def _digest(self, exercise: Exercise) -> str:
        with self._lock:
            if exercise.slug not in self._digests:
                self._digests[exercise.slug] = identity.exercise_digest(exercise)
            return self._digests[exercise.slug]

    def run(self, job: Job) -> Result:
        started = time.monotonic()
        try:
            archive = pack_submission(job.submission)
        except BadMessage as exc:
            return rejected(job, str(exc), RunEnd(started), runner=self.name)
        request = GradeRequest(
            job.exercise.slug,
            self._digest(job.exercise),
            self.image_digest,
            job.submission_id,
            archive,
        )
        job_id = request.job_id
        with self._lock:
            self._pending.add(job_id)
        try:
            value = self._reply_for(request)
        finally:
            with self._lock:
                self._pending.discard(job_id)
        try:
            reply = GradeReply.from_message(value)
        except BadMessage as exc:
            raise RunnerError(
                f"a worker sent a malformed reply for {job.submission_id}: {exc}"
            ) from None
        if reply.job_id != job_id:
            raise RunnerError(
                f"the reply for {job.submission_id} names another job ({reply.job_id})"
            )
        if reply.outcome != "graded":
            raise RunnerError(
                f"worker {reply.worker} did not grade it ({reply.outcome}): {reply.reason}"
            )
        try:
            result = Result.from_json(reply.result)
        except ValueError as exc:
            raise RunnerError(f"worker {reply.worker} sent an unreadable result: {exc}") from None
        if result.exercise != job.exercise.slug:
            raise RunnerError(f"worker {reply.worker} graded another exercise ({result.exercise})")
        result.submission = job.submission_id
        with contextlib.suppress(*BROKER_ERRORS):
            AsyncResult(job_id, app=self.app).forget()  # saved on disk now: Redis keeps no copy
        return result

    def _reply_for(self, request: GradeRequest) -> Any:
        """Send the job (unless a reply is already there) and poll for its reply.

        Polling the result key, not a subscription: it survives a Redis restart. If Redis
        restarted (a new run id) the job may be gone with it, so it is sent again — the same job
        id, so a copy that survived changes nothing. Redis unreachable for OUTAGE_S: stop.
        """
        job_id = request.job_id
        backend = self.app.backend
        meta = self._call(lambda: backend.get_task_meta(job_id, cache=False))
        if meta.get("status") == "SUCCESS" and _graded(meta.get("result")):
            return meta["result"]  # graded while we were away
        if meta.get("status") in TERMINAL:
            self._call(lambda: backend.forget(job_id))  # an earlier try's failure or refusal
        sent_under = self._send(request)
        while True:
            if self._cancelled.is_set():
                raise RunnerError("the batch was interrupted")
            time.sleep(POLL_S)
            run_id = self._watch.current()
            if run_id != sent_under:
                sent_under = self._send(request)  # Redis restarted: the queued job may be lost
                continue
            meta = self._call(lambda: backend.get_task_meta(job_id, cache=False), default=None)
            if meta is None:
                continue
            status = meta.get("status")
            if status == "SUCCESS":
                return meta.get("result")
            if status in TERMINAL:
                raise RunnerError(
                    f"the job failed on the worker ({status}): {_short(meta.get('result'))}"
                )

    def _send(self, request: GradeRequest) -> str:
        run_id = self._watch.current()
        self._call(
            lambda: self.app.send_task(
                TASK, args=[request.to_message()], task_id=request.job_id, queue=QUEUE
            )
        )
        return run_id

    def _call(self, fn: Callable[[], Any], default: Any = _RAISE) -> Any:
        """`fn()`, or after a broker error: `default` if given (the watch decides when a broker
        away too long stops the batch), else BrokerUnavailable."""
        try:
            return fn()
        except BROKER_ERRORS as exc:
            self._watch.failed()
            if default is not _RAISE:
                return default
            raise self._watch.unavailable(exc) from None

    def alive(self) -> bool:
        return self._watch.answers()

    def cancel(self) -> None:
        self._cancelled.set()
        with self._lock:
            pending = list(self._pending)
        if pending:
            # the broker gone too: nothing waits on those jobs any more
            with contextlib.suppress(*BROKER_ERRORS):
                self.app.control.revoke(pending)


class BrokerWatch:
    """Which Redis answers (its run id, read at most every CHECK_S by one thread) and since when
    none has: a coordinator that waits on a restarted or vanished Redis must notice."""

    CHECK_S = 1.0

    def __init__(self, url: str) -> None:
        self.url = url
        self._client = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)
        self._lock = threading.Lock()
        self._checked = 0.0
        self._down_since: float | None = None
        self._run_id = ""

    def current(self) -> str:
        with self._lock:
            now = time.monotonic()
            if now - self._checked >= self.CHECK_S or not self._run_id:
                self._checked = now
                try:
                    self._run_id = str(self._client.info("server")["run_id"])
                    self._down_since = None
                except BROKER_ERRORS as exc:
                    self._down_since = self._down_since or now
                    if now - self._down_since > OUTAGE_S or not self._run_id:
                        raise self.unavailable(exc) from None
            elif self._down_since is not None and now - self._down_since > OUTAGE_S:
                raise self.unavailable(None)
            return self._run_id

    def answers(self) -> bool:
        try:
            return bool(self._client.ping())
        except BROKER_ERRORS:
            return False

    def failed(self) -> None:
        with self._lock:
            self._checked = 0.0  # look again at the next `current`

    def unavailable(self, exc: BaseException | None) -> BrokerUnavailable:
        why = f" ({_short(exc)})" if exc is not None else ""
        return BrokerUnavailable(
            f"the broker at {redact(self.url)} stopped answering{why}. Results finished so far "
            "are saved; once it is back, run the same command again to grade the rest."
        )


def _graded(value: object) -> bool:
    return isinstance(value, dict) and value.get("outcome") == "graded"


def _short(value: object) -> str:
    text = str(value).strip().splitlines()
    return text[0][:200] if text else type(value).__name__
