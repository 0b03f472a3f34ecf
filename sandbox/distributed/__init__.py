"""Grading over a broker: Celery workers on Redis, one job per submission.

messages.py     what travels (JSON only, versioned, size-capped, validated on both sides)
identity.py     what must match between coordinator and worker: exercise and image digests
settings.py     the Celery app and every setting that differs from Celery's defaults, with why
worker.py       `sandbox worker`: the task that grades a request on this machine's Docker
coordinator.py  `BrokerRunner`: a Runner that sends jobs and waits for their replies, so the
                batch (resume, outputs, retries) is the same one `sandbox grade` uses locally
"""
