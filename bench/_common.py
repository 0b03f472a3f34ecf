"""Shared by the benchmarks: a job folder a bare `docker run` can mount, and its flags."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sandbox.exercises import Exercise
from sandbox.runners import Job
from sandbox.runners.docker import hardening
from sandbox.runners.jobfiles import job_spec, submission_files


def timed(cmd: list[str]) -> float:
    """Wall time of one command; exits with its error output if it fails."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(
            f"command failed ({proc.returncode}): {shlex.join(cmd)[:300]}\n{proc.stderr[-2000:]}"
        )
    return elapsed


def bare_job_dir(ex: Exercise, submission: Path, target: Path) -> Path:
    """/job as the runner lays it out, as a host folder for `docker run -v DIR:/job`."""
    (target / "out").mkdir(parents=True)
    for rel, path in submission_files(submission):
        (target / "submission" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / "submission" / rel)
    shutil.copytree(ex.grader_dir, target / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    spec = job_spec(
        Job(ex, submission),
        submission="/job/submission",
        grader="/job/grader",
        workdir="/work/app",
        result_file="/job/out/result.json",
        learner_uid=10001,
    )
    (target / "job.json").write_text(spec.to_json())
    return target


def docker_run_flags(ex: Exercise) -> list[str]:
    """The runner's own hardening (runners/docker.py), as `docker run` flags."""
    h = hardening(ex.limits, services=ex.services.names)
    flags = [
        "--rm",
        "--network",
        h["network_mode"],
        f"--memory={h['mem_limit']}",
        f"--memory-swap={h['memswap_limit']}",
        f"--cpus={h['nano_cpus'] / 1e9:g}",
        f"--pids-limit={h['pids_limit']}",
        "--read-only",
        "--user",
        h["user"],
    ]
    for path, options in h["tmpfs"].items():
        flags += ["--tmpfs", f"{path}:{options}"]
    flags += [f"--cap-drop={c}" for c in h["cap_drop"]] + [f"--cap-add={c}" for c in h["cap_add"]]
    for option in h["security_opt"]:
        if option.startswith("seccomp="):  # the CLI takes a profile's path, the API its JSON
            profile = Path(tempfile.mkdtemp(prefix="bench-seccomp-")) / "profile.json"
            profile.write_text(option.removeprefix("seccomp="))
            option = f"seccomp={profile}"
        flags.append(f"--security-opt={option}")
    flags += [f"--sysctl={name}={value}" for name, value in h.get("sysctls", {}).items()]
    flags += [f"--ulimit={u['Name']}={u['Soft']}:{u['Hard']}" for u in h["ulimits"]]
    flags += ["--log-opt", "max-size=1m", "--log-opt", "max-file=1"]
    return flags
