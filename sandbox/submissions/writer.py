"""Pass two of intake: the planned files streamed by our own code into the staging folder,
with fixed modes (0644 files, 0755 folders), counting the bytes actually written, so a header
that lies about its size changes nothing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sandbox.errors import InfrastructureError
from sandbox.submissions.rules import IntakeLimits, Member, Readable, check_sizes

_CHUNK = 64 * 1024


class Writer:
    """Pass two: planned members written under `root`, modes fixed, actual bytes counted."""

    def __init__(self, root: Path, limits: IntakeLimits, archive_bytes: int | None) -> None:
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

    def copy(self, member: Member, source: Readable) -> None:
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
                check_sizes(self.limits, self.archive_bytes, member.name, size, self.total)
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
