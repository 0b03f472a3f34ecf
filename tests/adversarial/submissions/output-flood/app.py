"""The starter, plus two threads writing to stdout and stderr as fast as they can, forever."""

import os
import threading

from starter import app  # noqa: F401

CHUNK = b"flood " * 10922 + b"\n"  # ~64 KB


def flood(fd):
    while True:
        try:
            os.write(fd, CHUNK)
        except OSError:
            pass


for fd in (1, 2):
    threading.Thread(target=flood, args=(fd,), daemon=True).start()
