"""The result's way out of the container: lines on the grader's own stdout, tagged with a nonce.

Only the grader can write there: the learner's app runs as another user, its output goes to
pipes the grader reads, and it can neither open /proc/1/fd/1 nor read the nonce (job.json is
root-only). The runner takes the last tagged line from the container's log.
"""

from __future__ import annotations

import os
import re

MARK = "@@backend-sandbox-result"

_fd: int | None = None
_nonce = ""
_SURROGATE = re.compile("[\ud800-\udfff]")


def open_channel(nonce: str) -> None:
    """Keep a copy of the real stdout before pytest captures it, to publish results through."""
    global _fd, _nonce
    _fd, _nonce = os.dup(1), nonce


def encodable(text: str) -> str:
    """`text` with every lone surrogate (a JSON "\\ud800" the learner sent) as U+FFFD.

    Python strings may hold them, UTF-8 may not: encoding one raises, and a result that cannot
    be written is a run that stops. No other text fails to encode.
    """
    return _SURROGATE.sub("\ufffd", text)


def publish(document_json: str) -> None:
    """One line: MARK NONCE {compact json}. Later lines supersede earlier ones. Never fails on text."""
    if _fd is None or not _nonce:
        return
    line = f"\n{MARK} {_nonce} {encodable(document_json)}\n".encode()
    view = memoryview(line)
    while view:
        written = os.write(_fd, view)
        view = view[written:]


def find(log: bytes, nonce: str) -> str | None:
    """The last document published with `nonce` in a container's stdout, or None."""
    prefix = f"{MARK} {nonce} ".encode()
    for line in reversed(log.splitlines()):
        if line.startswith(prefix):
            return line[len(prefix) :].decode("utf-8", errors="replace")
    return None
