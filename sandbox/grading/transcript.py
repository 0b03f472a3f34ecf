"""The transcript: every request the grader sends the learner's app, kept as short excerpts.

`LearnerApp` records each exchange here; when a test fails, the plugin attaches the last few of
that test to its result (`TestResult.transcript`), and `check`, the report and the watch screen
show them as a curl-like view: what was sent, what came back.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

import requests

from sandbox.results import Exchange

BODY_EXCERPT = 600  # characters of each body kept
HEADER_EXCERPT = 200
MAX_HEADERS = 16
KEEP = 200  # exchanges remembered per app (a test's last few are what is shown)
PER_TEST = 3

# Sent by `requests` on every call, or set by the server on every answer: noise in a transcript.
_QUIET_REQUEST = {"user-agent", "accept-encoding", "connection", "content-length"}
_QUIET_RESPONSE = {"date", "server", "connection", "keep-alive", "content-length"}


class Transcript:
    """A bounded, thread-safe log of exchanges with a running count (marks survive trimming)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: deque[Exchange] = deque(maxlen=KEEP)
        self.count = 0

    def add(self, exchange: Exchange) -> None:
        with self._lock:
            self._kept.append(exchange)
            self.count += 1

    def since(self, mark: int, last: int = PER_TEST) -> list[Exchange]:
        """The last `last` exchanges made after `mark` (a value of `count`)."""
        with self._lock:
            new = min(self.count - mark, len(self._kept))
            recent = list(self._kept)[len(self._kept) - new :] if new > 0 else []
        return recent[-last:]


def record(
    method: str,
    path: str,
    sent: dict[str, Any],
    response: requests.Response | None,
    elapsed_s: float,
    error: str = "",
) -> Exchange:
    """An Exchange from what `requests` was asked to send and what it got back."""
    request = response.request if response is not None else None
    if request is not None:
        headers = {k: str(v) for k, v in request.headers.items()}
        body = _text(request.body)
    else:  # no answer: show what we meant to send
        headers = {k: str(v) for k, v in (sent.get("headers") or {}).items()}
        body = _sent_body(sent)
    exchange = Exchange(
        method=method.upper(),
        path=path,
        request_headers=_notable(headers, _QUIET_REQUEST, drop_default_accept=True),
        request_body=_excerpt(body),
        duration_ms=round(elapsed_s * 1000, 1),
        error=error,
    )
    if response is not None:
        exchange.status = response.status_code
        exchange.response_headers = _notable(dict(response.headers), _QUIET_RESPONSE)
        exchange.response_body = _excerpt(_text(response.content[: BODY_EXCERPT * 4]))
    return exchange


def _notable(
    headers: dict[str, str], quiet: set[str], drop_default_accept: bool = False
) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers.items():
        low = name.lower()
        if low in quiet or (drop_default_accept and low == "accept" and value == "*/*"):
            continue
        if len(out) >= MAX_HEADERS:
            out["…"] = f"{len(headers) - MAX_HEADERS} more headers not shown"
            break
        out[name] = value if len(value) <= HEADER_EXCERPT else value[:HEADER_EXCERPT] + "…"
    return out


def _text(body: object) -> str:
    if body is None:
        return ""
    if isinstance(body, bytes):
        return body.decode("utf-8", errors="replace")
    if isinstance(body, str):
        return body
    return f"({type(body).__name__} body)"  # a file or a generator: not read twice


def _sent_body(sent: dict[str, Any]) -> str:
    if sent.get("json") is not None:
        import json

        try:
            return json.dumps(sent["json"])
        except (TypeError, ValueError):
            return repr(sent["json"])
    return _text(sent.get("data"))


def _excerpt(text: str) -> str:
    if len(text) <= BODY_EXCERPT:
        return text
    return text[:BODY_EXCERPT] + f"… [{len(text) - BODY_EXCERPT} more characters]"
