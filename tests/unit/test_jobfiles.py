"""The /job tar: modes, owners, what is left out, and intake limits."""

from __future__ import annotations

import dataclasses
import io
import json
import stat
import tarfile
from pathlib import Path

import pytest

from sandbox import exercises
from sandbox.errors import SubmissionRejected
from sandbox.exercises import Exercise
from sandbox.jobspec import AppEntry, JobSpec
from sandbox.runners import Job, jobfiles
from sandbox.runners.jobfiles import job_archive, job_spec, submission_files

SECRET = "TOP-SECRET-HOST-FILE-CONTENT"


@pytest.fixture
def demo(sandbox_home: Path) -> Exercise:
    ex = exercises.load("demo")
    helpers = ex.grader_dir / "helpers"
    helpers.mkdir()
    (helpers / "util.py").write_text("def ok():\n    return True\n")
    (ex.grader_dir / "__pycache__").mkdir()
    (ex.grader_dir / "__pycache__" / "test_x.cpython-311.pyc").write_bytes(b"\0")
    return ex


@pytest.fixture
def submission(tmp_path: Path) -> Path:
    """app.py, pkg/models.py, build noise, and symlinks pointing outside the submission."""
    root = tmp_path / "submission"
    (root / "pkg").mkdir(parents=True)
    (root / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    (root / "pkg" / "models.py").write_text("MODELS = []\n")
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0pyc")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    outside = tmp_path / "host"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    (root / "leak.txt").symlink_to(outside / "secret.txt")
    (root / "leakdir").symlink_to(outside, target_is_directory=True)
    return root


def members(data: bytes) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: m for m in tar.getmembers()}


def read(data: bytes, name: str) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        fh = tar.extractfile(name)
        assert fh is not None
        return fh.read()


def archive(ex: Exercise, sub: Path) -> bytes:
    job = Job(ex, sub, "alice")
    spec = job_spec(
        job,
        submission="/job/submission",
        grader="/job/grader",
        workdir="/work",
        result_file="/job/out/result.json",
        learner_uid=1000,
    )
    return job_archive(job, spec)


def test_job_spec_carries_the_exercise_settings(demo: Exercise, submission: Path) -> None:
    spec = job_spec(
        Job(demo, submission),
        submission="/job/submission",
        grader="/job/grader",
        workdir="/work",
        result_file="/job/out/result.json",
        learner_uid=1000,
        nonce="n0nce",
    )
    assert spec.exercise == "demo" and spec.learner_uid == 1000 and spec.nonce == "n0nce"
    assert spec.app == AppEntry("app", "app", 10)
    assert spec.limits.memory_mb == 256 and spec.limits.test_timeout_s == 10
    assert JobSpec.from_json(spec.to_json()) == spec, "the spec survives its JSON round trip"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"version": 99}, "version"),
        ({"exercise": 3}, "exercise"),
        ({"learner_uid": "root"}, "learner_uid"),
        ({"limits": {"memory_mb": 256, "swap": 1}}, "swap"),
        ({"limits": {"memory_mb": [1]}}, "memory_mb"),
        ({"app": "app:app"}, "AppEntry"),
    ],
)
def test_a_malformed_job_spec_is_refused_naming_the_field(
    demo: Exercise, submission: Path, change: dict[str, object], problem: str
) -> None:
    spec = job_spec(
        Job(demo, submission),
        submission="/s",
        grader="/g",
        workdir="/w",
        result_file="/r",
        learner_uid=None,
    )
    data = {**json.loads(spec.to_json()), **change}
    with pytest.raises(ValueError, match=problem):
        JobSpec.from_json(json.dumps(data))


def test_out_is_root_only_and_job_json_is_private(demo: Exercise, submission: Path) -> None:
    data = archive(demo, submission)
    m = members(data)
    assert m["out"].isdir() and stat.S_IMODE(m["out"].mode) == 0o700
    assert m["job.json"].isfile() and stat.S_IMODE(m["job.json"].mode) == 0o600
    assert json.loads(read(data, "job.json"))["exercise"] == "demo"


def test_submission_files_are_world_readable_and_owned_by_root(
    demo: Exercise, submission: Path
) -> None:
    data = archive(demo, submission)
    m = members(data)
    for name in ("submission/app.py", "submission/pkg/models.py"):
        assert m[name].isfile(), name
        assert stat.S_IMODE(m[name].mode) == 0o644, name
        assert (m[name].uid, m[name].gid) == (0, 0), name
    for name in ("submission", "submission/pkg"):
        assert m[name].isdir() and stat.S_IMODE(m[name].mode) == 0o755, name
    assert read(data, "submission/app.py") == (submission / "app.py").read_bytes()


def test_every_member_is_owned_by_root_and_stays_inside(demo: Exercise, submission: Path) -> None:
    for name, info in members(archive(demo, submission)).items():
        assert (info.uid, info.gid, info.uname, info.gname) == (0, 0, "root", "root"), name
        assert info.isfile() or info.isdir(), f"{name} is neither a file nor a folder"
        assert not name.startswith("/") and ".." not in name.split("/"), name


def test_symlinks_in_the_submission_are_skipped_not_followed(
    demo: Exercise, submission: Path
) -> None:
    data = archive(demo, submission)
    names = set(members(data))
    assert not any(n.startswith(("submission/leak", "submission/leakdir")) for n in names), names
    assert SECRET.encode() not in data
    assert {rel for rel, _ in submission_files(submission)} == {"app.py", "pkg/models.py"}


def test_build_noise_is_skipped(demo: Exercise, submission: Path) -> None:
    names = set(members(archive(demo, submission)))
    assert not any("__pycache__" in n for n in names), names
    assert not any(n.startswith("submission/.git") for n in names), names


def test_visible_grader_is_readable(demo: Exercise, submission: Path) -> None:
    m = members(archive(demo, submission))
    assert stat.S_IMODE(m["grader"].mode) == 0o755
    assert stat.S_IMODE(m["grader/helpers"].mode) == 0o755
    assert stat.S_IMODE(m["grader/test_x.py"].mode) == 0o644
    assert stat.S_IMODE(m["grader/helpers/util.py"].mode) == 0o644


def test_hidden_grader_is_root_only(demo: Exercise, submission: Path) -> None:
    hidden = dataclasses.replace(demo, grader_private=True)
    m = members(archive(hidden, submission))
    for name in ("grader", "grader/helpers"):
        assert m[name].isdir() and stat.S_IMODE(m[name].mode) == 0o700, name
    for name in ("grader/test_x.py", "grader/helpers/util.py"):
        assert m[name].isfile() and stat.S_IMODE(m[name].mode) == 0o600, name
        assert m[name].uid == 0


def test_grader_pycache_is_skipped(demo: Exercise, submission: Path) -> None:
    names = set(members(archive(demo, submission)))
    assert "grader/test_x.py" in names
    assert not any(n.startswith("grader/__pycache__") for n in names)


def test_golden_examples_never_enter_the_container(demo: Exercise, submission: Path) -> None:
    """graders/<slug>/examples/ is for `sandbox verify` on the host only."""
    golden = demo.grader_dir / "examples" / "bug-one"
    golden.mkdir(parents=True)
    (golden / "app.py").write_text("GOLDEN = True\n")
    (demo.grader_dir / "examples" / "examples.toml").write_text('[bug-one]\nexpected = "loses"\n')
    (demo.grader_dir / "helpers" / "examples.py").write_text("# a helper module may be so named\n")
    names = set(members(archive(demo, submission)))
    assert not any(n.startswith("grader/examples") for n in names), names
    assert "grader/helpers/examples.py" in names and "grader/test_x.py" in names


def test_grader_file_contents_are_copied(demo: Exercise, submission: Path) -> None:
    data = archive(demo, submission)
    assert read(data, "grader/test_x.py") == (demo.grader_dir / "test_x.py").read_bytes()


def test_too_many_files_is_rejected(
    demo: Exercise, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobfiles, "MAX_SUBMISSION_FILES", 3)
    sub = tmp_path / "many"
    sub.mkdir()
    for i in range(3):
        (sub / f"f{i}.py").write_text("x = 1\n")
    assert len(submission_files(sub)) == 3  # at the limit is fine
    (sub / "f3.py").write_text("x = 1\n")
    with pytest.raises(SubmissionRejected, match="more than 3 files"):
        archive(demo, sub)


def test_too_many_bytes_is_rejected(
    demo: Exercise, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobfiles, "MAX_SUBMISSION_BYTES", 100)
    sub = tmp_path / "big"
    sub.mkdir()
    (sub / "a.py").write_bytes(b"#" * 60)
    assert len(submission_files(sub)) == 1
    (sub / "b.py").write_bytes(b"#" * 41)
    with pytest.raises(SubmissionRejected):
        submission_files(sub)


def test_default_limits_are_sane() -> None:
    assert jobfiles.MAX_SUBMISSION_FILES == 2000
    assert jobfiles.MAX_SUBMISSION_BYTES == 20 * 1024 * 1024
