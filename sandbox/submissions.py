"""Intake: each entry of a SUBMISSIONS folder becomes a staged, checked copy in a fresh folder.

Everything a submission brings is hostile. An entry is a folder, a `.zip`, or a tar (`.tar.gz`,
`.tgz`, `.tar`); staging it takes two passes:

1. inspect: every member's name, type and declared size is checked (no traversal, no links or
   devices, no case-insensitive duplicates, count/size/depth/ratio limits) before anything is
   written, and the plan is unwrapped when a single top folder holds everything;
2. write: the planned regular files are streamed by our own code into a `mkdtemp` folder, with
   fixed modes (0644 files, 0755 folders), counting the bytes actually decompressed, so a header
   that lies about its size changes nothing.

Archives are read as streams with hard caps, so a bomb or a 100k-file archive costs bounded time
and memory. Any problem is a `SubmissionRejected` whose message says what is wrong and what to do;
a rejected submission leaves nothing behind.
"""

from __future__ import annotations

import csv
import gzip
import os
import re
import shutil
import stat
import struct
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, BinaryIO, Protocol, cast

from sandbox.errors import InfrastructureError, SubmissionRejected, UsageError
from sandbox.runners.jobfiles import MAX_SUBMISSION_BYTES, MAX_SUBMISSION_FILES, SKIP_DIRS


@dataclass(frozen=True)
class Limits:
    """What one submission may bring; `max_files` counts every entry (files and folders)."""

    max_files: int = MAX_SUBMISSION_FILES
    max_total_bytes: int = MAX_SUBMISSION_BYTES  # after decompression
    max_file_bytes: int = 10 * 1024 * 1024
    max_ratio: float = 100.0  # unpacked / archive size, per archive ("bomb")
    max_depth: int = 20
    max_archive_bytes: int = 50 * 1024 * 1024  # the archive file itself
    ratio_floor_bytes: int = 1024 * 1024  # the ratio rule applies once this much is unpacked


@dataclass(frozen=True)
class Entry:
    """One entry of the SUBMISSIONS folder; `problem` is set when discovery already rejects it."""

    student: str
    path: Path
    kind: str  # "folder" | "zip" | "tar" | "unknown"
    problem: str = ""


_STUDENT_ID = re.compile(r"[A-Za-z0-9_@+-][A-Za-z0-9._@+-]{0,99}")
_ARCHIVE_SUFFIXES = ((".tar.gz", "tar"), (".tgz", "tar"), (".tar", "tar"), (".zip", "zip"))
_JUNK_DIRS = SKIP_DIRS | {"__MACOSX"}  # skipped silently, like the packer does later
_DRIVE = re.compile(r"[A-Za-z]:")
_CHUNK = 64 * 1024
_MAX_NAME_BYTES = 1024
_MAX_PART_BYTES = 255
_DIRECTORY_BYTES_PER_FILE = 1024  # a zip's central directory bigger than this per file is a lie
_TAR_BYTES_PER_MEMBER = 4096  # header, padding and long-name records around each member


# -- discovering entries ----------------------------------------------------------------------


def discover(submissions: Path) -> list[Entry]:
    """Every entry of a SUBMISSIONS folder, sorted by student id; dotfiles are ignored.

    Entries that cannot be staged (unknown kind, bad name, a second entry for the same student)
    are still returned, with `problem` set, so the batch can report them as rejected.
    """
    submissions = Path(submissions)
    try:
        names = os.listdir(submissions)
    except FileNotFoundError:
        raise UsageError(
            f"the submissions folder {submissions} does not exist; pass the folder "
            "that holds one folder or archive per student"
        ) from None
    except NotADirectoryError:
        raise UsageError(
            f"{submissions} is not a folder; pass the folder that holds one folder "
            "or archive per student"
        ) from None
    except OSError as exc:
        raise UsageError(
            f"the submissions folder {submissions} cannot be read "
            f"({exc.strerror}); check its permissions"
        ) from None

    found = [
        _classify(submissions / name)
        for name in names
        if not name.startswith(".") and name != "__MACOSX"
    ]
    # Within one student id, an entry we can stage comes first: it is the one that gets graded.
    found.sort(key=lambda e: (e.student.casefold(), e.kind == "unknown", e.path.name))
    first: dict[str, Entry] = {}
    entries = []
    for entry in found:
        other = first.setdefault(entry.student.casefold(), entry)
        if other is not entry:
            entry = replace(
                entry,
                problem=(
                    f"duplicate student id {entry.student!r}: {other.path.name} already uses it; "
                    "keep one folder or archive per student"
                ),
            )
        entries.append(entry)
    return entries


def _classify(path: Path) -> Entry:
    name = path.name
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        return Entry(name, path, "unknown", f"{name} cannot be read ({exc.strerror})")
    if stat.S_ISDIR(mode):
        return Entry(name, path, "folder", _naming_problem(name, name, "folder"))
    student, kind = Path(name).stem or name, "unknown"
    for suffix, archive_kind in _ARCHIVE_SUFFIXES:
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            student, kind = name[: -len(suffix)], archive_kind
            break
    if stat.S_ISLNK(mode):
        return Entry(
            student,
            path,
            "unknown",
            f"{name} is a symlink; put the real folder or archive in the submissions folder",
        )
    if not stat.S_ISREG(mode):
        kind = "unknown"
    return Entry(student, path, kind, _naming_problem(student, name, kind))


def _naming_problem(student: str, name: str, kind: str) -> str:
    if kind not in _STAGERS:
        return (
            f"{name} is not a folder, .zip or .tar.gz; resubmit the project folder as a "
            ".zip or .tar.gz"
        )
    if not _STUDENT_ID.fullmatch(student):
        return (
            f"{name!r} does not make a valid student id (1-100 letters, digits and . _ @ + -,"
            " not starting with '.'); rename the entry"
        )
    return ""


# -- staging ----------------------------------------------------------------------------------


def stage(entry: Entry, staging_root: Path, limits: Limits = Limits()) -> Path:
    """Stage `entry` into a new folder under `staging_root`; return that folder.

    Raises SubmissionRejected with a short reason; a rejected entry leaves nothing behind.
    """
    problem = entry.problem or _naming_problem(entry.student, entry.path.name, entry.kind)
    if problem:
        raise SubmissionRejected(problem)
    staging_root = Path(staging_root)
    staging_root.mkdir(parents=True, exist_ok=True)
    dest = Path(tempfile.mkdtemp(prefix=f"{entry.student}-", dir=staging_root))
    try:
        _STAGERS[entry.kind](Path(entry.path), dest, limits)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return dest


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


@dataclass(frozen=True)
class _Member:
    name: str  # as the submission spells it, for messages
    parts: tuple[str, ...]  # where it lands, relative to the staged root
    is_dir: bool
    index: int  # position in the source's own listing


class _Inspector:
    """Pass one: every member checked, before anything is written; the result is the plan."""

    def __init__(self, limits: Limits, archive_bytes: int | None) -> None:
        self.limits = limits
        self.archive_bytes = archive_bytes
        self.count = 0
        self.declared = 0
        self.members: list[_Member] = []
        self._seen: dict[str, tuple[str, bool]] = {}  # casefolded path -> (spelling, is folder)

    def add(self, name: str, is_dir: bool, size: int, index: int, problem: str = "") -> bool:
        """Check one member; False when it is skipped (cache and macOS files, the root itself)."""
        self.count += 1
        if self.count > self.limits.max_files:
            raise _too_many(self.limits)
        parts = _safe_parts(name)
        if not parts and is_dir:
            return False  # "./", the archive's own root
        if not parts:
            raise SubmissionRejected(
                f"unsafe path {_show(name)}: a file with an empty name; "
                "re-create the archive from inside your project folder"
            )
        if _is_junk(parts, is_dir):
            return False
        if problem:
            raise SubmissionRejected(f"{_show(name)} {problem}")
        if len(parts) > self.limits.max_depth:
            raise SubmissionRejected(
                f"{_show(name)} is nested too deep (more than {self.limits.max_depth} folders); "
                "flatten the project and resubmit"
            )
        self._claim(parts, is_dir)
        if not is_dir:
            self.declared += size
            _check_sizes(self.limits, self.archive_bytes, name, size, self.declared)
        self.members.append(_Member(name, parts, is_dir, index))
        return True

    def _claim(self, parts: tuple[str, ...], is_dir: bool) -> None:
        """Reject two members landing on one path, even when only their letter case differs."""
        for depth in range(1, len(parts) + 1):
            path = "/".join(parts[:depth])
            as_dir = is_dir or depth < len(parts)
            previous = self._seen.get(path.casefold())
            if previous is None:
                self._seen[path.casefold()] = (path, as_dir)
            elif previous != (path, True) or not as_dir:  # the same folder again is fine
                what = (
                    f"{_show(path)} twice"
                    if previous[0] == path
                    else f"both {_show(previous[0])} and {_show(path)}, which differ only in "
                    "letter case and clash on Windows and macOS"
                )
                raise SubmissionRejected(
                    f"duplicate path: the submission holds {what}; keep one and resubmit"
                )

    def plan(self) -> list[_Member]:
        """The checked members, unwrapped from a single top folder; rejects an empty submission."""
        if not any(not m.is_dir for m in self.members):
            raise SubmissionRejected(
                "the submission is empty: it holds no files (only folders "
                "or cache files); submit your project's source files"
            )
        return _unwrap(self.members)


def _unwrap(members: list[_Member]) -> list[_Member]:
    """Strip one folder that wraps everything (`alice/app.py`), unless it is a Python package."""
    tops = {m.parts[0] for m in members}
    if len(tops) != 1:
        return members
    top = tops.pop()
    if any(m.parts == (top,) and not m.is_dir for m in members):
        return members  # a single file at the root
    if any(m.parts == (top, "__init__.py") for m in members):
        return members  # `app/__init__.py`: the package is the app, keep it whole
    return [replace(m, parts=m.parts[1:]) for m in members if len(m.parts) > 1]


def _safe_parts(name: str) -> tuple[str, ...]:
    """The path components of a member name, or a rejection when the name is unsafe."""
    why = ""
    if not name:
        why = "an empty name"
    elif "\x00" in name:
        why = "a NUL byte in the name"
    elif any(ord(c) < 32 or ord(c) == 127 for c in name):
        why = "a control character in the name"
    elif "\\" in name:
        why = "a backslash (Windows separator) in the name"
    elif name.startswith("/"):
        why = "an absolute path"
    elif _DRIVE.match(name):
        why = "a drive letter"
    if not why:
        try:
            encoded = name.encode("utf-8")
        except UnicodeEncodeError:
            encoded, why = b"", "a name that is not valid UTF-8"
        parts = tuple(p for p in name.split("/") if p not in ("", "."))
        if ".." in parts:
            why = "a '..' component that climbs out of the submission"
        elif len(encoded) > _MAX_NAME_BYTES or any(
            len(p.encode("utf-8", "surrogateescape")) > _MAX_PART_BYTES for p in parts
        ):
            why = "a name that is too long"
        if not why:
            return parts
    raise SubmissionRejected(
        f"unsafe path {_show(name)}: {why}; re-create the archive from "
        "inside your project folder with your system's zip tool"
    )


def _is_junk(parts: tuple[str, ...], is_dir: bool) -> bool:
    folders = parts if is_dir else parts[:-1]
    if any(p in _JUNK_DIRS for p in folders):
        return True
    return not is_dir and (parts[-1] == ".DS_Store" or parts[-1].startswith("._"))


def _check_sizes(
    limits: Limits, archive_bytes: int | None, name: str, file_bytes: int, total: int
) -> None:
    """The size rules, applied to declared sizes first and then to the bytes actually read."""
    if (
        archive_bytes is not None
        and total > limits.ratio_floor_bytes
        and total > limits.max_ratio * archive_bytes
    ):
        raise SubmissionRejected(
            f"looks like a decompression bomb: the archive ({_mb(archive_bytes)}) unpacks to more "
            f"than {limits.max_ratio:g} times its size; submit only your project's source files"
        )
    if file_bytes > limits.max_file_bytes:
        raise SubmissionRejected(
            f"{_show(name)} is too big: more than {_mb(limits.max_file_bytes)} for one file; "
            "leave out data files and build output"
        )
    if total > limits.max_total_bytes:
        raise _too_big(limits)


def _too_big(limits: Limits) -> SubmissionRejected:
    return SubmissionRejected(
        f"too big: the submission unpacks to more than {_mb(limits.max_total_bytes)}; "
        "leave out data files, virtualenvs and build output"
    )


def _too_many(limits: Limits) -> SubmissionRejected:
    return SubmissionRejected(
        f"too many files: more than {limits.max_files} files and folders; leave out "
        "virtualenvs, node_modules, data and build output, then resubmit"
    )


class _Writer:
    """Pass two: planned members written under `root`, modes fixed, actual bytes counted."""

    def __init__(self, root: Path, limits: Limits, archive_bytes: int | None) -> None:
        self.root = root
        self.limits = limits
        self.archive_bytes = archive_bytes
        self.total = 0
        self._made: set[tuple[str, ...]] = {()}

    def mkdir(self, parts: tuple[str, ...]) -> None:
        for depth in range(1, len(parts) + 1):
            if parts[:depth] not in self._made:
                path = self.root.joinpath(*parts[:depth])
                with self._our_fault():
                    os.mkdir(path, 0o755)
                    os.chmod(path, 0o755)  # whatever the umask says
                self._made.add(parts[:depth])

    def copy(self, member: _Member, source: _Readable) -> None:
        self.mkdir(member.parts[:-1])
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        with self._our_fault():
            fd = os.open(self.root.joinpath(*member.parts), flags, 0o644)
        try:
            with self._our_fault():
                os.fchmod(fd, 0o644)
            size = 0
            while chunk := source.read(_CHUNK):
                size += len(chunk)
                self.total += len(chunk)
                _check_sizes(self.limits, self.archive_bytes, member.name, size, self.total)
                view = memoryview(chunk)
                while view:
                    with self._our_fault():
                        view = view[os.write(fd, view) :]
        finally:
            os.close(fd)

    @contextmanager
    def _our_fault(self) -> Iterator[None]:
        """A failure to write the staged copy is ours (disk full), not the learner's."""
        try:
            yield
        except OSError as exc:
            raise InfrastructureError(
                f"could not write the staged copy in {self.root} ({exc.strerror}); check the "
                "free space and permissions of the staging folder"
            ) from exc


# -- sources: a folder, a zip, a tar ----------------------------------------------------------


def _stage_folder(source: Path, dest: Path, limits: Limits) -> None:
    try:
        if not stat.S_ISDIR(os.lstat(source).st_mode):
            raise SubmissionRejected(f"{source.name} is not a folder; resubmit it as one")
    except OSError as exc:
        raise SubmissionRejected(f"{source.name} cannot be read ({exc.strerror})") from None
    inspector = _Inspector(limits, archive_bytes=None)
    found: list[tuple[Path, tuple[int, int]]] = []  # path and (device, inode) seen in pass one
    stack = [source]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                children = sorted(listing, key=lambda child: child.name)
            for child in children:
                info = child.stat(follow_symlinks=False)
                rel = Path(child.path).relative_to(source).as_posix()
                is_dir = stat.S_ISDIR(info.st_mode)
                found.append((Path(child.path), (info.st_dev, info.st_ino)))
                if (
                    inspector.add(
                        rel, is_dir, info.st_size, len(found) - 1, _mode_problem(info.st_mode)
                    )
                    and is_dir
                ):
                    stack.append(Path(child.path))
        except OSError as exc:
            raise SubmissionRejected(
                f"{folder.relative_to(source).as_posix() or '.'} in "
                f"{source.name} cannot be read ({exc.strerror})"
            ) from None
    writer = _Writer(dest, limits, archive_bytes=None)
    for member in inspector.plan():
        if member.is_dir:
            writer.mkdir(member.parts)
            continue
        path, identity = found[member.index]
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            raise SubmissionRejected(
                f"{_show(member.name)} cannot be read ({exc.strerror}); "
                "it must be a regular file, not a symlink"
            ) from None
        with os.fdopen(fd, "rb") as file:
            info = os.fstat(fd)
            if (info.st_dev, info.st_ino) != identity or not stat.S_ISREG(info.st_mode):
                raise SubmissionRejected(
                    f"{_show(member.name)} changed while it was being "
                    "copied; stage the submission again"
                )
            writer.copy(member, file)


def _stage_zip(source: Path, dest: Path, limits: Limits) -> None:
    with _open_archive(source, limits) as (file, size):
        try:
            entries, directory_bytes = _zip_directory(file, size)
            if (
                entries > limits.max_files
                or directory_bytes > limits.max_files * _DIRECTORY_BYTES_PER_FILE
            ):
                raise _too_many(limits)
            with zipfile.ZipFile(file) as archive:
                infos = archive.infolist()
                inspector = _Inspector(limits, size)
                for index, info in enumerate(infos):
                    inspector.add(
                        info.orig_filename,
                        _zip_is_dir(info),
                        info.file_size,
                        index,
                        _zip_problem(info),
                    )
                writer = _Writer(dest, limits, size)
                for member in inspector.plan():
                    if member.is_dir:
                        writer.mkdir(member.parts)
                    else:
                        with archive.open(infos[member.index]) as data:
                            writer.copy(member, data)
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            OSError,
            ValueError,
            NotImplementedError,
        ) as exc:
            raise SubmissionRejected(
                f"not a readable zip ({exc}); re-create it with your system's zip tool and resubmit"
            ) from None


def _stage_tar(source: Path, dest: Path, limits: Limits) -> None:
    with _open_archive(source, limits) as (file, size):
        try:
            inspector = _Inspector(limits, size)
            with _tar_stream(file, limits) as archive:
                for index, info in enumerate(archive):
                    inspector.add(info.name, info.isdir(), info.size, index, _tar_problem(info))
            planned = {m.index: m for m in inspector.plan()}
            writer = _Writer(dest, limits, size)
            with _tar_stream(file, limits) as archive:
                for index, info in enumerate(archive):
                    if not planned:
                        break
                    member = planned.pop(index, None)
                    if member is None:
                        continue
                    if info.name != member.name or info.isdir() != member.is_dir:
                        raise tarfile.ReadError("the archive changed while it was read")
                    if member.is_dir:
                        writer.mkdir(member.parts)
                    else:
                        data = archive.extractfile(info)
                        if data is None:
                            raise tarfile.ReadError(f"{member.name} cannot be read as a file")
                        writer.copy(member, data)
            if planned:
                raise tarfile.ReadError("the archive changed while it was read")
        except (tarfile.TarError, zlib.error, EOFError, OSError) as exc:
            raise SubmissionRejected(
                f"not a readable tar.gz ({exc}); re-create it with `tar -czf` or submit a .zip"
            ) from None


_STAGERS: dict[str, Callable[[Path, Path, Limits], None]] = {
    "folder": _stage_folder,
    "zip": _stage_zip,
    "tar": _stage_tar,
}


@contextmanager
def _open_archive(path: Path, limits: Limits) -> Iterator[tuple[BinaryIO, int]]:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise SubmissionRejected(
            f"{path.name} cannot be opened ({exc.strerror}); it must be a regular file, not a link"
        ) from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SubmissionRejected(f"{path.name} is not a regular file; submit a .zip or .tar.gz")
        if info.st_size > limits.max_archive_bytes:
            raise SubmissionRejected(
                f"the archive is too big: {_mb(info.st_size)}, more than the "
                f"{_mb(limits.max_archive_bytes)} allowed; leave out data and build output"
            )
        yield file, info.st_size


_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")  # its zip64 version, just before the locator
_ZIP64_LOCATOR = struct.Struct("<4sLQL")


def _zip_directory(file: BinaryIO, size: int) -> tuple[int, int]:
    """(entries, bytes) of the central directory, from the end record, before parsing any entry."""
    start = max(0, size - (_EOCD.size + 0xFFFF))
    file.seek(start)
    tail = file.read()
    at = tail.rfind(b"PK\x05\x06", 0, max(0, len(tail) - _EOCD.size + 4))  # a whole record
    if at < 0:
        raise zipfile.BadZipFile("no end-of-archive record")
    _, _, _, _, entries, directory_bytes, _, _ = _EOCD.unpack_from(tail, at)
    if entries == 0xFFFF or directory_bytes == 0xFFFFFFFF:
        before = start + at - _ZIP64_LOCATOR.size - _ZIP64_EOCD.size
        if before < 0:
            raise zipfile.BadZipFile("zip64 end record missing")
        file.seek(before)
        block = file.read(_ZIP64_EOCD.size + _ZIP64_LOCATOR.size)
        if (
            len(block) < _ZIP64_EOCD.size + _ZIP64_LOCATOR.size
            or block[:4] != b"PK\x06\x06"
            or block[_ZIP64_EOCD.size :][:4] != b"PK\x06\x07"
        ):
            raise zipfile.BadZipFile("zip64 end record missing")
        fields = _ZIP64_EOCD.unpack_from(block)
        entries, directory_bytes = fields[7], fields[8]
    return int(entries), int(directory_bytes)


def _zip_is_dir(info: zipfile.ZipInfo) -> bool:
    return info.orig_filename.endswith("/") or stat.S_ISDIR(info.external_attr >> 16)


def _zip_problem(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x1:
        return "is encrypted (password-protected); submit an archive without a password"
    problem = _mode_problem(info.external_attr >> 16)
    if not problem and info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        # bzip2 and LZMA members are decompressed without an output bound by zipfile
        problem = (
            "uses an unsupported compression method; re-create the zip with the standard "
            "(deflate) method"
        )
    return problem


_ONLY_FILES = "submissions may hold only regular files and folders"
_LINK = f"is a symlink; {_ONLY_FILES}: replace the link with a copy of what it points to"
_DEVICE = f"is a device file; {_ONLY_FILES}"
_FIFO = f"is a FIFO (named pipe); {_ONLY_FILES}"
_SPECIAL = f"is not a regular file or folder; {_ONLY_FILES}"
_TAR_PROBLEMS = {
    tarfile.REGTYPE: "",
    tarfile.AREGTYPE: "",
    tarfile.CONTTYPE: "",
    tarfile.DIRTYPE: "",
    tarfile.SYMTYPE: _LINK,
    tarfile.LNKTYPE: f"is a hard link; {_ONLY_FILES}: replace the link with a copy of the file",
    tarfile.GNUTYPE_SPARSE: f"is a sparse file; {_ONLY_FILES}",
    tarfile.CHRTYPE: _DEVICE,
    tarfile.BLKTYPE: _DEVICE,
    tarfile.FIFOTYPE: _FIFO,
}
_MODE_PROBLEMS = {
    0: "",
    stat.S_IFREG: "",
    stat.S_IFDIR: "",
    stat.S_IFLNK: _LINK,
    stat.S_IFCHR: _DEVICE,
    stat.S_IFBLK: _DEVICE,
    stat.S_IFIFO: _FIFO,
}


def _tar_problem(info: tarfile.TarInfo) -> str:
    return _TAR_PROBLEMS.get(info.type, _SPECIAL)


def _mode_problem(mode: int) -> str:
    """What is wrong with a file of this st_mode (0, as zips from Windows have, is a file)."""
    return _MODE_PROBLEMS.get(stat.S_IFMT(mode), _SPECIAL)


class _CappedReader:
    """The decompressed tar stream, counted; reading past `cap` rejects (bombs, huge headers)."""

    def __init__(self, raw: _Readable, cap: int, limits: Limits) -> None:
        self.raw, self.cap, self.limits, self.count = raw, cap, limits, 0

    def read(self, size: int = -1) -> bytes:
        room = self.cap + 1 - self.count
        data = self.raw.read(room if size < 0 else min(size, room))
        self.count += len(data)
        if self.count > self.cap:
            raise _too_big(self.limits)
        return data


@contextmanager
def _tar_stream(file: BinaryIO, limits: Limits) -> Iterator[tarfile.TarFile]:
    """The tar read front to back (gzip or plain, told by its magic), never seeking back."""
    file.seek(0)
    gzipped = file.read(2) == b"\x1f\x8b"
    file.seek(0)
    cap = limits.max_total_bytes + (limits.max_files + 2) * _TAR_BYTES_PER_MEMBER
    with ExitStack() as stack:
        raw: _Readable = file
        if gzipped:
            raw = stack.enter_context(gzip.GzipFile(fileobj=file, mode="rb"))
        reader = _CappedReader(raw, cap, limits)
        yield stack.enter_context(tarfile.open(fileobj=cast(IO[bytes], reader), mode="r|"))


def _show(name: str) -> str:
    return repr(name if len(name) <= 80 else name[:77] + "...")


def _mb(size: float) -> str:
    if size < 2**20:
        return f"{size / 1024:.0f} KB" if size >= 1024 else f"{size:.0f} bytes"
    mb = size / 2**20
    return f"{mb:.0f} MB" if mb >= 10 or mb == int(mb) else f"{mb:.1f} MB"


# -- the roster -------------------------------------------------------------------------------


_ROSTER_COLUMNS = ("student", "id", "email")


def read_roster(path: Path) -> list[str]:
    """Student ids from a CSV roster: the `student` column (or `id`, or `email`), in file order."""
    path = Path(path)
    ids: list[str] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            rows = csv.reader(file, strict=True)
            header = next((row for row in rows if any(cell.strip() for cell in row)), None)
            if header is None:
                raise UsageError(
                    f"the roster {path} is empty; it needs a header line with a "
                    "'student' column and one student per line"
                )
            names = [cell.strip().lower() for cell in header]
            column = next((names.index(c) for c in _ROSTER_COLUMNS if c in names), None)
            if column is None:
                raise UsageError(
                    f"the roster {path} has no 'student' column (nor 'id' or "
                    f"'email'); its header is {', '.join(header)!r}: add one"
                )
            first_line: dict[str, int] = {}
            for row in rows:
                if not any(cell.strip() for cell in row):
                    continue
                where = f"{path}, line {rows.line_num}"
                student = row[column].strip() if column < len(row) else ""
                if not _STUDENT_ID.fullmatch(student):
                    raise UsageError(
                        f"{where}: {student!r} is not a valid student id (1-100 "
                        "letters, digits and . _ @ + -, not starting with '.')"
                    )
                line = first_line.setdefault(student.casefold(), rows.line_num)
                if line != rows.line_num:
                    raise UsageError(
                        f"{where}: {student!r} is listed twice (first on line "
                        f"{line}); keep one line per student"
                    )
                ids.append(student)
    except FileNotFoundError:
        raise UsageError(
            f"the roster {path} does not exist; pass a CSV file with a 'student' column"
        ) from None
    except UnicodeDecodeError:
        raise UsageError(f"the roster {path} is not UTF-8 text; export it as 'CSV UTF-8'") from None
    except csv.Error as exc:
        raise UsageError(f"the roster {path} is not valid CSV ({exc}); export it again") from None
    except OSError as exc:
        raise UsageError(f"the roster {path} cannot be read ({exc.strerror})") from None
    if not ids:
        raise UsageError(f"the roster {path} lists no students; add one per line under the header")
    return ids
