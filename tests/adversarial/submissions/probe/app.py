"""A hostile app that reports what it can see and do inside the grading container.

Graded with the probe exercise (tests/adversarial/probe): each grader test calls one endpoint
and asserts on the facts it returns, so the score shows what held. Every attempt here is real:
it really tries to mount, unshare, ptrace, kill every process it sees, write the result file.
Nothing leaves the machine: with no interface but loopback, a connect fails before sending.
"""

import ctypes
import errno
import os
import signal
import socket
import subprocess
import sys

from flask import Flask, jsonify

app = Flask(__name__)
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
libc.ptrace.restype = ctypes.c_long

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWNET = 0x00020000, 0x10000000, 0x40000000
PTRACE_ATTACH = 16


def outcome(fn, *args):
    """'ok' or the errno name of the OSError the call raised."""
    try:
        fn(*args)
    except OSError as exc:
        return errno.errorcode.get(exc.errno, str(exc.errno)) if exc.errno else str(exc)
    return "ok"


def c_outcome(ret):
    """'ok' or the errno name for a libc call that returns -1 on failure."""
    if ret == -1:
        return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))
    return "ok"


def read(path, limit=4096):
    with open(path, "rb") as fh:
        return fh.read(limit).decode("utf-8", "replace")


def pids():
    return sorted(int(p) for p in os.listdir("/proc") if p.isdigit())


def owner(pid):
    try:
        for line in read(f"/proc/{pid}/status").splitlines():
            if line.startswith("Uid:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


@app.get("/alive")
def alive():
    return jsonify(pid=os.getpid())


@app.get("/self")
def self_facts():
    status = {}
    for line in read("/proc/self/status").splitlines():
        key, _, value = line.partition(":")
        if key in {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp"}:
            status[key] = value.strip()
    os.makedirs("/tmp/probe-mnt", exist_ok=True)
    setuid_mount = subprocess.run(
        ["/usr/bin/mount", "-t", "tmpfs", "none", "/tmp/probe-mnt"],
        capture_output=True,
        text=True,
        check=False,
    )
    return jsonify(
        uid=os.getuid(),
        euid=os.geteuid(),
        gid=os.getgid(),
        groups=os.getgroups(),
        status=status,
        setuid0=outcome(os.setuid, 0),
        setgid0=outcome(os.setgid, 0),
        setuid_binary={"code": setuid_mount.returncode, "stderr": setuid_mount.stderr[-300:]},
        ppid=os.getppid(),
    )


@app.get("/escape")
def escape():
    os.makedirs("/tmp/probe-mnt", exist_ok=True)
    return jsonify(
        mount=c_outcome(libc.mount(b"none", b"/tmp/probe-mnt", b"tmpfs", 0, None)),
        unshare_user=c_outcome(libc.unshare(CLONE_NEWUSER)),
        unshare_mount=c_outcome(libc.unshare(CLONE_NEWNS)),
        unshare_net=c_outcome(libc.unshare(CLONE_NEWNET)),
        ptrace_pid1=c_outcome(libc.ptrace(PTRACE_ATTACH, 1, None, None)),
        ptrace_parent=c_outcome(libc.ptrace(PTRACE_ATTACH, os.getppid(), None, None)),
        chroot=outcome(os.chroot, "/tmp"),
    )


@app.get("/net")
def net():
    lines = read("/proc/net/dev").splitlines()[2:]
    connect = {}
    for family, address in (
        (socket.AF_INET, ("1.1.1.1", 53)),
        (socket.AF_INET6, ("2606:4700:4700::1111", 53)),
    ):
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(3)
            connect[address[0]] = outcome(s.connect, address)
    try:
        resolved = [a[4][0] for a in socket.getaddrinfo("example.com", 443)]
    except OSError as exc:
        resolved = f"{type(exc).__name__}: {exc}"
    try:  # glibc asks netlink, which the runc profile refuses (EPERM)
        interfaces = [name for _, name in socket.if_nameindex()]
    except OSError as exc:
        interfaces = errno.errorcode.get(exc.errno, str(exc.errno))
    return jsonify(
        if_nameindex=interfaces,
        proc_net_dev=[line.split(":")[0].strip() for line in lines if ":" in line],
        routes=read("/proc/net/route").splitlines()[1:],
        connect=connect,
        resolve=resolved,
    )


@app.get("/env")
def env():
    environ_files = {}
    for pid in pids():
        if pid != os.getpid():
            environ_files[pid] = outcome(read, f"/proc/{pid}/environ")
    return jsonify(environ=dict(os.environ), other_environ=environ_files)


@app.get("/job")
def job():
    def listing(path):
        try:
            return sorted(os.listdir(path))
        except OSError as exc:
            return errno.errorcode.get(exc.errno, str(exc.errno))

    def write(path):
        def attempt():
            with open(path, "w") as fh:
                fh.write('{"schema_version": 1, "status": "pass"}')

        return outcome(attempt)

    grader_files = {}
    for name in ("test_probe.py", "test_probe_hidden.py"):
        try:
            grader_files[name] = {"read": "ok", "head": read(f"/job/grader/{name}", 300)}
        except OSError as exc:
            grader_files[name] = {"read": errno.errorcode.get(exc.errno, str(exc.errno))}
    return jsonify(
        listing={p: listing(p) for p in ("/job", "/job/out", "/job/grader", "/run/grader")},
        job_json=outcome(read, "/job/job.json"),
        grader_files=grader_files,
        writes={
            p: write(p)
            for p in (
                "/job/out/result.json",
                "/job/out/forged.json",
                "/job/result.json",
                "/job/submission/app.py",
                "/run/grader/result.json",
                "/opt/sandbox/forged.py",
            )
        },
    )


@app.post("/kill")
def kill_everything():
    """SIGKILL every process this app can see that is not its own; report what each did."""
    me = os.getuid()
    report = {}
    for pid in pids():
        if pid == os.getpid():
            continue
        uid = owner(pid)
        if uid == me:
            report[pid] = {"uid": uid, "result": "own, skipped"}
            continue
        report[pid] = {"uid": uid, "result": outcome(os.kill, pid, signal.SIGKILL)}
    # kill(-1): every process the caller may signal, in one call (never itself, never pid 1).
    report[-1] = {"uid": None, "result": outcome(os.kill, -1, signal.SIGKILL)}
    return jsonify(report)


@app.get("/leftovers")
def leftovers():
    names = []
    for top in ("/tmp", "/work", "/dev/shm", "/dev/mqueue"):
        for folder, dirs, files in os.walk(top):
            names += [os.path.join(folder, n) for n in dirs + files]
    commands = {}
    for pid in pids():
        try:
            commands[pid] = read(f"/proc/{pid}/cmdline").replace("\0", " ")
        except OSError:
            commands[pid] = "?"
    return jsonify(files=names, processes=commands, python=sys.executable)
