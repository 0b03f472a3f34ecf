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
from typing import Any

import redis
from celery import Celery
from celery.exceptions import TimeoutError as CeleryTimeout
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

POLL_S = 1.0
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
        job_id = request.job_id
        try:
            pending = AsyncResult(job_id, app=self.app)
            if pending.state == "SUCCESS" and _graded(pending.result):
                return pending.result  # graded while we were away (or for an identical copy)
            if pending.state in TERMINAL:
                pending.forget()  # a failure or refusal of an earlier try is not this one's answer
            self.app.send_task(TASK, args=[request.to_message()], task_id=job_id, queue=QUEUE)
            while True:
                if self._cancelled.is_set():
                    raise RunnerError("the batch was interrupted")
                try:
                    value = pending.get(
                        timeout=POLL_S, propagate=False, disable_sync_subtasks=False
                    )
                except CeleryTimeout:
                    continue
                if pending.state == "SUCCESS":
                    return value
                raise RunnerError(
                    f"the job failed on the worker ({pending.state}): {_short(value)}"
                )
        except BROKER_ERRORS as exc:
            raise BrokerUnavailable(
                f"the broker at {redact(self.options.url)} stopped answering ({_short(exc)}). "
                "Results finished so far are saved; once it is back, run the same command again "
                "to grade the rest."
            ) from None

    def alive(self) -> bool:
        try:
            client = redis.Redis.from_url(self.options.url, socket_timeout=3)
            return bool(client.ping())
        except BROKER_ERRORS:
            return False

    def cancel(self) -> None:
        self._cancelled.set()
        with self._lock:
            pending = list(self._pending)
        if pending:
            # the broker gone too: nothing waits on those jobs any more
            with contextlib.suppress(*BROKER_ERRORS):
                self.app.control.revoke(pending)


def _graded(value: object) -> bool:
    return isinstance(value, dict) and value.get("outcome") == "graded"


def _short(value: object) -> str:
    text = str(value).strip().splitlines()
    return text[0][:200] if text else type(value).__name__
