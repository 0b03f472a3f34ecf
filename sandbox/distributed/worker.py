"""`sandbox worker`: a Celery worker that grades requests on this machine's Docker engine.

Every request is checked like any other input before anything runs: the message's shape and
sizes (messages.py), the exercise and image digests against this machine's (identity.py), then
the submission staged by the hostile-archive intake. Only then does the DockerRunner grade it,
with the same containers, limits and results as `sandbox grade` on one machine.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from celery import Celery

from sandbox import exercises, images
from sandbox.distributed import identity
from sandbox.distributed.messages import DIGEST, BadMessage, GradeReply, GradeRequest, Outcome
from sandbox.distributed.settings import QUEUE, TASK, BrokerOptions, make_app, redact
from sandbox.errors import InfrastructureError, SandboxError, SubmissionRejected
from sandbox.runners import Job
from sandbox.runners.docker import DockerRunner, reap_orphans
from sandbox.submissions.archives import stage_tar
from sandbox.submissions.rules import IntakeLimits

log = logging.getLogger("sandbox.worker")


@dataclass
class _State:
    """Per worker process: created after the fork (a Docker client must not cross one)."""

    image: str = ""
    isolation: str = "runc"
    runner: DockerRunner | None = None
    image_digest: str = ""


STATE = _State()


def _runner() -> DockerRunner:
    if STATE.runner is None:
        from sandbox.docker_client import connect

        STATE.runner = DockerRunner(connect(), STATE.image, isolation=STATE.isolation)
    return STATE.runner


def _claimed(message: object) -> str:
    """The job id a message claims, if it looks like one (a reply must name some job)."""
    claimed = message.get("job_id") if isinstance(message, dict) else None
    return claimed if isinstance(claimed, str) and DIGEST.fullmatch(claimed) else "0" * 32


def grade(
    message: object, hostname: str, engine_lost: Callable[[], None] = lambda: None
) -> dict[str, Any]:
    """The task's body: a request in, a reply out — never an exception for a bad message.
    `engine_lost` is called when this machine's Docker stopped answering."""

    def reply(job: str, outcome: Outcome, result: str = "", reason: str = "") -> dict[str, Any]:
        return GradeReply(job, outcome, hostname, result, reason[:2000]).to_message()

    try:
        request = GradeRequest.from_message(message)
    except BadMessage as exc:
        log.warning("refused a malformed request: %s", exc)
        return reply(_claimed(message), "refused", reason=f"malformed request: {exc}")
    try:
        exercise = exercises.load(request.exercise)
        mine = identity.exercise_digest(exercise)  # read each job: the files graded now
    except SandboxError as exc:
        return reply(request.job_id, "refused", reason=f"this worker cannot load it: {exc}")
    if mine != request.exercise_digest:
        return reply(
            request.job_id,
            "refused",
            reason=f"exercise {request.exercise} differs here ({mine}) from the coordinator's "
            f"({request.exercise_digest}): update this worker's checkout and restart it",
        )
    if STATE.image_digest != request.image_digest:
        return reply(
            request.job_id,
            "refused",
            reason=f"this worker's runner image recipe is {STATE.image_digest}, the coordinator's "
            f"{request.image_digest}: update this worker's checkout and restart it",
        )
    staging = Path(tempfile.mkdtemp(prefix="sandbox-worker-"))
    try:
        archive = staging / "submission.tar.gz"
        archive.write_bytes(request.archive)
        folder = staging / "submission"
        folder.mkdir()
        try:
            stage_tar(archive, folder, IntakeLimits())
            runner = _runner()
            reap_orphans(runner.client)  # containers of this machine's processes killed mid-job
            result = runner.run(Job(exercise, folder, request.submission_id))
        except SubmissionRejected as exc:
            return reply(request.job_id, "refused", reason=f"the submission failed intake: {exc}")
        except InfrastructureError as exc:
            if STATE.runner is None or not STATE.runner.alive():
                engine_lost()
            return reply(request.job_id, "unavailable", reason=str(exc))
        if result.infrastructure and not runner.alive():
            engine_lost()
            return reply(request.job_id, "unavailable", reason=result.message)
        return reply(request.job_id, "graded", result=result.to_json())
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def register(app: Celery) -> None:
    @app.task(name=TASK, bind=True, acks_late=True, reject_on_worker_lost=True)  # type: ignore[untyped-decorator]
    def grade_task(self: Any, message: object) -> dict[str, Any]:
        hostname = str(self.request.hostname or socket.gethostname())

        def engine_lost() -> None:
            print(
                f"Docker stopped answering on this machine: worker {hostname} takes no more "
                "jobs (they go to other workers); restart it once Docker is back",
                file=sys.stderr,
                flush=True,
            )
            app.control.cancel_consumer(QUEUE, destination=[hostname])

        try:
            return grade(message, hostname, engine_lost)
        except Exception as exc:  # a bug of ours: an answer saying so, never a lost job
            log.exception("grading failed on this worker")
            reason = f"the worker failed ({type(exc).__name__}: {str(exc)[:300]})"
            return GradeReply(
                _claimed(message), "unavailable", hostname, reason=reason
            ).to_message()


def start(
    options: BrokerOptions,
    concurrency: int,
    isolation: str,
    say: Callable[[str], None],
    name: str | None = None,
) -> int:
    """Check Docker and the image here, then consume jobs until stopped (Ctrl-C, SIGTERM)."""
    from sandbox.docker_client import connect

    client = connect()  # DockerUnavailable: refuse to start (exit 3), before any job is taken
    reap_orphans(client)
    STATE.image = images.ensure_runner(client, lambda msg: say(f"images: {msg}"))
    STATE.isolation = isolation
    STATE.image_digest = identity.image_digest()
    client.close()
    longest = max((e.time_limit_s for e in exercises.load_all()), default=0.0)
    if options.visibility_timeout_s < longest + 30:
        say(
            f"warning: --visibility-timeout {options.visibility_timeout_s} s is below the longest "
            f"exercise's time limit ({longest:g} s) plus start-up: a job running longer than it is "
            "handed to a second worker (graded twice, the same result)"
        )
    app = make_app(options)
    register(app)
    hostname = name or f"sandbox-{socket.gethostname()}-{os.getpid()}"
    say(
        f"worker {hostname}: {concurrency} at once, image {STATE.image}, broker "
        f"{redact(options.url)}, queue {QUEUE}"
    )
    worker = app.Worker(
        hostname=hostname if "@" in hostname else f"{hostname}@{socket.gethostname()}",
        concurrency=concurrency,
        pool="prefork",
        queues=[QUEUE],
        loglevel="INFO",
        optimization="fair",
    )
    worker.start()
    return int(getattr(worker, "exitcode", 0) or 0)
