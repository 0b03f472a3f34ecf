"""The result channel: nonce-tagged lines on the grader's stdout, read back strictly."""

from __future__ import annotations

import os

from sandbox.grading import channel
from sandbox.results import Result, Status
from sandbox.runners.docker import _parse


def _doc(score: float) -> str:
    return Result(
        exercise="demo", status=Status.FAIL, score=score, max_score=3, message=""
    ).to_json(indent=None)


def test_the_last_line_with_our_nonce_wins_and_others_are_ignored() -> None:
    log = "\n".join(
        [
            "collected 3 items",
            f"{channel.MARK} n0nce {_doc(1)}",
            f"{channel.MARK} forged {_doc(3)}",  # someone else's nonce: ignored
            f"{channel.MARK} n0nce {_doc(2)}",
            "3 passed",
        ]
    ).encode()
    found = _parse(channel.find(log, "n0nce"))
    assert found is not None and found.score == 2
    assert channel.find(log, "other") is None


def test_a_garbled_document_is_not_a_result() -> None:
    log = f"{channel.MARK} n0nce {_doc(2)[:40]}\n".encode()
    assert channel.find(log, "n0nce") is not None
    assert _parse(channel.find(log, "n0nce")) is None
    assert _parse(None) is None


def test_publish_writes_through_the_saved_descriptor() -> None:
    read_fd, write_fd = os.pipe()
    saved = os.dup(1)
    try:
        os.dup2(write_fd, 1)
        channel.open_channel("abc")
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    channel.publish(_doc(1))
    os.close(write_fd)
    os.close(channel._fd or -1)
    channel._fd = None
    data = os.read(read_fd, 1 << 16)
    os.close(read_fd)
    found = _parse(channel.find(data, "abc"))
    assert found is not None and found.score == 1
