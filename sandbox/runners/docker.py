"""Grade a job in a fresh, hardened container: copied in, never bind-mounted; always removed.

Inside: the grader runs as root holding only SETUID/SETGID/KILL (to start, reach and stop the
learner's app); the app runs as LEARNER_UID with no capabilities. The job streams in on the
grader's stdin as a tar; the result leaves as nonce-tagged lines on the grader's stdout (read
from the container's log), with /job/out/result.json, root-only, as the fallback.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import socket
import tarfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import docker.errors
import requests
from docker import DockerClient
from docker.models.containers import Container
from docker.types import LogConfig, Mount, Ulimit
from urllib3.exceptions import HTTPError

from sandbox.docker_client import LABEL
from sandbox.errors import RunnerError, SubmissionRejected
from sandbox.exercises import Exercise
from sandbox.grading import channel
from sandbox.grading.serviceconf import POSTGRES_RUN_DIR, POSTGRES_UID
from sandbox.jobspec import Limits
from sandbox.results import Result, truncate
from sandbox.runners import Job
from sandbox.runners.finalize import RunEnd, finalize, rejected
from sandbox.runners.jobfiles import job_archive, job_spec
from sandbox.runners.seccomp import profile_json

LEARNER_UID = 10001
RESULT_PATH = "/job/out/result.json"
GRADER_COMMAND = [
    "/opt/venv/bin/python",
    "-I",
    "-B",
    "/opt/sandbox/grade.py",
    "--stdin",
    "/job/job.json",
]
RESULT_CAP = 2 * 1024 * 1024
LOG_CAP = 64 * 1024
WORK_TMPFS_INODES = 16384  # files + folders the app may create under /work
SMALL_TMPFS_INODES = 4096  # the same for /tmp and /dev/shm
START_SLACK_S = 5.0  # container start and interpreter start-up, on top of the exercise's limit
SERVE_PORT = 5000
SERVE_COMMAND = [
    "/opt/venv/bin/python",
    "-I",
    "-B",
    "-c",
    "import sys; sys.path.insert(0, '/opt/sandbox'); from sandbox.grading.serve import main; "
    "sys.exit(main(['/job/job.json']))",
]
WARM_IDLE_S = 300.0  # a prepared container nobody used exits by itself after this
OWNER = f"{socket.gethostname()}:{os.getpid()}"

ISOLATIONS = {"runc": None, "gvisor": "runsc"}
# The network namespace's own TCP buffer sizes (min, default, max bytes), namespaced since Linux
# 4.15. With SO_SNDBUF/SO_RCVBUF refused by our seccomp profile they cap every socket: on cgroup
# v1 no memory cgroup is charged for socket buffers (measured: 510 never-read loopback
# connections took 2 GB of host TCP memory with the host's defaults, +85 MB with these).
TCP_BUFFERS = {"net.ipv4.tcp_rmem": "4096 32768 65536", "net.ipv4.tcp_wmem": "4096 16384 65536"}


def hardening(
    limits: Limits, isolation: str = "runc", services: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The container settings that hold the learner in: the same for every job of an exercise.

    Under gVisor the sandbox's own kernel holds socket memory inside the container's limit and
    applies its own syscall filter: our seccomp profile and sysctls are for runc.
    """
    kernel: dict[str, Any] = (
        {"security_opt": ["no-new-privileges", f"seccomp={profile_json()}"], "sysctls": TCP_BUFFERS}
        if isolation == "runc"
        else {"security_opt": ["no-new-privileges"]}
    )
    # Every writable folder is memory, charged to the container: sizes AND inode counts
    # are capped, so filling them is ENOSPC for the learner, not an OOM for the grader
    # (an empty file costs no block but ~1 KB of kernel memory). /dev/shm replaces
    # Docker's own 64 MB one, which had no inode cap.
    tmpfs = {
        "/tmp": f"rw,nosuid,nodev,noexec,size={limits.tmpfs_mb // 4}m,"
        f"nr_inodes={SMALL_TMPFS_INODES},mode=1777",
        "/dev/shm": f"rw,nosuid,nodev,noexec,size={limits.tmpfs_mb // 4}m,"
        f"nr_inodes={SMALL_TMPFS_INODES},mode=1777",
        "/work": f"rw,nosuid,nodev,noexec,size={limits.tmpfs_mb}m,"
        f"nr_inodes={WORK_TMPFS_INODES},uid={LEARNER_UID},gid={LEARNER_UID},mode=0755",
        "/run/grader": "rw,nosuid,nodev,noexec,size=8m,nr_inodes=4096,mode=0700",
    }
    if "postgres" in services:
        # The server's data and socket (sandbox/grading/services/): its uid owns it, root's
        # group may enter it (the grader's superuser socket), the learner's uid may not.
        tmpfs[str(POSTGRES_RUN_DIR)] = (
            f"rw,nosuid,nodev,noexec,size={limits.services_tmpfs_mb}m,nr_inodes=8192,"
            f"uid={POSTGRES_UID},gid=0,mode=0750"
        )
    return {
        "network_mode": "none",
        "mem_limit": f"{limits.memory_mb}m",
        "memswap_limit": f"{limits.memory_mb}m",
        "nano_cpus": int(limits.cpus * 1e9),
        "pids_limit": limits.pids,
        "read_only": True,
        "tmpfs": tmpfs,
        "mounts": [Mount(target="/job", source=None, type="volume")],
        "cap_drop": ["ALL"],
        "cap_add": ["SETUID", "SETGID", "KILL"],
        **kernel,
        "user": "0:0",
        "ulimits": [
            Ulimit(name="core", soft=0, hard=0),
            Ulimit(name="nofile", soft=1024, hard=1024),
        ],
        "log_config": LogConfig(type="json-file", config={"max-size": "1m", "max-file": "1"}),
    }


@dataclass
class Warm:
    """A grading container created and started ahead of its job: the interpreter and pytest are
    loaded and it waits on stdin. It takes ONE job and is then removed (never reused: isolation
    is unchanged); an idle one exits by itself after WARM_IDLE_S."""

    exercise: Exercise
    container: Container
    stdin: Any  # the attached socket
    since: float


class DockerRunner:
    """The default runner: one fresh container per job (optionally started ahead: `prepare`)."""

    name = "docker"

    def __init__(self, client: DockerClient, image: str, isolation: str = "runc") -> None:
        if isolation not in ISOLATIONS:
            raise RunnerError(
                f"unknown isolation {isolation!r}; choose one of {', '.join(ISOLATIONS)}"
            )
        self.client = client
        self.image = image
        self.isolation = isolation
        self._active: set[Container] = set()
        self._warm: set[Container] = set()
        self._lock = threading.Lock()

    @property
    def label(self) -> str:
        return f"{self.name}:{self.isolation}"

    def prepare(self, exercise: Exercise) -> Warm:
        """A container for the next job of `exercise`, started now (watch mode: while the
        learner edits). Hand it to `run(job, warm=...)`, or `discard` it."""
        command = [*GRADER_COMMAND[:-1], "--idle-timeout", f"{WARM_IDLE_S:g}", GRADER_COMMAND[-1]]
        container = self._create(exercise, "warm", command)
        with self._lock:
            self._warm.add(container)
        try:
            stdin = self._start(container, exercise.limits)
        except RunnerError:
            self.discard(Warm(exercise, container, None, time.monotonic()))
            raise
        return Warm(exercise, container, stdin, time.monotonic())

    def discard(self, warm: Warm) -> None:
        """Remove a prepared container that will not be used."""
        with self._lock:
            self._warm.discard(warm.container)
        if warm.stdin is not None:
            with contextlib.suppress(OSError):
                getattr(warm.stdin, "_sock", warm.stdin).close()
        _remove(warm.container)

    def run(self, job: Job, warm: Warm | None = None) -> Result:
        """Grade `job` in a fresh container, or in `warm` (prepared for the same exercise)."""
        started = time.monotonic()
        nonce = secrets.token_hex(16)  # tags the grader's result lines; only job.json holds it
        spec = job_spec(
            job,
            submission="/job/submission",
            grader="/job/grader",
            workdir="/work/app",
            result_file=RESULT_PATH,
            learner_uid=LEARNER_UID,
            nonce=nonce,
        )
        try:
            archive = job_archive(job, spec)
        except SubmissionRejected as exc:
            if warm is not None:
                self.discard(warm)
            return rejected(job, str(exc), RunEnd(started), runner=self.label, image=self.image)
        if warm is not None and warm.exercise != job.exercise:
            self.discard(warm)  # prepared for another exercise (or other limits): not this job's
            warm = None
        if warm is not None:
            container, stdin = warm.container, warm.stdin
            with self._lock:
                self._warm.discard(container)
                self._active.add(container)
        else:
            container = self._create(job.exercise, job.submission_id, GRADER_COMMAND)
            with self._lock:
                self._active.add(container)
        try:
            if warm is None:
                stdin = self._start(container, job.exercise.limits)
            return self._grade(job, container, stdin, archive, nonce, started)
        except (
            docker.errors.DockerException,
            requests.RequestException,
            HTTPError,
            OSError,
        ) as exc:
            # the engine went away while the job ran (a stream cut mid-read is urllib3's own)
            raise RunnerError(f"Docker failed while grading: {_short(exc)}") from None
        finally:
            with self._lock:
                self._active.discard(container)
            _remove(container)

    def serve(self, job: Job, port: int, out: Callable[[str], None]) -> int:
        """`sandbox run`: the learner's app served on 127.0.0.1:`port` from the same image,
        user boundary and limits as grading (but with a network, to be reachable), its output
        passed to `out`, until Ctrl-C; the container is removed however it ends."""
        spec = job_spec(
            job,
            submission="/job/submission",
            grader="/job/grader",
            workdir="/work/app",
            result_file=RESULT_PATH,
            learner_uid=LEARNER_UID,
        )
        archive = job_archive(job, spec)
        container = self._create(job.exercise, "run", SERVE_COMMAND, port=port)
        try:
            try:
                stdin = self._start(container, job.exercise.limits)
            except PortInUse:
                raise RunnerError(
                    f"port {port} is already in use on this machine (another `sandbox run`, or "
                    f"another server): stop it, or choose another port with --port {port + 1}"
                ) from None
            raw = getattr(stdin, "_sock", stdin)
            raw.sendall(archive)
            raw.close()
            for chunk in container.logs(stream=True, follow=True):
                out(chunk.decode("utf-8", errors="replace"))
            return int(container.wait().get("StatusCode", 0))
        finally:
            _remove(container)

    def alive(self) -> bool:
        """Does the engine still answer? (After a failure: ours, or the whole engine gone?)"""
        try:
            return bool(self.client.ping())
        except (docker.errors.APIError, requests.RequestException):
            return False

    def cancel(self) -> None:
        """Kill every job container this runner has running (a batch being interrupted)."""
        with self._lock:
            active = list(self._active)
        for container in active:
            with contextlib.suppress(docker.errors.APIError, requests.RequestException):
                container.kill()

    def close(self) -> None:
        """Kill running jobs and remove every prepared container: nothing left behind."""
        self.cancel()
        with self._lock:
            warm = list(self._warm)
            self._warm.clear()
        for container in warm:
            _remove(container)

    # -- steps ----------------------------------------------------------------------------------

    def _create(
        self, exercise: Exercise, submission_id: str, command: list[str], port: int = 0
    ) -> Container:
        options: dict[str, Any] = {
            "image": self.image,
            # Not detached + stdin_open is how the SDK sets StdinOnce: the grader's stdin closes
            # when our attachment does. We never attach stdout; results come from the log.
            "detach": False,
            **hardening(exercise.limits, self.isolation, exercise.services.names),
            "command": command,
            "stdin_open": True,
            "environment": {"HOME": "/run/grader", "TMPDIR": "/run/grader"},
            "labels": {
                LABEL: "job",
                f"{LABEL}.owner": OWNER,
                f"{LABEL}.exercise": exercise.slug,
                f"{LABEL}.submission": submission_id[:100],
            },
            "name": f"sandbox-{exercise.slug}-{uuid.uuid4().hex[:10]}",
        }
        if port:  # `sandbox run`: reachable from this machine only, at 127.0.0.1:port
            options["network_mode"] = "bridge"
            options["ports"] = {f"{SERVE_PORT}/tcp": ("127.0.0.1", port)}
        runtime = ISOLATIONS[self.isolation]
        if runtime:
            options["runtime"] = runtime
        try:
            return self.client.containers.create(**options)
        except docker.errors.ImageNotFound:
            raise RunnerError(
                f"the runner image {self.image} is missing: run `sandbox images build`"
            ) from None
        except (docker.errors.APIError, requests.RequestException) as exc:
            raise RunnerError(
                f"Docker could not create a grading container: {_short(exc)}"
            ) from None

    def _start(self, container: Container, limits: Limits) -> Any:
        """Attach to the grader's stdin, then start it; the attached socket is returned.

        The job is sent on that socket only after this returns, so the per-container TCP limit
        set here is in force before any learner code exists.
        """
        try:
            stdin = self.client.api.attach_socket(
                str(container.id), params={"stdin": 1, "stream": 1}
            )
            container.start()
        except (docker.errors.APIError, requests.RequestException, OSError) as exc:
            if any(s in str(exc) for s in ("port is already allocated", "address already in use")):
                raise PortInUse(f"Docker could not publish the port: {_short(exc)}") from None
            raise RunnerError(
                f"Docker could not start the grading container: {_short(exc)}"
            ) from None
        if self.isolation == "runc":
            cap_tcp_memory(str(container.id), limits)
        return stdin

    def _grade(
        self,
        job: Job,
        container: Container,
        stdin: Any,
        archive: bytes,
        nonce: str,
        started: float,
    ) -> Result:
        deadline = job.exercise.time_limit_s + START_SLACK_S
        try:
            # The job goes in on stdin while the interpreter starts (or, warm, has started):
            # `put_archive` would cost a mount and a helper process in the daemon for every job.
            raw = getattr(stdin, "_sock", stdin)
            raw.sendall(archive)
            raw.close()  # stdin_once: closing the attachment is the grader's EOF
        except (docker.errors.APIError, requests.RequestException, OSError) as exc:
            raise RunnerError(
                f"Docker could not start the grading container: {_short(exc)}"
            ) from None
        timed_out = False
        try:
            container.wait(timeout=deadline)
        except (requests.ReadTimeout, requests.ConnectionError):
            timed_out = True
            with contextlib.suppress(docker.errors.APIError):  # it may have just finished
                container.kill()
        try:
            container.reload()
        except (docker.errors.APIError, requests.RequestException) as exc:
            raise RunnerError(f"Docker lost the grading container: {_short(exc)}") from None
        state = container.attrs.get("State", {})
        result = _parse(channel.find(_stdout(container), nonce)) or _parse(_read_result(container))
        end = RunEnd(
            started,
            timed_out=timed_out,
            oom_killed=bool(state.get("OOMKilled")),
            no_result=""
            if result
            else f"(container exit code {state.get('ExitCode')})\n{truncate(_logs(container), 1500)}",
        )
        return finalize(job, result, end, runner=self.label, image=self.image)


TCP_CGROUP_FILES = (
    "/sys/fs/cgroup/memory/docker/{id}/memory.kmem.tcp.limit_in_bytes",  # cgroupfs driver
    "/sys/fs/cgroup/memory/system.slice/docker-{id}.scope/memory.kmem.tcp.limit_in_bytes",
)


class PortInUse(RunnerError):
    """`sandbox run`'s port is taken on the host."""


def cap_tcp_memory(container_id: str, limits: Limits) -> bool:
    """cgroup v1 charges socket buffers to no memory cgroup, and Docker 20.10 never sets the
    cgroup's own TCP limit (KernelMemoryTCP is accepted and ignored): set it here, to half the
    job's memory, so pids x nofile x buffers cannot take host memory. False where there is no
    such file (cgroup v2 charges sockets to the memory limit; a remote engine; gVisor)."""
    value = str(limits.memory_mb * 2**20 // 2)
    for pattern in TCP_CGROUP_FILES:
        path = pattern.format(id=container_id)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            os.write(fd, value.encode())
            return True
        except OSError:
            return False
        finally:
            os.close(fd)
    return False


def _parse(document: str | None) -> Result | None:
    """A result document, strictly parsed; None for anything else (garbled, cut, wrong schema)."""
    if document is None:
        return None
    try:
        return Result.from_json(document)
    except (ValueError, KeyError, TypeError):
        return None


def _read_result(container: Container) -> str | None:
    """The result file, read as hostile: one regular file, size-capped; anything else is None."""
    try:
        stream, stat = container.get_archive(RESULT_PATH)
    except (docker.errors.NotFound, docker.errors.APIError, requests.RequestException):
        return None
    if stat is None or int(stat.get("size", 0)) > RESULT_CAP or stat.get("linkTarget"):
        return None
    buf = io.BytesIO()
    for chunk in stream:
        buf.write(chunk)
        if buf.tell() > RESULT_CAP + 64 * 1024:
            return None
    buf.seek(0)
    try:
        with tarfile.open(fileobj=buf, mode="r:") as tar:
            members = tar.getmembers()
            if len(members) != 1 or not members[0].isreg() or members[0].size > RESULT_CAP:
                return None
            fh = tar.extractfile(members[0])
            return fh.read(RESULT_CAP).decode("utf-8") if fh else None
    except (tarfile.TarError, UnicodeDecodeError):
        return None


def _stdout(container: Container) -> bytes:
    """The grader's stdout (bounded by the json-file log's max-size), where results are published."""
    try:
        raw = container.logs(stdout=True, stderr=False)
    except (docker.errors.APIError, requests.RequestException):
        return b""
    return bytes(raw[-RESULT_CAP:])


def _logs(container: Container) -> str:
    try:
        raw = container.logs(stdout=True, stderr=True, tail=200)
    except (docker.errors.APIError, requests.RequestException):
        return ""
    return bytes(raw[-LOG_CAP:]).decode("utf-8", errors="replace")


def _remove(container: Container) -> None:
    try:
        container.remove(force=True, v=True)
    except docker.errors.NotFound:
        pass
    except (docker.errors.APIError, requests.RequestException):
        pass  # reaped by the next run's `reap_orphans`


def reap_orphans(client: DockerClient) -> int:
    """Remove job containers whose owning process on this host is gone (killed mid-run)."""
    host = socket.gethostname()
    removed = 0
    try:
        containers = client.containers.list(all=True, filters={"label": f"{LABEL}=job"})
    except (docker.errors.APIError, requests.RequestException):
        return 0
    for container in containers:
        owner_host, _, pid = container.labels.get(f"{LABEL}.owner", "").rpartition(":")
        if owner_host != host:
            continue  # another machine's job on a shared engine: not ours to judge
        if pid.isdigit() and int(pid) > 0 and _alive(int(pid)):
            continue
        _remove(container)
        removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
