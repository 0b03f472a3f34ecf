"""Fire N requests at once: races, rate limits, transactions, cache stampedes.

Every call waits at a barrier and starts together, each on its own connection, so the app sees
a real burst. Results come back in call order; a call that got no answer is an AppNoAnswer in
its place rather than an exception that hides the others.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import requests

from sandbox.grading.learner_app import AppNoAnswer

T = TypeVar("T")

MAX_PARALLEL = 64


def together(calls: list[Callable[[], T]], timeout_s: float = 30.0) -> list[T | BaseException]:
    """Run every call at the same moment; each result, or the exception it raised, in order."""
    if not 0 < len(calls) <= MAX_PARALLEL:
        raise ValueError(f"between 1 and {MAX_PARALLEL} calls at once")
    barrier = threading.Barrier(len(calls), timeout=timeout_s)

    def run(call: Callable[[], T]) -> T | BaseException:
        try:
            barrier.wait()
            return call()
        except BaseException as exc:  # returned, not raised: one failure must not hide the rest
            return exc

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def burst(
    app: Any, n: int, method: str, path: str, **kwargs: Any
) -> list[requests.Response | BaseException]:
    """`n` identical requests to the learner's app at once, each on its own connection.

    `app` is the `app` fixture (a LearnerApp); every exchange lands in its transcript.
    """

    def one() -> requests.Response:
        return app.request(method, path, fresh_connection=True, **kwargs)  # type: ignore[no-any-return]

    return together([one] * n)


def responses(results: list[requests.Response | BaseException]) -> list[requests.Response]:
    """The answered ones. When any call got no answer, its failure is raised, saying how every
    call of the burst ended and how long each answer took: a slow hand-off between them (a
    lock, a queue) shows as answers spreading towards the limit."""
    failed = [r for r in results if isinstance(r, BaseException)]
    if not failed:
        return [r for r in results if isinstance(r, requests.Response)]
    first = failed[0]
    if len(results) == 1 or not isinstance(first, AppNoAnswer):
        raise first
    outcomes = ", ".join(
        f"{r.status_code} after {r.elapsed.total_seconds():.2f} s"
        if isinstance(r, requests.Response)
        else "no answer"
        for r in results
    )
    raise AppNoAnswer(
        f"{len(failed)} of {len(results)} simultaneous calls got no answer ({outcomes}): {first}"
    ) from first
