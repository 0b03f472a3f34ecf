"""Run a grader for one job: pytest over the grader folder with the plugin, config pinned."""

from __future__ import annotations

import os
import select
import shutil
import sys
import tarfile
from pathlib import Path

import pytest

from sandbox.grading import channel
from sandbox.jobspec import JobSpec
from sandbox.results import Result, Status

PYTEST_INI = Path(__file__).resolve().parent / "pytest.ini"


def main(argv: list[str]) -> int:
    """Grade the job described by the last argument; always leave a result document when possible.

    With `--stdin`, the job arrives as a tar on standard input (the runner streams it in while
    the interpreter starts: no `docker cp`, whose extraction costs a process per call).
    """
    job_file = Path(argv[-1] if argv else "/job/job.json")
    if "--idle-timeout" in argv:
        # A warm container: everything that does not depend on the job is loaded now, then it
        # waits for its one job; an idle one expires by itself (nothing is left running).
        import sandbox.grading.plugin  # noqa: F401

        idle = float(argv[argv.index("--idle-timeout") + 1])
        ready, _, _ = select.select([sys.stdin], [], [], idle)
        if not ready:
            return 0
    if "--stdin" in argv:
        _unpack_stdin(job_file.parent)
    job = JobSpec.from_json(job_file.read_text(encoding="utf-8"))
    channel.open_channel(job.nonce)
    grader = Path(job.grader)
    if job.learner_uid is not None:
        _make_private(os.environ.get("HOME"), os.environ.get("TMPDIR"))
    args = [
        "-p",
        "sandbox.grading.plugin",
        "--job",
        str(job_file),
        "-c",
        str(PYTEST_INI),
        "--rootdir",
        str(grader),
        "-q",
        "--no-header",
        "--tb=short",
        # Golden examples are submissions, not grader tests (the Docker runner never even copies
        # them in; on the host they sit in the grader folder, and a tests-kind one has test_*.py).
        "--ignore",
        str(grader / "examples"),
        str(grader),
    ]
    try:
        code = int(pytest.main(args))
    except Exception as exc:  # ours, whatever it is: the run must still say what happened
        code, crash = int(pytest.ExitCode.INTERNAL_ERROR), f"{type(exc).__name__}: {exc}"
    else:
        crash = ""
    result_file = Path(job.result_file or job_file.parent / "out" / "result.json")
    if not result_file.exists():
        # pytest stopped before the plugin wrote (and published) anything: say so, in the
        # contract's shape, on both channels.
        _publish(
            result_file,
            Result.without_tests(
                job.exercise,
                "",
                Status.ERROR,
                0,
                f"The grader could not run (pytest exit code {code}). {crash}".strip(),
                infrastructure=True,
            ),
        )
    elif code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        # Stopped early for OUR reason (a bug in the plugin or pytest): the tests it did not
        # reach must not read as a normal partial run, nor cost the learner anything.
        _publish(result_file, _stopped_by_us(result_file, code, crash))
    sys.stdout.flush()
    return 0


def _stopped_by_us(result_file: Path, code: int, crash: str) -> Result:
    message = (
        f"Could not grade: the grader stopped with an internal error (pytest exit code {code}) "
        "before every test ran. This is not your code's fault; try again, and report it if it "
        f"persists. {crash}"
    ).strip()
    try:
        result = Result.from_json(result_file.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return Result.without_tests("", "", Status.ERROR, 0, message, infrastructure=True)
    result.status, result.message, result.complete = Status.ERROR, message, False
    result.infrastructure = True
    return result


def _publish(result_file: Path, result: Result) -> None:
    result_file.write_text(channel.encodable(result.to_json()), encoding="utf-8")
    channel.publish(result.to_json(indent=None))


def _make_private(*folders: str | None) -> None:
    """Close the grader's own HOME/TMPDIR to the learner before any learner code runs.

    A tmpfs mount's `mode=0700` does not hold when the image already has that folder (the
    runner image's WORKDIR /run/grader, 0755): runc gives the mount the folder's mode.
    """
    for folder in folders:
        if not folder:
            continue
        try:
            info = os.stat(folder)
            if info.st_uid == os.getuid() and info.st_mode & 0o077:
                os.chmod(folder, 0o700)
        except OSError:
            pass


def _unpack_stdin(target: Path) -> None:
    """Extract the job tar from stdin: our runner wrote it, but only plain files and folders
    inside `target` are accepted (Debian's Python 3.11.2 has no tarfile extraction filters)."""
    root = target.resolve()
    with tarfile.open(fileobj=sys.stdin.buffer, mode="r|") as tar:
        for member in tar:
            path = (root / member.name).resolve()
            if root != path and root not in path.parents:
                raise ValueError(f"job archive member outside {root}: {member.name!r}")
            if member.isdir():
                path.mkdir(parents=True, exist_ok=True)
                path.chmod(member.mode & 0o777)
            elif member.isfile():
                source = tar.extractfile(member)
                assert source is not None
                fd = os.open(
                    path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, member.mode & 0o777
                )
                with os.fdopen(fd, "wb") as out:
                    shutil.copyfileobj(source, out)
            else:
                raise ValueError(f"job archive member is not a file or folder: {member.name!r}")
