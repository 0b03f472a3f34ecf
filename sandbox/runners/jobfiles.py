"""What a job looks like from inside: its JobSpec and the files handed to the grader."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from sandbox.errors import SubmissionRejected
from sandbox.jobspec import JobSpec
from sandbox.runners import Job

MAX_SUBMISSION_FILES = 2000
MAX_SUBMISSION_BYTES = 20 * 1024 * 1024
SKIP_DIRS = {"__pycache__", ".git", ".venv", "venv", "node_modules", ".pytest_cache"}


def job_spec(
    job: Job,
    *,
    submission: str,
    grader: str,
    workdir: str,
    result_file: str,
    learner_uid: int | None,
    nonce: str = "",
) -> JobSpec:
    """The JobSpec of `job`, with the paths as the grader will see them."""
    return JobSpec(
        exercise=job.exercise.slug,
        submission=submission,
        grader=grader,
        workdir=workdir,
        result_file=result_file,
        learner_uid=learner_uid,
        nonce=nonce,
        app=job.exercise.app,
        limits=job.exercise.limits,
        services=job.exercise.services,
        kind=job.exercise.kind,
    )


def submission_files(root: Path) -> list[tuple[str, Path]]:
    """Regular files of a submission folder as (relative posix path, path); never follows links."""
    files: list[tuple[str, Path]] = []
    total = 0
    stack = [root]
    while stack:
        folder = stack.pop()
        for entry in sorted(folder.iterdir()):
            if entry.is_symlink():
                continue  # links never leave the host's side; intake rejects them in archives
            if entry.is_dir():
                if entry.name not in SKIP_DIRS:
                    stack.append(entry)
            elif entry.is_file():
                total += entry.lstat().st_size
                files.append((entry.relative_to(root).as_posix(), entry))
                if len(files) > MAX_SUBMISSION_FILES or total > MAX_SUBMISSION_BYTES:
                    raise SubmissionRejected(
                        f"the submission has more than {MAX_SUBMISSION_FILES} files or "
                        f"{MAX_SUBMISSION_BYTES // 2**20} MB; remove build output and data files"
                    )
    return files


def job_archive(job: Job, spec: JobSpec) -> bytes:
    """A tar for /job: job.json, submission/ (read-only to the learner), grader/, out/ (root only)."""
    buf = io.BytesIO()
    private = job.exercise.grader_private
    with tarfile.open(fileobj=buf, mode="w") as tar:
        _add_dir(tar, "out", 0o700)
        _add_bytes(tar, "job.json", spec.to_json().encode(), 0o600)
        _add_dir(tar, "submission", 0o755)
        made: set[str] = set()
        for rel, path in submission_files(job.submission):
            parts = rel.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                folder = "submission/" + "/".join(parts[:i])
                if folder not in made:
                    made.add(folder)
                    _add_dir(tar, folder, 0o755)
            _add_file(tar, f"submission/{rel}", path, 0o644)
        _add_dir(tar, "grader", 0o700 if private else 0o755)
        for path in sorted(job.exercise.grader_dir.rglob("*")):
            rel = path.relative_to(job.exercise.grader_dir).as_posix()
            # examples/ holds golden submissions for `verify`: trusted, never in the container.
            if path.is_symlink() or "__pycache__" in path.parts or rel.split("/")[0] == "examples":
                continue
            if path.is_dir():
                _add_dir(tar, f"grader/{rel}", 0o700 if private else 0o755)
            elif path.is_file():
                _add_file(tar, f"grader/{rel}", path, 0o600 if private else 0o644)
    return buf.getvalue()


def _info(name: str, kind: bytes, mode: int, size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.size = kind, mode, size
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def _add_dir(tar: tarfile.TarFile, name: str, mode: int) -> None:
    tar.addfile(_info(name, tarfile.DIRTYPE, mode))


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mode: int) -> None:
    tar.addfile(_info(name, tarfile.REGTYPE, mode, len(data)), io.BytesIO(data))


def _add_file(tar: tarfile.TarFile, name: str, path: Path, mode: int) -> None:
    _add_bytes(tar, name, path.read_bytes(), mode)
