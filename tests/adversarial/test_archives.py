"""Hostile archives, end to end through intake: a class folder is discovered, each entry staged.

Nothing here needs Docker. Every hostile entry must be rejected with a reason that names the
problem, nothing may appear outside the staging root, and bombs and 100k-file archives must be
stopped by their caps: the assertions are on bytes written, bytes read and memory, never on time.
"""

from __future__ import annotations

import functools
import gzip
import io
import os
import stat
import struct
import tarfile
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.errors import SubmissionRejected
from sandbox.submissions import Entry, IntakeLimits, discover, stage

APP = b"from flask import Flask\n\napp = Flask(__name__)\n"
GiB = 1 << 30
CHUNK = 16 << 20  # bombs are built from one compressed chunk of zeros, repeated


# -- raw archive builders ---------------------------------------------------------------------


def tar_bytes(*members: tuple[tarfile.TarInfo, bytes], gz: bool = True) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz" if gz else "w") as archive:
        for info, data in members:
            if info.isreg():
                info.size = len(data)
            archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buf.getvalue()


def member(name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    return info


def zip_bytes(*members: tuple[str | zipfile.ZipInfo, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buf.getvalue()


def unix_zip_info(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system, info.external_attr = 3, mode << 16
    return info


def gzip_of_zeros(size: int) -> bytes:
    """A gzip stream of `size` zero bytes, as concatenated gzip members (gzip allows it)."""
    assert size % CHUNK == 0
    return _gzipped_zero_chunk() * (size // CHUNK)


@functools.cache
def _gzipped_zero_chunk() -> bytes:
    return gzip.compress(bytes(CHUNK), compresslevel=9)


def deflated_zeros(size: int) -> bytes:
    """Raw deflate of `size` zeros: full-flushed chunks compress to identical bytes."""
    assert size % CHUNK == 0
    chunk, end = _deflated_zero_chunk()
    return chunk * (size // CHUNK) + end


@functools.cache
def _deflated_zero_chunk() -> tuple[bytes, bytes]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(bytes(CHUNK)) + compressor.flush(
        zlib.Z_FULL_FLUSH
    ), compressor.flush()


_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")


def raw_zip(
    entries: list[tuple[bytes, bytes, int, int, int]], *, claimed: int | None = None
) -> bytes:
    """A zip written by hand: (name, stored data, method, crc, declared size) per entry.

    Fast enough for 100k entries, and free to lie: `claimed` overrides the entry count the end
    record states. Past 65535 entries it writes the zip64 end records, as real tools do.
    """
    local, central, offset = [], [], 0
    for name, data, method, crc, size in entries:
        header = (
            _LOCAL.pack(b"PK\x03\x04", 20, 0, method, 0, 0x21, crc, len(data), size, len(name), 0)
            + name
        )
        local += [header, data]
        central.append(
            _CENTRAL.pack(
                b"PK\x01\x02",
                0x031E,
                20,
                0,
                method,
                0,
                0x21,
                crc,
                len(data),
                size,
                len(name),
                0,
                0,
                0,
                0,
                0o644 << 16,
                offset,
            )
            + name
        )
        offset += len(header) + len(data)
    directory = b"".join(central)
    count = len(entries) if claimed is None else claimed
    tail = b""
    if count > 0xFFFF:
        tail = _ZIP64_EOCD.pack(
            b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(directory), offset
        ) + _ZIP64_LOCATOR.pack(b"PK\x06\x07", 0, offset + len(directory), 1)
        count = 0xFFFF
    return (
        b"".join(local)
        + directory
        + tail
        + _EOCD.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), offset, 0)
    )


def empty_files_zip(n: int, *, claimed: int | None = None) -> bytes:
    return raw_zip([(b"f%d.py" % i, b"", 0, 0, 0) for i in range(n)], claimed=claimed)


def empty_files_tar(n: int) -> bytes:
    """n ustar headers of empty files, patched from one template (tarfile is 10x slower)."""
    template = bytearray(tarfile.TarInfo("x").tobuf(format=tarfile.USTAR_FORMAT))
    template[0:100], template[148:156] = bytes(100), b" " * 8
    base = sum(template)
    head, tail = bytes(template[100:148]), bytes(template[156:])
    blocks = []
    for i in range(n):
        name = b"f%d.py" % i
        blocks.append(name.ljust(100, b"\0") + head + b"%06o\0 " % (base + sum(name)) + tail)
    return b"".join(blocks) + bytes(1024)


# -- spies ------------------------------------------------------------------------------------


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Bytes intake writes, call by call (it writes through os.write only)."""
    sizes: list[int] = []
    real = os.write

    def spy(fd: int, data: bytes | memoryview) -> int:
        sizes.append(real(fd, data))
        return sizes[-1]

    monkeypatch.setattr(os, "write", spy)
    return sizes


@pytest.fixture
def gunzipped(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Decompressed bytes read from any gzip stream, call by call."""
    sizes: list[int] = []
    real = gzip.GzipFile.read

    def spy(self: gzip.GzipFile, size: int = -1) -> bytes:
        data = real(self, size)
        sizes.append(len(data))
        return data

    monkeypatch.setattr(gzip.GzipFile, "read", spy)
    return sizes


def measured(action: Callable[[], object]) -> tuple[object, int]:
    """What `action` returned (or the SubmissionRejected it raised), and its peak Python memory."""
    tracemalloc.start()
    try:
        try:
            outcome: object = action()
        except SubmissionRejected as exc:
            outcome = exc
        return outcome, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def only_entry(path: Path) -> Entry:
    (entry,) = discover(path.parent)
    return entry


def tree(root: Path) -> dict[str, str]:
    """Every path under root with its type and size, never following links."""
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            info = (Path(folder) / name).lstat()
            found[str(Path(folder, name))] = f"{stat.filemode(info.st_mode)} {info.st_size}"
    return found


# -- one class, every hostile entry -----------------------------------------------------------


def _encrypted(data: bytes) -> bytes:
    buf = bytearray(data)
    buf[6] |= 1  # general purpose flag bit 0: in the local header ...
    buf[buf.find(b"PK\x01\x02") + 8] |= 1  # ... and in the central directory
    return bytes(buf)


def hostile_class(root: Path) -> dict[str, bytes]:
    """SUBMISSIONS entries, name -> bytes; whatever escapes lands in root's parent."""
    outside = root.parent
    m = member
    return {
        "zipslip.zip": zip_bytes(("app.py", APP), ("../../evil.py", b"pwned")),
        "tarslip.tar.gz": tar_bytes((m("app.py"), APP), (m("static/../../../evil.py"), b"x")),
        "absolute-tar.tar.gz": tar_bytes((m("app.py"), APP), (m(f"{outside}/evil.py"), b"x")),
        "absolute-zip.zip": zip_bytes(("app.py", APP), (f"{outside}/evil.py", b"pwned")),
        "drive.zip": zip_bytes(("app.py", APP), ("C:/Windows/evil.py", b"pwned")),
        "backslash.zip": zip_bytes(("app.py", APP), ("..\\..\\evil.py", b"pwned")),
        "symlink-tar.tar.gz": tar_bytes(
            (m("app.py"), APP), (m("secret.txt", tarfile.SYMTYPE, "/etc/shadow"), b"")
        ),
        "hardlink.tar": tar_bytes(
            (m("app.py"), APP), (m("secret.txt", tarfile.LNKTYPE, "/etc/shadow"), b""), gz=False
        ),
        "link-then-write.tgz": tar_bytes(
            (m("app.py"), APP),
            (m("static", tarfile.SYMTYPE, str(outside / "outside")), b""),
            (m("static/evil.py"), b"pwned"),
        ),
        "symlink-zip.zip": zip_bytes(
            ("app.py", APP), (unix_zip_info("secret.txt", stat.S_IFLNK | 0o777), b"/")
        ),
        "device.tar.gz": tar_bytes((m("app.py"), APP), (m("disk", tarfile.BLKTYPE), b"")),
        "fifo-tar.tar.gz": tar_bytes((m("app.py"), APP), (m("pipe", tarfile.FIFOTYPE), b"")),
        "fifo-zip.zip": zip_bytes(
            ("app.py", APP), (unix_zip_info("pipe", stat.S_IFIFO | 0o644), b"")
        ),
        "case-clash.zip": zip_bytes(("app.py", APP), ("APP.py", b"shadow")),
        "deep.tar.gz": tar_bytes((m("app.py"), APP), (m("d/" * 30 + "x.py"), b"")),
        "encrypted.zip": _encrypted(zip_bytes(("app.py", APP))),
        "corrupt.zip": b"PK\x03\x04" + os.urandom(200),
        "truncated.tar.gz": tar_bytes((m("app.py"), os.urandom(40_000)))[:5_000],
        "rar.rar": b"Rar!\x1a\x07\x00",
        "loose.py": APP,
        "good.zip": zip_bytes(("good/app.py", APP)),
        "Good.tar.gz": tar_bytes((m("app.py"), APP)),
        "nested.zip.zip": zip_bytes(("app.py", APP)),
    }


HOSTILE = [
    ("zipslip", "'..'"),
    ("tarslip", "'..'"),
    ("absolute-tar", "absolute path"),
    ("absolute-zip", "absolute path"),
    ("drive", "drive letter"),
    ("backslash", "backslash"),
    ("symlink-tar", "symlink"),
    ("hardlink", "hard link"),
    ("link-then-write", "symlink"),
    ("symlink-zip", "symlink"),
    ("device", "device file"),
    ("fifo-tar", "FIFO"),
    ("fifo-zip", "FIFO"),
    ("case-clash", "duplicate path"),
    ("deep", "nested too deep"),
    ("encrypted", "encrypted"),
    ("corrupt", "not a readable zip"),
    ("truncated", "not a readable tar.gz"),
    ("rar", "not a folder, .zip or .tar.gz"),
    ("loose", "not a folder, .zip or .tar.gz"),
]


@pytest.fixture(scope="module")
def a_class(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[Entry]]]:
    """A SUBMISSIONS folder with every hostile entry, discovered once: root, student -> entries."""
    root = tmp_path_factory.mktemp("class") / "submissions"
    root.mkdir()
    (root.parent / "outside").mkdir()
    for name, data in hostile_class(root).items():
        (root / name).write_bytes(data)
    by_student: dict[str, list[Entry]] = {}
    for entry in discover(root):
        by_student.setdefault(entry.student.casefold(), []).append(entry)
    return root, by_student


@pytest.mark.parametrize(("student", "reason"), HOSTILE)
def test_every_hostile_entry_is_rejected_and_leaves_nothing(
    a_class: tuple[Path, dict[str, list[Entry]]], tmp_path: Path, student: str, reason: str
) -> None:
    root, by_student = a_class
    staging = tmp_path / "staging"
    staging.mkdir()
    before = tree(root.parent)
    (entry,) = by_student[student]
    with pytest.raises(SubmissionRejected) as caught:
        stage(entry, staging)
    assert reason in str(caught.value), f"{entry.path.name}: {caught.value}"
    assert list(staging.iterdir()) == []
    assert tree(root.parent) == before
    assert not (root.parent / "evil.py").exists()
    assert list((root.parent / "outside").iterdir()) == []


def test_in_the_same_class_good_entries_stage_and_a_second_one_is_a_duplicate(
    a_class: tuple[Path, dict[str, list[Entry]]], tmp_path: Path
) -> None:
    _, by_student = a_class
    first, second = by_student["good"]  # Good.tar.gz and good.zip: one student, case aside
    (nested,) = by_student["nested.zip"]
    for entry in (first, nested):
        assert (stage(entry, tmp_path) / "app.py").read_bytes() == APP
    with pytest.raises(SubmissionRejected, match="duplicate student id"):
        stage(second, tmp_path)


# -- bombs: stopped at the cap, never read whole ----------------------------------------------


def _tar_header(info: tarfile.TarInfo, size: int) -> bytes:
    info.size = size
    return info.tobuf(format=tarfile.GNU_FORMAT)


def _submit(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / "submissions" / name
    path.parent.mkdir()
    path.write_bytes(data)
    return path


def test_a_tar_gz_of_a_gigabyte_of_zeros_is_a_bomb(
    tmp_path: Path, written: list[int], gunzipped: list[int]
) -> None:
    path = _submit(
        tmp_path,
        "bomb.tar.gz",
        gzip.compress(_tar_header(member("zeros.bin"), GiB)) + gzip_of_zeros(GiB),
    )
    outcome, peak = measured(lambda: stage(only_entry(path), tmp_path / "staging"))
    assert "bomb" in str(outcome)
    assert sum(written) == 0
    assert sum(gunzipped) < 1 << 20, "the bomb was unpacked instead of refused from its header"
    assert peak < 8 << 20


def test_a_tar_gz_of_many_files_under_the_file_limit_stops_at_the_total(
    tmp_path: Path, written: list[int], gunzipped: list[int]
) -> None:
    limits = IntakeLimits()
    each = 9 << 20  # each file alone is allowed; 200 of them make 1.8 GB
    zeros = gzip.compress(bytes(each), compresslevel=9)
    path = _submit(
        tmp_path,
        "many.tar.gz",
        b"".join(
            gzip.compress(_tar_header(member(f"part{i}.bin"), each)) + zeros for i in range(200)
        ),
    )
    outcome, peak = measured(lambda: stage(only_entry(path), tmp_path / "staging", limits))
    assert "too big" in str(outcome)
    assert sum(written) == 0
    assert sum(gunzipped) < limits.max_total_bytes + (1 << 20)
    assert peak < 8 << 20


@pytest.mark.parametrize(
    "kind", [tarfile.GNUTYPE_LONGNAME, tarfile.XHDTYPE], ids=["gnu-long-name", "pax-header"]
)
def test_a_gigabyte_long_name_or_pax_header_stops_at_the_stream_cap(
    tmp_path: Path, kind: bytes, gunzipped: list[int]
) -> None:
    # tarfile reads such a header whole into memory: only the capped stream under it stops it
    header = bytearray(_tar_header(member("././@LongLink"), GiB))
    header[156:157] = kind
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header)
    path = _submit(tmp_path, "header.tar.gz", gzip.compress(bytes(header)) + gzip_of_zeros(GiB))
    limits = IntakeLimits()
    outcome, peak = measured(lambda: stage(only_entry(path), tmp_path / "staging", limits))
    assert "unpacks to more than" in str(outcome)
    assert sum(gunzipped) < 2 * limits.max_total_bytes
    assert peak < 4 * limits.max_total_bytes


def test_a_gzip_of_a_gigabyte_of_zeros_and_nothing_else_is_empty(
    tmp_path: Path, gunzipped: list[int]
) -> None:
    path = _submit(tmp_path, "zeros.tar.gz", gzip_of_zeros(GiB))
    with pytest.raises(SubmissionRejected, match="empty"):
        stage(only_entry(path), tmp_path / "staging")
    assert sum(gunzipped) < 1 << 20


def test_a_zip_of_a_gigabyte_of_zeros_is_a_bomb(tmp_path: Path, written: list[int]) -> None:
    path = _submit(
        tmp_path,
        "bomb.zip",
        raw_zip(
            [
                (b"app.py", APP, zipfile.ZIP_STORED, zlib.crc32(APP), len(APP)),
                (b"zeros.bin", deflated_zeros(GiB), zipfile.ZIP_DEFLATED, 0, GiB),
            ]
        ),
    )
    outcome, peak = measured(lambda: stage(only_entry(path), tmp_path / "staging"))
    assert "bomb" in str(outcome)
    assert sum(written) == 0
    assert peak < 8 << 20


def test_a_zip_bomb_that_understates_its_size_unpacks_only_what_it_declares(
    tmp_path: Path, written: list[int]
) -> None:
    # the directory says 1 KB (with the CRC of 1 KB of zeros); the data holds 1 GB of zeros
    declared = 1024
    path = _submit(
        tmp_path,
        "liar.zip",
        raw_zip(
            [
                (b"app.py", APP, zipfile.ZIP_STORED, zlib.crc32(APP), len(APP)),
                (
                    b"zeros.bin",
                    deflated_zeros(GiB),
                    zipfile.ZIP_DEFLATED,
                    zlib.crc32(bytes(declared)),
                    declared,
                ),
            ]
        ),
    )
    dest, peak = measured(lambda: stage(only_entry(path), tmp_path / "staging"))
    assert isinstance(dest, Path), dest
    assert (dest / "zeros.bin").read_bytes() == bytes(declared)
    assert sum(written) == declared + len(APP)
    assert peak < 8 << 20


# -- 100k files: refused after counting max_files + 1, or from the zip's end record -----------


def test_the_zip_builder_makes_zip64_archives_python_reads() -> None:
    with zipfile.ZipFile(io.BytesIO(empty_files_zip(66_000))) as archive:
        assert len(archive.infolist()) == 66_000


@pytest.mark.parametrize("claimed", [None, 10], ids=["honest", "count-lies"])
def test_a_zip_of_100k_files_is_refused_from_its_directory(
    tmp_path: Path, claimed: int | None
) -> None:
    path = _submit(tmp_path, "many.zip", empty_files_zip(100_000, claimed=claimed))
    with pytest.raises(SubmissionRejected, match="too many files"):
        stage(only_entry(path), tmp_path / "staging")
    assert list((tmp_path / "staging").iterdir()) == []


def test_a_tar_gz_of_100k_files_is_refused_after_max_files(
    tmp_path: Path, gunzipped: list[int]
) -> None:
    blob = empty_files_tar(100_000)
    path = _submit(tmp_path, "many.tar.gz", gzip.compress(blob, compresslevel=1))
    limits = IntakeLimits()
    with pytest.raises(SubmissionRejected, match="too many files"):
        stage(only_entry(path), tmp_path / "staging", limits)
    assert sum(gunzipped) < (limits.max_files + 100) * 512, "read past max_files + 1 headers"


def test_a_folder_of_many_files_is_refused_after_max_files(tmp_path: Path) -> None:
    folder = tmp_path / "submissions" / "alice"
    folder.mkdir(parents=True)
    for i in range(60):
        (folder / f"f{i}.py").touch()
    with pytest.raises(SubmissionRejected, match="too many files"):
        stage(only_entry(folder), tmp_path / "staging", IntakeLimits(max_files=50))
    assert list((tmp_path / "staging").iterdir()) == []
