"""What travels over the broker, and the checks every message passes before it is used.

The broker is a trust boundary: anyone who can write to it can send a worker anything. So a
message is JSON (Celery is told to accept nothing else: a pickle would be code), has a version,
and every field is checked for type, shape and size on arrival; the submission inside is a
tar.gz capped in size and staged on the worker by the same hostile-archive intake as any upload.

    GradeRequest   coordinator -> worker: one submission of one exercise
    GradeReply     worker -> coordinator: a result, or why the job was not graded here
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import io
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sandbox.errors import SandboxError
from sandbox.runners.jobfiles import submission_files
from sandbox.submissions.discovery import STUDENT_ID

FORMAT = 1
MAX_ARCHIVE_BYTES = 8 * 1024 * 1024  # the submission's tar.gz, before base64
MAX_RESULT_BYTES = 4 * 1024 * 1024  # a Result's JSON (outputs are already cut in the container)
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
DIGEST = re.compile(r"[0-9a-f]{12,64}")
_WORKER = re.compile(r"[\w.@-]{1,200}")

Outcome = Literal["graded", "refused", "unavailable"]
OUTCOMES: tuple[Outcome, ...] = ("graded", "refused", "unavailable")


class BadMessage(SandboxError):
    """A broker message that is not a well-formed request or reply of this version."""


def pack_submission(folder: Path) -> bytes:
    """The staged submission as a deterministic tar.gz (sorted, no owners, no times): the same
    files give the same bytes, hence the same job id, on every run."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, path in sorted(submission_files(folder)):
            data = path.read_bytes()
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    packed = gzip.compress(raw.getvalue(), mtime=0)
    if len(packed) > MAX_ARCHIVE_BYTES:
        raise BadMessage(
            f"the submission packs to {len(packed) // 1024} KB, over the broker's limit of "
            f"{MAX_ARCHIVE_BYTES // 2**20} MB; grade it locally (without --broker)"
        )
    return packed


def job_id(
    slug: str, exercise_digest: str, image_digest: str, submission_id: str, archive: bytes
) -> str:
    """Derived from what decides the result: the same student's submission, exercise and image
    are the same job however often it is sent, so a second result for it changes nothing. The
    student is part of it: two students with identical files are two jobs, or the first one's
    reply, deleted once saved, would leave the other waiting for it."""
    h = hashlib.sha256(f"backend-sandbox-job/{FORMAT}\0{slug}\0{exercise_digest}\0".encode())
    h.update(f"{image_digest}\0{submission_id}\0".encode())
    h.update(archive)
    return h.hexdigest()[:32]


@dataclass(frozen=True)
class GradeRequest:
    exercise: str
    exercise_digest: str
    image_digest: str
    submission_id: str
    archive: bytes

    @property
    def job_id(self) -> str:
        return job_id(
            self.exercise,
            self.exercise_digest,
            self.image_digest,
            self.submission_id,
            self.archive,
        )

    def to_message(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "kind": "grade-request",
            "job_id": self.job_id,
            "exercise": self.exercise,
            "exercise_digest": self.exercise_digest,
            "image_digest": self.image_digest,
            "submission_id": self.submission_id,
            "archive": base64.b64encode(self.archive).decode("ascii"),
        }

    @classmethod
    def from_message(cls, message: object) -> GradeRequest:
        fields = _fields(
            message,
            "grade-request",
            {"job_id", "exercise", "exercise_digest", "image_digest", "submission_id", "archive"},
        )
        encoded = _text(fields, "archive", limit=(MAX_ARCHIVE_BYTES * 4) // 3 + 8)
        try:
            archive = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise BadMessage("archive: not base64") from None
        request = cls(
            exercise=_match(fields, "exercise", _SLUG),
            exercise_digest=_match(fields, "exercise_digest", DIGEST),
            image_digest=_match(fields, "image_digest", DIGEST),
            submission_id=_match(fields, "submission_id", STUDENT_ID),
            archive=archive,
        )
        if _match(fields, "job_id", DIGEST) != request.job_id:
            raise BadMessage("job_id does not match the request's content")
        return request


@dataclass(frozen=True)
class GradeReply:
    job_id: str
    outcome: Outcome
    worker: str
    result: str = ""  # a Result's JSON when graded
    reason: str = ""  # why not, when refused or unavailable

    def to_message(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "kind": "grade-reply",
            "job_id": self.job_id,
            "outcome": self.outcome,
            "worker": self.worker,
            "result": self.result,
            "reason": self.reason,
        }

    @classmethod
    def from_message(cls, message: object) -> GradeReply:
        fields = _fields(
            message, "grade-reply", {"job_id", "outcome", "worker", "result", "reason"}
        )
        outcome = _text(fields, "outcome", limit=16)
        if outcome not in OUTCOMES:
            raise BadMessage(f"outcome: {outcome[:16]!r} is not one of {', '.join(OUTCOMES)}")
        reply = cls(
            job_id=_match(fields, "job_id", DIGEST),
            outcome=outcome,  # checked against OUTCOMES just above
            worker=_match(fields, "worker", _WORKER),
            result=_text(fields, "result", limit=MAX_RESULT_BYTES),
            reason=_text(fields, "reason", limit=2000),
        )
        if (reply.outcome == "graded") != bool(reply.result):
            raise BadMessage("a graded reply carries a result, and only a graded one")
        return reply


def _fields(message: object, kind: str, names: set[str]) -> dict[str, Any]:
    if not isinstance(message, dict):
        raise BadMessage(f"a {kind} is a JSON object, got {type(message).__name__}")
    if message.get("format") != FORMAT or message.get("kind") != kind:
        raise BadMessage(
            f"not a {kind} of format {FORMAT} (got kind {str(message.get('kind'))[:40]!r}, "
            f"format {str(message.get('format'))[:10]!r}): coordinator and worker run different "
            "versions of the tool"
        )
    extra = set(message) - names - {"format", "kind"}
    if extra:
        raise BadMessage(f"unknown fields: {', '.join(sorted(str(e)[:40] for e in extra))}")
    missing = names - set(message)
    if missing:
        raise BadMessage(f"missing fields: {', '.join(sorted(missing))}")
    return message


def _text(fields: dict[str, Any], name: str, limit: int) -> str:
    value = fields[name]
    if not isinstance(value, str):
        raise BadMessage(f"{name}: expected a string, got {type(value).__name__}")
    if len(value) > limit:
        raise BadMessage(f"{name}: {len(value)} characters, over the limit of {limit}")
    return value


def _match(fields: dict[str, Any], name: str, pattern: re.Pattern[str]) -> str:
    value = _text(fields, name, limit=256)
    if not pattern.fullmatch(value):
        raise BadMessage(f"{name}: {value[:60]!r} is not a valid {name.replace('_', ' ')}")
    return value
