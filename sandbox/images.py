"""Building and finding the runner image.

Tags carry a hash of their inputs, so a build whose inputs did not change is a no-op:
- base:   `python:3.11-slim` when present or pullable, else `backend-sandbox-base:<hash>` made
          offline by images/base/bootstrap.sh (debootstrap + docker import);
- runner: `backend-sandbox-runner:<hash>` of the base image id, the Dockerfile, the pinned
          requirements and the in-container code (sandbox/grading, results.py, jobspec.py,
          atomic.py, apis.py: standard library only).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import docker.errors
from docker import DockerClient

from sandbox.docker_client import LABEL
from sandbox.errors import ImageError

RUNNER_REPO = "backend-sandbox-runner"
BASE_REPO = "backend-sandbox-base"
OFFICIAL_BASE = "python:3.11-slim"

Log = Callable[[str], None]


@dataclass(frozen=True)
class ImageState:
    role: str  # "base" or "runner"
    tag: str
    exists: bool
    size_mb: float | None
    stale: tuple[str, ...]  # older tags of the same repository


def _images_dir() -> Path:
    """The tool's own images/ (beside the package), whatever course SANDBOX_HOME points at."""
    return Path(__file__).resolve().parent.parent / "images"


def _package_dir() -> Path:
    return Path(__file__).resolve().parent


def _digest(parts: list[bytes]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()[:12]


def _runner_inputs() -> list[tuple[str, Path]]:
    """Every file that goes into the runner image besides the wheels, as (context path, source)."""
    runner = _images_dir() / "runner"
    pkg = _package_dir()
    files = [
        ("Dockerfile", runner / "Dockerfile"),
        ("requirements.txt", runner / "requirements.txt"),
        ("grade.py", runner / "grade.py"),
        ("pg_hba.conf", runner / "pg_hba.conf"),
        ("sandbox/__init__.py", pkg / "__init__.py"),
        ("sandbox/results.py", pkg / "results.py"),
        ("sandbox/jobspec.py", pkg / "jobspec.py"),
        ("sandbox/atomic.py", pkg / "atomic.py"),
        ("sandbox/apis.py", pkg / "apis.py"),
    ]
    for src in sorted((pkg / "grading").rglob("*")):
        if src.is_file() and "__pycache__" not in src.parts:
            files.append((f"sandbox/grading/{src.relative_to(pkg / 'grading').as_posix()}", src))
    return files


def base_tag() -> str:
    script = _images_dir() / "base" / "bootstrap.sh"
    return f"{BASE_REPO}:{_digest([script.read_bytes()])}"


def runner_tag(base_id: str) -> str:
    parts = [base_id.encode()]
    for name, src in _runner_inputs():
        parts += [name.encode(), src.read_bytes()]
    return f"{RUNNER_REPO}:{_digest(parts)}"


def recipe_digest() -> str:
    """Everything the runner image is built from (the base's bootstrap script and the runner's
    inputs), without any machine's image ids: equal on two machines that build the same image."""
    parts = [(_images_dir() / "base" / "bootstrap.sh").read_bytes()]
    for name, src in _runner_inputs():
        parts += [name.encode(), src.read_bytes()]
    return _digest(parts)


def _image_id(client: DockerClient, ref: str) -> str | None:
    try:
        return str(client.images.get(ref).id)
    except docker.errors.ImageNotFound:
        return None


def pull_error(exc: docker.errors.APIError, width: int = 160) -> str:
    """What the engine said about a failed pull, cut at a word boundary: the server's own
    explanation, not the request URL that the SDK's message starts with."""
    said = exc.explanation or str(exc)
    if isinstance(said, bytes):
        said = said.decode("utf-8", errors="replace")
    text = f"{exc.status_code}: {said}" if exc.status_code else str(said)
    return textwrap.shorten(" ".join(text.split()), width, placeholder=" …")


def resolve_base(client: DockerClient, log: Log, build: bool) -> tuple[str, str | None]:
    """(tag, image id or None). Prefer an explicit or official base; else the offline bootstrap."""
    wanted = os.environ.get("SANDBOX_BASE_IMAGE")
    if wanted:
        return wanted, _image_id(client, wanted)
    for ref in (OFFICIAL_BASE, base_tag()):
        image_id = _image_id(client, ref)
        if image_id:
            return ref, image_id
    if not build:
        return base_tag(), None
    try:
        log(f"pulling {OFFICIAL_BASE}")
        client.images.pull(OFFICIAL_BASE)
        return OFFICIAL_BASE, _image_id(client, OFFICIAL_BASE)
    except docker.errors.APIError as exc:
        log(f"cannot pull {OFFICIAL_BASE} ({pull_error(exc)}); bootstrapping a base offline")
    tag = base_tag()
    script = _images_dir() / "base" / "bootstrap.sh"
    log(f"building {tag} with debootstrap (about a minute)")
    proc = subprocess.run(["bash", str(script), tag], capture_output=True, text=True)
    if proc.returncode != 0:
        raise ImageError(
            f"bootstrapping the base image failed:\n{proc.stderr[-2000:]}\n"
            f"Install debootstrap, or make {OFFICIAL_BASE} available (docker load), then retry."
        )
    return tag, _image_id(client, tag)


def wheelhouse(log: Log) -> Path:
    """Wheels for the runner's requirements, downloaded on the host (builds have no network)."""
    req = _images_dir() / "runner" / "requirements.txt"
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "backend-sandbox"
    target = cache / f"wheels-{_digest([req.read_bytes()])}"
    if (target / ".complete").exists():
        return target
    log(f"downloading wheels into {target}")
    target.mkdir(parents=True, exist_ok=True)
    machine = os.uname().machine
    platforms = [
        f"manylinux2014_{machine}",
        f"manylinux_2_17_{machine}",
        f"manylinux_2_28_{machine}",
    ]
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--disable-pip-version-check",
        "--only-binary=:all:",
        "--python-version",
        "3.11",
        "--implementation",
        "cp",
        "--abi",
        "cp311",
        "--no-deps",
        "-r",
        str(req),
        "-d",
        str(target),
    ]
    for platform in platforms:
        cmd += ["--platform", platform]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ImageError(f"downloading wheels failed (is PyPI reachable?):\n{proc.stderr[-2000:]}")
    (target / ".complete").touch()
    return target


def status(client: DockerClient) -> list[ImageState]:
    base_ref, base_id = resolve_base(client, lambda _: None, build=False)
    states = [_state(client, "base", base_ref)]
    if base_id:
        states.append(_state(client, "runner", runner_tag(base_id)))
    else:
        states.append(ImageState("runner", f"{RUNNER_REPO}:<after base>", False, None, ()))
    return states


def _state(client: DockerClient, role: str, tag: str) -> ImageState:
    repo = tag.rsplit(":", 1)[0]
    stale = tuple(sorted(t for img in client.images.list(name=repo) for t in img.tags if t != tag))
    try:
        image = client.images.get(tag)
        size = round(int(image.attrs.get("Size", 0)) / 1e6, 1)
        return ImageState(role, tag, True, size, stale)
    except docker.errors.ImageNotFound:
        return ImageState(role, tag, False, None, stale)


def ensure_runner(client: DockerClient, log: Log) -> str:
    """Build whatever is missing and return the runner tag; does nothing when all is current."""
    base_ref, base_id = resolve_base(client, log, build=True)
    if base_id is None:
        raise ImageError(
            f"the base image {base_ref} is not in the engine: `docker load` or pull it, or unset "
            "SANDBOX_BASE_IMAGE to bootstrap one offline"
        )
    tag = runner_tag(base_id)
    if _image_id(client, tag):
        return tag
    wheels = wheelhouse(log)
    log(f"building {tag}")
    with tempfile.TemporaryDirectory(prefix="sandbox-build-") as ctx_name:
        ctx = Path(ctx_name)
        for name, src in _runner_inputs():
            (ctx / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, ctx / name)
        shutil.copytree(wheels, ctx / "wheels", ignore=shutil.ignore_patterns(".complete"))
        try:
            client.images.build(
                path=str(ctx),
                tag=tag,
                buildargs={"BASE": base_id},
                rm=True,
                forcerm=True,
                # The offline base holds everything; over another base the Dockerfile may have
                # to apt-get the service packages (pip never reaches the network either way).
                network_mode="none" if base_ref == base_tag() else None,
                labels={LABEL: "runner"},
            )
        except docker.errors.BuildError as exc:
            tail = "".join(
                str(chunk.get("stream", chunk.get("error", ""))) for chunk in exc.build_log
            )[-2000:]
            raise ImageError(f"building the runner image failed:\n{tail}") from None
        except docker.errors.APIError as exc:
            raise ImageError(f"building the runner image failed: {exc}") from None
    return tag


def prune(client: DockerClient) -> list[str]:
    """Remove stale base and runner tags (older inputs); ones still in use are kept."""
    removed = []
    for state in status(client):
        for tag in state.stale:
            try:
                client.images.remove(tag)
            except docker.errors.APIError:
                continue  # in use by a container, or shared with a current tag
            removed.append(tag)
    return removed
