"""Intake: discovering a class's entries, staging each into a checked copy, and the roster.

Every hostile archive is built here, in tmp_path, with crafted ZipInfo/TarInfo or patched bytes.
"""

from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from sandbox.errors import SubmissionRejected, UsageError
from sandbox.submissions import Entry, IntakeLimits, discover, read_roster, stage

APP = b"from flask import Flask\n\napp = Flask(__name__)\n"
PAGE = b"<h1>hello</h1>\n"
DEFAULTS = IntakeLimits()
GOOD_TREE = {"app.py": APP, "templates": None, "templates/index.html": PAGE}

ZipMember = tuple[str | zipfile.ZipInfo, bytes]
TarMember = tuple[str | tarfile.TarInfo, bytes]


# -- builders ---------------------------------------------------------------------------------


def zip_bytes(members: Sequence[ZipMember], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buf.getvalue()


def write_zip(
    path: Path, members: Sequence[ZipMember], compression: int = zipfile.ZIP_DEFLATED
) -> Path:
    path.write_bytes(zip_bytes(members, compression))
    return path


def zip_info(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # unix: the mode lives in the high bits of external_attr
    info.external_attr = mode << 16
    return info


def write_tar(
    path: Path, members: Sequence[TarMember], mode: str = "w:gz", fmt: int = tarfile.PAX_FORMAT
) -> Path:
    with tarfile.open(
        path, mode, format=fmt, encoding="utf-8", errors="surrogateescape"
    ) as archive:  # type: ignore[call-overload]
        for name, data in members:
            info = tarfile.TarInfo(name) if isinstance(name, str) else name
            if info.isreg():
                info.size = len(data)
            archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path


def tar_info(
    name: str, kind: bytes = tarfile.REGTYPE, *, linkname: str = "", mode: int = 0o644
) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, linkname, mode
    return info


def patch_zip(data: bytes, *, flags: int | None = None, size: int | None = None) -> bytes:
    """Rewrite the flag bits or the uncompressed size of a one-member zip, in both headers."""
    buf = bytearray(data)
    central = buf.find(b"PK\x01\x02")
    for offset, flag_at, size_at in ((0, 6, 22), (central, 8, 24)):
        if flags is not None:
            buf[offset + flag_at : offset + flag_at + 2] = flags.to_bytes(2, "little")
        if size is not None:
            buf[offset + size_at : offset + size_at + 4] = size.to_bytes(4, "little")
    return bytes(buf)


def tree(root: Path) -> dict[str, bytes | str | None]:
    """Every path under root: a file's bytes, None for a folder (links and pipes: their type)."""
    found: dict[str, bytes | str | None] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            mode = path.lstat().st_mode
            found[path.relative_to(root).as_posix()] = (
                path.read_bytes()
                if stat.S_ISREG(mode)
                else None
                if stat.S_ISDIR(mode)
                else stat.filemode(mode)
            )
    return found


def entry_of(path: Path) -> Entry:
    return next(e for e in discover(path.parent) if e.path == path)


# -- fixtures and checks ----------------------------------------------------------------------


@pytest.fixture
def subs(tmp_path: Path) -> Path:
    folder = tmp_path / "submissions"
    folder.mkdir()
    return folder


@pytest.fixture
def staging(tmp_path: Path) -> Path:
    folder = tmp_path / "staging"
    folder.mkdir()
    return folder


def staged(
    path: Path, staging: Path, limits: IntakeLimits = DEFAULTS
) -> dict[str, bytes | str | None]:
    dest = stage(entry_of(path), staging, limits)
    assert dest.parent == staging
    return tree(dest)


def rejected(path: Path, staging: Path, limits: IntakeLimits = DEFAULTS) -> str:
    """Stage `path`, expect a rejection, and check that nothing was written anywhere."""
    around = staging.parent
    before = tree(around)
    with pytest.raises(SubmissionRejected) as caught:
        stage(entry_of(path), staging, limits)
    assert list(staging.iterdir()) == [], "a rejected submission left files in the staging root"
    assert tree(around) == before, "a rejected submission changed files outside staging"
    assert not (around / "evil.py").exists()
    return str(caught.value)


# -- good submissions -------------------------------------------------------------------------


def test_a_folder_is_copied(subs: Path, staging: Path) -> None:
    (subs / "alice" / "templates").mkdir(parents=True)
    (subs / "alice" / "app.py").write_bytes(APP)
    (subs / "alice" / "templates" / "index.html").write_bytes(PAGE)
    assert staged(subs / "alice", staging) == GOOD_TREE


@pytest.mark.parametrize("name", ["bob.zip", "bob.tar.gz", "bob.tgz", "bob.tar", "BOB.ZIP"])
def test_archives_are_unpacked(subs: Path, staging: Path, name: str) -> None:
    members = [("app.py", APP), ("templates/index.html", PAGE)]
    if name.lower().endswith(".zip"):
        write_zip(subs / name, members)
    else:
        write_tar(subs / name, members, "w" if name.endswith(".tar") else "w:gz")
    assert staged(subs / name, staging) == GOOD_TREE


def test_a_wrapping_folder_is_stripped_from_a_zip(subs: Path, staging: Path) -> None:
    write_zip(
        subs / "bob.zip",
        [
            ("alice/", b""),
            ("alice/app.py", APP),
            ("alice/templates/index.html", PAGE),
            ("alice/.DS_Store", b"x"),
            ("__MACOSX/alice/._app.py", b"x"),
        ],
    )
    assert staged(subs / "bob.zip", staging) == GOOD_TREE


def test_a_wrapping_folder_is_stripped_from_a_tar(subs: Path, staging: Path) -> None:
    write_tar(
        subs / "bob.tar.gz",
        [
            (tar_info(".", tarfile.DIRTYPE), b""),
            (tar_info("./bob", tarfile.DIRTYPE), b""),
            ("./bob/app.py", APP),
            ("./bob/templates/index.html", PAGE),
        ],
    )
    assert staged(subs / "bob.tar.gz", staging) == GOOD_TREE


def test_a_folder_holding_one_folder_is_unwrapped(subs: Path, staging: Path) -> None:
    inner = subs / "alice" / "my-project"
    (inner / "templates").mkdir(parents=True)
    (inner / "app.py").write_bytes(APP)
    (inner / "templates" / "index.html").write_bytes(PAGE)
    (subs / "alice" / ".DS_Store").write_bytes(b"junk")
    assert staged(subs / "alice", staging) == GOOD_TREE


def test_a_lone_package_is_not_unwrapped(subs: Path, staging: Path) -> None:
    write_zip(subs / "bob.zip", [("app/__init__.py", APP), ("app/routes.py", b"")])
    assert staged(subs / "bob.zip", staging) == {
        "app": None,
        "app/__init__.py": APP,
        "app/routes.py": b"",
    }


def test_cache_and_macos_files_are_skipped(subs: Path, staging: Path) -> None:
    write_zip(
        subs / "bob.zip",
        [
            ("app.py", APP),
            ("__pycache__/app.cpython-311.pyc", b"\0"),
            ("templates/__pycache__/", b""),
            ("templates/index.html", PAGE),
            (".DS_Store", b"x"),
            ("._app.py", b"x"),
            (".git/HEAD", b"x"),
            ("__MACOSX/._templates", b"x"),
        ],
    )
    assert staged(subs / "bob.zip", staging) == GOOD_TREE


def test_modes_are_fixed_whatever_the_archive_says(subs: Path, staging: Path) -> None:
    write_tar(
        subs / "bob.tar.gz",
        [
            (tar_info("app.py", mode=0o4777), APP),
            (tar_info("locked.py", mode=0o000), b""),
            (tar_info("static", tarfile.DIRTYPE, mode=0o700), b""),
            (tar_info("static/a.css", mode=0o666), b""),
        ],
    )
    dest = stage(entry_of(subs / "bob.tar.gz"), staging)
    modes = {
        p.relative_to(dest).as_posix(): stat.S_IMODE(p.lstat().st_mode) for p in dest.rglob("*")
    }
    assert modes == {"app.py": 0o644, "locked.py": 0o644, "static": 0o755, "static/a.css": 0o644}


def test_zip_modes_are_fixed_too(subs: Path, staging: Path) -> None:
    write_zip(
        subs / "bob.zip",
        [
            (zip_info("app.py", stat.S_IFREG | 0o4777), APP),
            (zip_info("data/", stat.S_IFDIR | 0o700), b""),
        ],
    )
    dest = stage(entry_of(subs / "bob.zip"), staging)
    assert stat.S_IMODE((dest / "app.py").stat().st_mode) == 0o644
    assert stat.S_IMODE((dest / "data").stat().st_mode) == 0o755


def test_small_highly_compressible_files_are_fine(subs: Path, staging: Path) -> None:
    zeros = bytes(512 * 1024)  # compresses ~1000:1, but stays under the ratio floor
    write_zip(subs / "bob.zip", [("app.py", APP), ("blank.db", zeros)])
    assert staged(subs / "bob.zip", staging)["blank.db"] == zeros


def test_each_stage_is_a_fresh_folder_and_the_root_is_created(subs: Path, tmp_path: Path) -> None:
    write_zip(subs / "bob.zip", [("app.py", APP)])
    root = tmp_path / "not" / "yet"
    first, second = (stage(entry_of(subs / "bob.zip"), root) for _ in range(2))
    assert first != second
    assert first.parent == second.parent == root
    assert first.name.startswith("bob-")


# -- rejected: names --------------------------------------------------------------------------


UNSAFE_NAMES = [
    ("../evil.py", "'..'"),
    ("app/../../evil.py", "'..'"),
    ("/EVIL_ABS/evil.py", "absolute"),
    ("C:/evil.py", "drive letter"),
    ("c:evil.py", "drive letter"),
    ("..\\evil.py", "backslash"),
    ("static\\evil.py", "backslash"),
    ("app\n.py", "control character"),
    ("", "empty name"),
]


def _absolute(name: str, tmp_path: Path) -> str:
    return name.replace("/EVIL_ABS", str(tmp_path))


@pytest.mark.parametrize(("name", "reason"), UNSAFE_NAMES)
def test_unsafe_zip_names_are_rejected(
    subs: Path, staging: Path, tmp_path: Path, name: str, reason: str
) -> None:
    member = _absolute(name, tmp_path) or zipfile.ZipInfo("")  # writestr("") would fail
    write_zip(subs / "bob.zip", [("app.py", APP), (member, b"evil")])
    message = rejected(subs / "bob.zip", staging)
    assert "unsafe path" in message
    assert reason in message
    assert not (tmp_path / "evil.py").exists()


@pytest.mark.parametrize(("name", "reason"), UNSAFE_NAMES)
def test_unsafe_tar_names_are_rejected(
    subs: Path, staging: Path, tmp_path: Path, name: str, reason: str
) -> None:
    write_tar(subs / "bob.tar.gz", [("app.py", APP), (_absolute(name, tmp_path), b"evil")])
    message = rejected(subs / "bob.tar.gz", staging)
    assert "unsafe path" in message
    assert reason in message


def test_a_nul_byte_in_a_zip_name_is_rejected(subs: Path, staging: Path) -> None:
    # zipfile cuts names at NUL, so the check must look at the name as stored
    data = zip_bytes([("app.py@../evil.py", APP)])
    (subs / "bob.zip").write_bytes(data.replace(b"app.py@", b"app.py\0"))
    assert "NUL byte" in rejected(subs / "bob.zip", staging)


def test_a_nul_byte_in_a_tar_name_is_rejected(subs: Path, staging: Path) -> None:
    info = tarfile.TarInfo("placeholder")
    info.pax_headers = {"path": "app.py\0../evil.py"}
    write_tar(subs / "bob.tar.gz", [(info, APP)])
    assert "NUL byte" in rejected(subs / "bob.tar.gz", staging)


def test_a_name_that_is_not_utf8_is_rejected(subs: Path, staging: Path) -> None:
    write_tar(subs / "bob.tar.gz", [("app\udcff.py", APP)], fmt=tarfile.GNU_FORMAT)
    assert "UTF-8" in rejected(subs / "bob.tar.gz", staging)


def test_nesting_too_deep_is_rejected(subs: Path, staging: Path) -> None:
    write_zip(subs / "bob.zip", [("app.py", APP), ("d/" * 20 + "deep.py", b"")])
    assert "nested too deep" in rejected(subs / "bob.zip", staging)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("app.py", "App.py"),
        ("static/a.css", "Static/b.css"),
        ("app", "app/x.py"),
    ],
)
def test_case_insensitive_duplicates_are_rejected(
    subs: Path, staging: Path, first: str, second: str
) -> None:
    write_zip(subs / "bob.zip", [(first, APP), (second, APP)])
    assert "duplicate path" in rejected(subs / "bob.zip", staging)


def test_the_same_path_twice_in_a_tar_is_rejected(subs: Path, staging: Path) -> None:
    write_tar(subs / "bob.tar.gz", [("app.py", APP), ("app.py", b"evil")])
    assert "twice" in rejected(subs / "bob.tar.gz", staging)


def test_an_archive_of_nothing_but_junk_is_empty(subs: Path, staging: Path) -> None:
    write_zip(subs / "bob.zip", [("src/", b""), ("__MACOSX/._app.py", b"x"), (".DS_Store", b"")])
    assert "empty" in rejected(subs / "bob.zip", staging)


# -- rejected: links, devices, encryption -----------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        (tarfile.SYMTYPE, "symlink"),
        (tarfile.LNKTYPE, "hard link"),
        (tarfile.CHRTYPE, "device"),
        (tarfile.BLKTYPE, "device"),
        (tarfile.FIFOTYPE, "FIFO"),
        (tarfile.GNUTYPE_SPARSE, "sparse"),
    ],
)
def test_tar_members_that_are_not_files_are_rejected(
    subs: Path, staging: Path, kind: bytes, reason: str
) -> None:
    write_tar(
        subs / "bob.tar.gz",
        [("app.py", APP), (tar_info("static", kind, linkname="/etc/passwd"), b"")],
        fmt=tarfile.GNU_FORMAT,
    )
    message = rejected(subs / "bob.tar.gz", staging)
    assert reason in message
    assert "'static'" in message


def test_a_link_then_a_write_through_it_is_rejected(
    subs: Path, staging: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    write_tar(
        subs / "bob.tar.gz",
        [
            ("app.py", APP),
            (tar_info("static", tarfile.SYMTYPE, linkname=str(outside)), b""),
            ("static/evil.py", b"evil"),
        ],
    )
    assert "symlink" in rejected(subs / "bob.tar.gz", staging)
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        (stat.S_IFLNK | 0o777, "symlink"),
        (stat.S_IFIFO | 0o644, "FIFO"),
        (stat.S_IFCHR | 0o644, "device"),
    ],
)
def test_zip_members_whose_mode_is_not_a_file_are_rejected(
    subs: Path, staging: Path, mode: int, reason: str
) -> None:
    write_zip(subs / "bob.zip", [("app.py", APP), (zip_info("static", mode), b"/etc")])
    assert reason in rejected(subs / "bob.zip", staging)


def test_an_encrypted_zip_is_rejected(subs: Path, staging: Path) -> None:
    (subs / "bob.zip").write_bytes(patch_zip(zip_bytes([("app.py", APP)]), flags=0x1))
    assert "encrypted" in rejected(subs / "bob.zip", staging)


def test_bzip2_members_are_rejected(subs: Path, staging: Path) -> None:
    write_zip(subs / "bob.zip", [("app.py", APP)], zipfile.ZIP_BZIP2)
    assert "compression method" in rejected(subs / "bob.zip", staging)


# -- rejected: sizes and counts ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["bob.zip", "bob.tar.gz"])
def test_too_many_files_are_rejected(subs: Path, staging: Path, name: str) -> None:
    members = [(f"f{i}.py", b"") for i in range(11)]
    if name.endswith(".zip"):
        write_zip(subs / name, members)
    else:
        write_tar(subs / name, members)
    assert "too many files" in rejected(subs / name, staging, IntakeLimits(max_files=10))


def test_folders_count_towards_the_file_limit(subs: Path, staging: Path) -> None:
    write_tar(
        subs / "bob.tar.gz",
        [("app.py", APP)] + [(tar_info(f"d{i}", tarfile.DIRTYPE), b"") for i in range(10)],
    )
    assert "too many files" in rejected(subs / "bob.tar.gz", staging, IntakeLimits(max_files=10))


@pytest.mark.parametrize("name", ["bob.zip", "bob.tar.gz"])
def test_a_file_too_big_is_rejected(subs: Path, staging: Path, name: str) -> None:
    members = [("app.py", APP), ("data.csv", os.urandom(2000))]
    if name.endswith(".zip"):
        write_zip(subs / name, members)
    else:
        write_tar(subs / name, members)
    message = rejected(subs / name, staging, IntakeLimits(max_file_bytes=1000))
    assert "'data.csv' is too big" in message


@pytest.mark.parametrize("name", ["bob.zip", "bob.tar.gz"])
def test_too_many_bytes_in_all_are_rejected(subs: Path, staging: Path, name: str) -> None:
    members = [(f"f{i}.bin", os.urandom(600)) for i in range(3)]
    if name.endswith(".zip"):
        write_zip(subs / name, members)
    else:
        write_tar(subs / name, members)
    assert "unpacks to more than" in rejected(
        subs / name, staging, IntakeLimits(max_total_bytes=1000)
    )


@pytest.mark.parametrize("name", ["bob.zip", "bob.tar.gz"])
def test_a_high_ratio_over_a_megabyte_is_a_bomb(subs: Path, staging: Path, name: str) -> None:
    members = [("app.py", APP), ("zeros.bin", bytes(2 * 1024 * 1024))]
    if name.endswith(".zip"):
        write_zip(subs / name, members)
    else:
        write_tar(subs / name, members)
    assert "bomb" in rejected(subs / name, staging)


def test_a_zip_whose_header_understates_the_size_is_not_trusted(
    subs: Path, staging: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[int] = []
    real_write = os.write

    def counting_write(fd: int, data: bytes | memoryview) -> int:
        written.append(real_write(fd, data))
        return written[-1]

    monkeypatch.setattr(os, "write", counting_write)
    data = zip_bytes([("data.bin", bytes(3 * 1024 * 1024))])
    (subs / "bob.zip").write_bytes(patch_zip(data, size=10))  # "10 bytes", it says
    assert "not a readable zip" in rejected(subs / "bob.zip", staging)
    assert sum(written) <= 10


def test_an_archive_too_big_is_rejected_before_reading(subs: Path, staging: Path) -> None:
    write_zip(subs / "bob.zip", [("app.py", os.urandom(4000))])
    message = rejected(subs / "bob.zip", staging, IntakeLimits(max_archive_bytes=1000))
    assert "archive is too big" in message


# -- rejected: unreadable archives ------------------------------------------------------------


def _good_zip() -> bytes:
    return zip_bytes([("app.py", APP), ("templates/index.html", PAGE * 100)])


def _good_tar_gz() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as archive:
        for name, data in (("app.py", APP), ("big.bin", os.urandom(50_000))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bob.zip", b"", "not a readable zip"),
        ("bob.zip", b"PK\x03\x04 this is not really a zip", "not a readable zip"),
        ("bob.zip", _good_zip()[:-30], "not a readable zip"),
        ("bob.zip", _good_zip()[:40] + _good_zip()[60:], "not a readable zip"),
        ("bob.tar.gz", b"", "not a readable tar.gz"),
        ("bob.tar.gz", b"\x1f\x8b\x08\x00garbage", "not a readable tar.gz"),
        ("bob.tar.gz", _good_tar_gz()[: len(_good_tar_gz()) // 2], "not a readable tar.gz"),
        ("bob.tgz", b"hello, I am a text file", "not a readable tar.gz"),
        ("bob.tar", _good_zip(), "not a readable tar.gz"),
    ],
)
def test_corrupt_archives_are_rejected(
    subs: Path, staging: Path, name: str, content: bytes, reason: str
) -> None:
    (subs / name).write_bytes(content)
    assert reason in rejected(subs / name, staging)


# -- folder entries ---------------------------------------------------------------------------


def _alice(subs: Path) -> Path:
    folder = subs / "alice"
    (folder / "static").mkdir(parents=True)
    (folder / "app.py").write_bytes(APP)
    return folder


def test_a_symlinked_file_in_a_folder_is_rejected_by_name(
    subs: Path, staging: Path, tmp_path: Path
) -> None:
    (tmp_path / "secret.txt").write_text("host secret")
    (_alice(subs) / "static" / "style.css").symlink_to(tmp_path / "secret.txt")
    message = rejected(subs / "alice", staging)
    assert "symlink" in message
    assert "static/style.css" in message


def test_a_symlinked_folder_in_a_folder_is_rejected(subs: Path, staging: Path) -> None:
    (_alice(subs) / "etc").symlink_to("/etc")
    assert "'etc' is a symlink" in rejected(subs / "alice", staging)


def test_a_fifo_in_a_folder_is_rejected(subs: Path, staging: Path) -> None:
    os.mkfifo(_alice(subs) / "pipe")
    assert "FIFO" in rejected(subs / "alice", staging)


def test_folder_limits_apply(subs: Path, staging: Path) -> None:
    folder = _alice(subs)
    for i in range(10):
        (folder / f"f{i}.py").write_bytes(b"")
    assert "too many files" in rejected(folder, staging, IntakeLimits(max_files=10))
    assert "too big" in rejected(folder, staging, IntakeLimits(max_file_bytes=10))


def test_case_duplicates_in_a_folder_are_rejected(subs: Path, staging: Path) -> None:
    (_alice(subs) / "App.py").write_bytes(APP)
    assert "duplicate path" in rejected(subs / "alice", staging)


def test_a_symlinked_entry_is_rejected(subs: Path, staging: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "app.py").write_bytes(APP)
    (subs / "alice").symlink_to(tmp_path / "elsewhere")
    assert "symlink" in rejected(subs / "alice", staging)


# -- discover ---------------------------------------------------------------------------------


def test_discover_finds_every_kind_sorted_by_student(subs: Path) -> None:
    (subs / "alice").mkdir()
    for name in (
        "bob.zip",
        "carol.tar.gz",
        "dave.TGZ",
        "erin.tar",
        "frank.rar",
        "notes.py",
        ".DS_Store",
        ".hidden.zip",
    ):
        (subs / name).write_bytes(b"")
    (subs / "__MACOSX").mkdir()
    found = [(e.student, e.kind, bool(e.problem)) for e in discover(subs)]
    assert found == [
        ("alice", "folder", False),
        ("bob", "zip", False),
        ("carol", "tar", False),
        ("dave", "tar", False),
        ("erin", "tar", False),
        ("frank", "unknown", True),
        ("notes", "unknown", True),
    ]


def test_an_unknown_entry_is_rejected_when_staged(subs: Path, staging: Path) -> None:
    (subs / "frank.rar").write_bytes(b"Rar!")
    assert "not a folder, .zip or .tar.gz" in rejected(subs / "frank.rar", staging)


def test_the_second_entry_for_a_student_is_a_duplicate(subs: Path, staging: Path) -> None:
    (subs / "alice").mkdir()
    (subs / "alice" / "app.py").write_bytes(APP)
    write_zip(subs / "alice.zip", [("app.py", APP)])
    first, second = discover(subs)
    assert (first.student, first.kind, first.problem) == ("alice", "folder", "")
    assert (second.student, second.kind) == ("alice", "zip")
    assert stage(first, staging).is_dir()
    with pytest.raises(SubmissionRejected, match="duplicate"):
        stage(second, staging)


def test_duplicates_ignore_case_and_prefer_a_known_kind(subs: Path) -> None:
    for name in ("Alice.rar", "alice.zip"):
        (subs / name).write_bytes(b"")
    problems = {e.path.name: e.problem for e in discover(subs)}
    assert problems["alice.zip"] == ""
    assert "duplicate" in problems["Alice.rar"]


@pytest.mark.parametrize("name", ["bad name.zip", "x" * 101 + ".zip", "semi;colon"])
def test_names_that_are_not_student_ids_are_rejected(subs: Path, name: str) -> None:
    (subs / name).mkdir() if "." not in name else (subs / name).write_bytes(b"")
    (entry,) = discover(subs)
    assert "valid student id" in entry.problem


def test_discover_needs_a_folder(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        discover(tmp_path / "missing")
    (tmp_path / "file").write_text("")
    with pytest.raises(UsageError, match="not a folder"):
        discover(tmp_path / "file")


# -- read_roster ------------------------------------------------------------------------------


def test_roster_reads_the_student_column(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_bytes(
        b'\xef\xbb\xbfName,Student,Email\r\nAlice A,alice,a@x.org\r\n\r\n"B, Bob",bob,b@x.org\r\n'
    )
    assert read_roster(roster) == ["alice", "bob"]


@pytest.mark.parametrize("column", ["id", "ID", "email"])
def test_roster_falls_back_to_id_or_email(tmp_path: Path, column: str) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(f"name,{column}\nAlice,alice@example.org\n")
    assert read_roster(roster) == ["alice@example.org"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"name,score\nalice,3\n", "no 'student' column"),
        (b"student\n", "lists no students"),
        (b"student\nalice\nbad id\n", "line 3: 'bad id' is not a valid student id"),
        (b"student\nalice\n\nALICE\n", "listed twice (first on line 2)"),
        (b"student\n\xff\xfe\n", "not UTF-8"),
        (b'student\n"alice\n', "not valid CSV"),
    ],
)
def test_bad_rosters_are_usage_errors(tmp_path: Path, content: bytes, reason: str) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_bytes(content)
    with pytest.raises(UsageError) as caught:
        read_roster(roster)
    assert reason in str(caught.value)


def test_a_missing_roster_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        read_roster(tmp_path / "nope.csv")
