"""The probe suite: it passes wherever every isolation claim holds, and fails where one does
not. The APIs it runs against differ in nothing HTTP shows, so a "caught" variant is a leak.

Each run also leaves files, a SysV segment and a daemon behind (test_zz_*, last); the next run
fails if it finds any of them.
"""

import ctypes
import os
import signal
import socket
import subprocess
import sys

import requests

BASE = os.environ["API_URL"]
NEEDLE = ("VARIANT" + "-MARKER").encode()  # never written whole in this file
LEFTOVER = "suite-probe-leftover"
DAEMON_PORT = 47321
SHM_KEY = 0x5EED5EED
libc = ctypes.CDLL(None, use_errno=True)


def _processes():
    """(pid, uid, session id) of every process we can see."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            if fields["State"].strip().startswith("Z"):
                continue
            found.append((int(entry), int(fields["Uid"].split()[0]), os.getsid(int(entry))))
        except (OSError, KeyError, ValueError):
            continue
    return found


def _refused(action):
    try:
        action()
    except (PermissionError, ProcessLookupError, FileNotFoundError):
        return True
    return False


def test_the_api_answers():
    assert requests.get(f"{BASE}/ping", timeout=5).json() == {"pong": True}


def test_the_environment_holds_nothing_of_the_grader():
    allowed = {"PATH", "HOME", "LANG", "TMPDIR", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
    extra = {k for k in os.environ if k not in allowed | {"API_URL"} and not k.startswith("PYTEST_")}
    assert not extra, extra
    assert os.getuid() == 10001 and os.getgid() == 10001 and os.getgroups() == []


def test_no_copy_of_an_api_is_readable():
    assert _refused(lambda: os.listdir("/job/grader"))
    assert _refused(lambda: open("/job/job.json").read())
    seen = 0
    for top in ("/job", "/tmp", "/dev/shm", "/work", "/run", "/opt/sandbox"):
        for folder, _, files in os.walk(top):
            for name in files:
                path = os.path.join(folder, name)
                try:
                    with open(path, "rb") as f:
                        data = f.read(2_000_000)
                except OSError:
                    continue
                seen += 1
                assert NEEDLE not in data, f"{path} holds an API's source"
    assert seen > 10  # the walk did read files (ours, the toolkit's)


def test_the_api_and_the_grader_are_out_of_reach():
    mine = os.getuid()
    others = [(pid, uid) for pid, uid, _ in _processes() if uid != mine]
    apis = [pid for pid, uid in others if uid == 10004]
    assert apis, f"no API process seen: {others}"
    cmdlines = set()
    for pid, _ in others:
        for what in ("environ", "maps", "mem", "fd/0", "stack", "syscall"):
            assert _refused(lambda: open(f"/proc/{pid}/{what}", "rb").read(1)), (pid, what)
        assert _refused(lambda: os.listdir(f"/proc/{pid}/fd")), pid
        assert _refused(lambda: os.readlink(f"/proc/{pid}/cwd")), pid
        assert _refused(lambda: os.kill(pid, 0)), pid
        assert _refused(lambda: os.kill(pid, signal.SIGKILL)), pid
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read()
        assert NEEDLE not in cmdline
        if pid in apis:
            cmdlines.add(cmdline)
    assert len(cmdlines) == 1, "the API processes' command lines differ"


def test_the_result_cannot_be_written():
    assert _refused(lambda: open("/job/out/result.json", "w"))
    assert _refused(lambda: open("/proc/1/fd/1", "w"))


def test_nothing_was_left_by_an_earlier_run():
    for folder in ("/tmp", "/dev/shm", "/work", "/dev/mqueue"):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        assert not [n for n in names if n.startswith(LEFTOVER)], folder
    with socket.socket() as s:
        s.settimeout(1)
        assert s.connect_ex(("127.0.0.1", DAEMON_PORT)) != 0, "an earlier run's daemon answers"
    assert libc.shmget(SHM_KEY, 0, 0) == -1, "an earlier run's SysV segment is still there"
    mine, session = os.getuid(), os.getsid(0)
    strays = [pid for pid, uid, sid in _processes() if uid == mine and sid != session]
    assert not strays, f"processes of an earlier run: {strays}"


def test_zz_leave_things_for_the_next_run():
    for folder in ("/tmp", "/dev/shm", "/work"):
        with open(os.path.join(folder, LEFTOVER), "w") as f:
            f.write("I was here")
    locked = f"/tmp/{LEFTOVER}-locked"
    os.makedirs(f"{locked}/inside")
    open(f"{locked}/inside/file", "w").close()
    os.chmod(f"{locked}/inside", 0)
    os.chmod(locked, 0)
    assert libc.shmget(SHM_KEY, 4096, 0o1000 | 0o666) >= 0  # IPC_CREAT
    daemon = (
        "import socket, time; s = socket.socket(); "
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); "
        f"s.bind(('127.0.0.1', {DAEMON_PORT})); s.listen(); time.sleep(120)"
    )
    subprocess.Popen([sys.executable, "-c", daemon], start_new_session=True)
    for _ in range(100):  # the daemon listens (so the next run's check means something)
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", DAEMON_PORT)) == 0:
                break
        import time

        time.sleep(0.05)
    else:
        raise AssertionError("the daemon never listened")
