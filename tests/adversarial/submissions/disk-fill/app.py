"""The starter, after filling every writable folder: big files until ENOSPC, then empty files.

What happened is printed, so it shows in the first test's output.
"""

import errno
import os
import time

from starter import app  # noqa: F401

BLOCK = b"\0" * (1 << 20)


def fill(folder):
    written = 0
    try:
        with open(os.path.join(folder, "big.bin"), "wb") as fh:
            while written < (4 << 30):
                fh.write(BLOCK)
                fh.flush()
                written += len(BLOCK)
        outcome = "no error"
    except OSError as exc:
        outcome = errno.errorcode.get(exc.errno, str(exc.errno))
    return f"{written >> 20} MB then {outcome}"


def many_files(folder, budget_s=8.0):
    os.makedirs(folder, exist_ok=True)
    start, n = time.monotonic(), 0
    try:
        while time.monotonic() - start < budget_s:
            for _ in range(1000):
                open(os.path.join(folder, f"f{n}"), "w").close()
                n += 1
        outcome = "no error"
    except OSError as exc:
        outcome = errno.errorcode.get(exc.errno, str(exc.errno))
    return f"{n} files then {outcome}"


for folder in ("/work/app", "/tmp", "/dev/shm"):
    print(f"disk-fill {folder}: {fill(folder)}", flush=True)
for folder in ("/work/app/many", "/tmp/many", "/dev/shm/many"):
    print(f"disk-fill {folder}: {many_files(folder)}", flush=True)
