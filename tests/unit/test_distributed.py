"""The broker's messages and the worker's checks, without a broker: every field is input."""

from __future__ import annotations

import base64
import io
import json
import os
import tarfile
from pathlib import Path
from typing import Any

import pytest
from celery import Celery

from sandbox import exercises
from sandbox.distributed import identity, worker
from sandbox.distributed.messages import (
    MAX_ARCHIVE_BYTES,
    BadMessage,
    GradeReply,
    GradeRequest,
    pack_submission,
)
from sandbox.distributed.settings import BrokerOptions, check_url, make_app, redact
from sandbox.errors import UsageError


def _folder(root: Path, text: str = "app = 1\n") -> Path:
    folder = root / "sub"
    (folder / "pkg").mkdir(parents=True, exist_ok=True)
    (folder / "app.py").write_text(text)
    (folder / "pkg" / "util.py").write_text("x = 2\n")
    return folder


def _request(root: Path, **changes: Any) -> GradeRequest:
    fields: dict[str, Any] = {
        "exercise": "http-handler",
        "exercise_digest": "ab" * 8,
        "image_digest": "cd" * 6,
        "submission_id": "alice",
        "archive": pack_submission(_folder(root)),
    }
    fields.update(changes)
    return GradeRequest(**fields)


def test_packing_is_deterministic_and_the_job_id_follows_the_content(tmp_path: Path) -> None:
    a = pack_submission(_folder(tmp_path / "a"))
    b = pack_submission(_folder(tmp_path / "b"))
    assert a == b, "same files, same bytes: the same job id on every run and every machine"
    one, again = _request(tmp_path / "x"), _request(tmp_path / "x")
    assert one.job_id == again.job_id  # the id is the content's, student's, exercise's, image's
    # Two students with the same files are two jobs: one reply each, each deleted once saved.
    assert _request(tmp_path / "v", submission_id="bob").job_id != one.job_id
    assert _request(tmp_path / "y", image_digest="ee" * 6).job_id != one.job_id
    assert _request(tmp_path / "z", exercise_digest="ff" * 8).job_id != one.job_id
    changed = pack_submission(_folder(tmp_path / "c", "app = 2\n"))
    assert _request(tmp_path / "w", archive=changed).job_id != one.job_id


def test_a_request_round_trips_through_json(tmp_path: Path) -> None:
    request = _request(tmp_path)
    wire = json.loads(json.dumps(request.to_message()))
    assert GradeRequest.from_message(wire) == request


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"format": 2}, "different versions"),
        ({"kind": "grade-reply"}, "not a grade-request"),
        ({"exercise": "../etc"}, "exercise"),
        ({"submission_id": "a/b"}, "submission_id"),
        ({"job_id": "0" * 32}, "does not match"),
        ({"archive": "not base64!"}, "not base64"),
        ({"archive": 12}, "expected a string"),
        ({"archive": "A" * (MAX_ARCHIVE_BYTES * 2)}, "over the limit"),
        ({"extra": 1}, "unknown fields"),
    ],
)
def test_a_malformed_request_is_refused_naming_the_field(
    tmp_path: Path, change: dict[str, Any], says: str
) -> None:
    message = {**_request(tmp_path).to_message(), **change}
    with pytest.raises(BadMessage, match=says):
        GradeRequest.from_message(message)


def test_a_request_without_a_field_or_not_an_object_is_refused(tmp_path: Path) -> None:
    message = _request(tmp_path).to_message()
    del message["image_digest"]
    with pytest.raises(BadMessage, match="missing fields: image_digest"):
        GradeRequest.from_message(message)
    with pytest.raises(BadMessage, match="JSON object"):
        GradeRequest.from_message(["grade-request"])


def test_a_reply_is_checked_like_a_request() -> None:
    good = GradeReply("a" * 32, "graded", "w1@host", result="{}").to_message()
    assert GradeReply.from_message(good).outcome == "graded"
    with pytest.raises(BadMessage, match="outcome"):
        GradeReply.from_message({**good, "outcome": "pass"})
    with pytest.raises(BadMessage, match="carries a result"):
        GradeReply.from_message({**good, "outcome": "refused"})
    with pytest.raises(BadMessage, match="carries a result"):
        GradeReply.from_message({**good, "result": ""})


def test_a_submission_too_large_for_the_broker_is_refused_before_sending(tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    (folder / "data.bin").write_bytes(os.urandom(MAX_ARCHIVE_BYTES + 1024))
    with pytest.raises(BadMessage, match="over the broker's limit"):
        pack_submission(folder)


def test_the_app_accepts_json_only_and_keeps_long_jobs() -> None:
    app: Celery = make_app(BrokerOptions("redis://127.0.0.1:1/0", visibility_timeout_s=900))
    conf = app.conf
    assert conf.accept_content == ["json"] and conf.task_serializer == "json"
    assert conf.result_accept_content == ["json"]
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_transport_options["visibility_timeout"] == 900
    assert conf.task_time_limit > conf.task_soft_time_limit


@pytest.mark.parametrize("url", ["http://x", "redis://", "amqp://guest@rabbit//", "x"])
def test_only_redis_urls_are_brokers(url: str) -> None:
    with pytest.raises(UsageError, match="redis://"):
        check_url(url)


def test_passwords_never_reach_a_message() -> None:
    assert redact("redis://:s3cret@h:6379/0") == "redis://:***@h:6379/0"
    assert redact("rediss://user:s3cret@h/1") == "rediss://user:***@h/1"
    assert check_url("rediss://:pw@h:6380/0") == "rediss://:pw@h:6380/0"
    with pytest.raises(UsageError) as info:
        check_url("http://:s3cret@h")
    assert "s3cret" not in str(info.value)


def _worker_state(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker, "STATE", worker._State(image_digest=identity.image_digest()))


def test_the_worker_refuses_what_it_cannot_trust_without_running_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _worker_state(monkeypatch)
    monkeypatch.setattr(worker, "_runner", lambda: pytest.fail("nothing may run"))
    ex = exercises.load("http-handler")
    digest = identity.exercise_digest(ex)

    def ask(**changes: Any) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "exercise_digest": digest,
            "image_digest": identity.image_digest(),
            **changes,
        }
        return worker.grade(_request(tmp_path / "r", **fields).to_message(), "w1@host")

    stale = ask(exercise_digest="0" * 16)
    assert stale["outcome"] == "refused" and "update this worker's checkout" in stale["reason"]
    other_image = ask(image_digest="1" * 12)
    assert other_image["outcome"] == "refused" and "image" in other_image["reason"]
    unknown = ask(exercise="no-such-exercise")
    assert unknown["outcome"] == "refused" and "cannot load it" in unknown["reason"]
    malformed = worker.grade({"format": 1, "kind": "grade-request"}, "w1@host")
    assert malformed["outcome"] == "refused" and "malformed" in malformed["reason"]
    assert GradeReply.from_message(malformed).job_id == "0" * 32


def test_the_worker_stages_the_archive_through_intake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _worker_state(monkeypatch)
    monkeypatch.setattr(worker, "_runner", lambda: pytest.fail("nothing may run"))
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        info = tarfile.TarInfo("link")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/shadow"
        tar.addfile(info)
    ex = exercises.load("http-handler")
    request = _request(
        tmp_path,
        exercise_digest=identity.exercise_digest(ex),
        image_digest=identity.image_digest(),
        archive=raw.getvalue(),
    )
    reply = worker.grade(request.to_message(), "w1@host")
    assert reply["outcome"] == "refused" and "intake" in reply["reason"]
    assert base64.b64decode(request.to_message()["archive"]) == raw.getvalue()
