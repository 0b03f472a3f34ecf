"""Staging a zip or a tar: read as streams with hard caps, so a bomb or a 100k-file archive
costs bounded time and memory."""

from __future__ import annotations

import gzip
import os
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, BinaryIO, cast

from sandbox.errors import SubmissionRejected
from sandbox.submissions.rules import (
    DEVICE,
    FIFO,
    LINK,
    ONLY_FILES,
    SPECIAL,
    Inspector,
    IntakeLimits,
    Readable,
    mb,
    mode_problem,
    too_big,
    too_many,
)
from sandbox.submissions.writer import Writer

_DIRECTORY_BYTES_PER_FILE = 1024  # a zip's central directory bigger than this per file is a lie


_TAR_BYTES_PER_MEMBER = 4096  # header, padding and long-name records around each member


def stage_zip(source: Path, dest: Path, limits: IntakeLimits) -> None:
    with _open_archive(source, limits) as (file, size):
        try:
            entries, directory_bytes = _zip_directory(file, size)
            if (
                entries > limits.max_files
                or directory_bytes > limits.max_files * _DIRECTORY_BYTES_PER_FILE
            ):
                raise too_many(limits)
            with zipfile.ZipFile(file) as archive:
                infos = archive.infolist()
                inspector = Inspector(limits, size)
                for index, info in enumerate(infos):
                    inspector.add(
                        info.orig_filename,
                        _zip_is_dir(info),
                        info.file_size,
                        index,
                        _zip_problem(info),
                    )
                writer = Writer(dest, limits, size)
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


def stage_tar(source: Path, dest: Path, limits: IntakeLimits) -> None:
    with _open_archive(source, limits) as (file, size):
        try:
            inspector = Inspector(limits, size)
            with _tar_stream(file, limits) as archive:
                for index, info in enumerate(archive):
                    inspector.add(info.name, info.isdir(), info.size, index, _tar_problem(info))
            planned = {m.index: m for m in inspector.plan()}
            writer = Writer(dest, limits, size)
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


@contextmanager
def _open_archive(path: Path, limits: IntakeLimits) -> Iterator[tuple[BinaryIO, int]]:
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
                f"the archive is too big: {mb(info.st_size)}, more than the "
                f"{mb(limits.max_archive_bytes)} allowed; leave out data and build output"
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
    problem = mode_problem(info.external_attr >> 16)
    if not problem and info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        # bzip2 and LZMA members are decompressed without an output bound by zipfile
        problem = (
            "uses an unsupported compression method; re-create the zip with the standard "
            "(deflate) method"
        )
    return problem


_TAR_PROBLEMS = {
    tarfile.REGTYPE: "",
    tarfile.AREGTYPE: "",
    tarfile.CONTTYPE: "",
    tarfile.DIRTYPE: "",
    tarfile.SYMTYPE: LINK,
    tarfile.LNKTYPE: f"is a hard link; {ONLY_FILES}: replace the link with a copy of the file",
    tarfile.GNUTYPE_SPARSE: f"is a sparse file; {ONLY_FILES}",
    tarfile.CHRTYPE: DEVICE,
    tarfile.BLKTYPE: DEVICE,
    tarfile.FIFOTYPE: FIFO,
}


def _tar_problem(info: tarfile.TarInfo) -> str:
    return _TAR_PROBLEMS.get(info.type, SPECIAL)


class _CappedReader:
    """The decompressed tar stream, counted; reading past `cap` rejects (bombs, huge headers)."""

    def __init__(self, raw: Readable, cap: int, limits: IntakeLimits) -> None:
        self.raw, self.cap, self.limits, self.count = raw, cap, limits, 0

    def read(self, size: int = -1) -> bytes:
        room = self.cap + 1 - self.count
        data = self.raw.read(room if size < 0 else min(size, room))
        self.count += len(data)
        if self.count > self.cap:
            raise too_big(self.limits)
        return data


@contextmanager
def _tar_stream(file: BinaryIO, limits: IntakeLimits) -> Iterator[tarfile.TarFile]:
    """The tar read front to back (gzip or plain, told by its magic), never seeking back."""
    file.seek(0)
    gzipped = file.read(2) == b"\x1f\x8b"
    file.seek(0)
    cap = limits.max_total_bytes + (limits.max_files + 2) * _TAR_BYTES_PER_MEMBER
    with ExitStack() as stack:
        raw: Readable = file
        if gzipped:
            raw = stack.enter_context(gzip.GzipFile(fileobj=file, mode="rb"))
        reader = _CappedReader(raw, cap, limits)
        yield stack.enter_context(tarfile.open(fileobj=cast(IO[bytes], reader), mode="r|"))
