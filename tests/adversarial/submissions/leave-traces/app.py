"""The starter, plus traces a later job must never see: files and a daemonized process."""

import os
import subprocess
import sys

from starter import app  # noqa: F401

MARKER = "carryover-marker"

left = []
for folder in ("/tmp", "/work", "/work/app", "/dev/shm"):
    try:
        with open(os.path.join(folder, MARKER), "w") as fh:
            fh.write("left by an earlier job\n")
        left.append(folder)
    except OSError as exc:
        print(f"leave-traces: {folder}: {exc.strerror}")

# Double fork + setsid: the daemon outlives the app's process group and keeps writing markers.
pid = os.fork()
if pid == 0:
    os.setsid()
    subprocess.Popen(
        [sys.executable, "-c", f"import time\nwhile True:\n open('/tmp/{MARKER}-daemon','w')\n time.sleep(0.2)  # {MARKER}"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    os._exit(0)
os.waitpid(pid, 0)
print(f"leave-traces: marker files in {' '.join(left)}; daemon started", flush=True)
