"""Shared fixtures: a throw-away exercise tree, canned results, and a private data folder."""

from __future__ import annotations

import contextlib
import copy
import json
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.results import Result, Status, TestResult, TestStatus

# tests/fixtures/verify-home holds a whole course, grader included: graded by verify, not collected.
collect_ignore = ["fixtures"]

VALID_EXERCISE: dict[str, Any] = {
    "format_version": 1,
    "id": "demo",
    "estimated_minutes": 10,
    "title": "Demo: a tiny JSON API",
    "summary": "One sentence for the list.",
    "topics": ["http", "json"],
    "difficulty": "beginner",
    "time_limit_s": 60,
    "points": 3,
    "hints": ["first hint", "second hint"],
    "app": {"module": "app", "attribute": "app", "startup_timeout_s": 10},
    "limits": {"memory_mb": 256, "cpus": 1.0, "pids": 128, "test_timeout_s": 10},
    "grader": {"private": False},
}

STARTER_APP = "from flask import Flask\n\napp = Flask(__name__)\n# TODO\n"
SOLUTION_APP = "from flask import Flask\n\napp = Flask(__name__)\n"
GRADER = "import pytest\n\n\n@pytest.mark.points(3)\ndef test_x(app):\n    assert True\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def toml_text(data: dict[str, Any]) -> str:
    """Just enough TOML writing for exercise.toml: scalars and lists first, then [tables]."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for key, table in data.items():
        if isinstance(table, dict):
            lines += ["", f"[{key}]"] + [f"{k} = {_toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def make_exercise(
    home: Path,
    slug: str = "demo",
    data: dict[str, Any] | None = None,
    *,
    toml: str | None = None,
    starter: bool = True,
    solution: bool = True,
    readme: bool = True,
    grader: bool = True,
) -> Path:
    """Write exercises/<slug>/ and graders/<slug>/ under `home`; return the exercise folder."""
    folder = home / "exercises" / slug
    folder.mkdir(parents=True)
    text = toml if toml is not None else toml_text(VALID_EXERCISE if data is None else data)
    (folder / "exercise.toml").write_text(text, encoding="utf-8")
    if readme:
        (folder / "README.md").write_text(f"# {slug}\n\nDo the thing.\n", encoding="utf-8")
    for sub, body, wanted in (
        ("starter", STARTER_APP, starter),
        ("solution", SOLUTION_APP, solution),
    ):
        (folder / sub).mkdir()
        if wanted:
            (folder / sub / "app.py").write_text(body, encoding="utf-8")
    graders = home / "graders" / slug
    graders.mkdir(parents=True)
    if grader:
        (graders / "test_x.py").write_text(GRADER, encoding="utf-8")
    return folder


@pytest.fixture(autouse=True)
def private_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Progress is written under XDG_DATA_HOME: never let a test touch the real one."""
    data = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    return data


@pytest.fixture
def sandbox_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root with one valid exercise, `demo`, and SANDBOX_HOME pointing at it."""
    home = tmp_path / "home"
    make_exercise(home, "demo")
    monkeypatch.setenv("SANDBOX_HOME", str(home))
    return home


ResultFactory = Callable[..., Result]


@pytest.fixture
def make_result() -> ResultFactory:
    """A Result with sensible defaults; passing tests=None builds tests that add up to the score."""

    def build(
        status: Status = Status.PASS,
        score: float = 3,
        max_score: float = 3,
        *,
        exercise: str = "demo",
        message: str = "",
        tests: list[TestResult] | None = None,
        infrastructure: bool = False,
        **extra: Any,
    ) -> Result:
        if tests is None:
            tests = [
                TestResult(
                    f"test_{i}",
                    TestStatus.PASSED if i < score else TestStatus.FAILED,
                    1.0 if i < score else 0.0,
                    1.0,
                    "" if i < score else f"test_{i} went wrong",
                )
                for i in range(int(max_score))
            ]
        return Result(
            exercise=exercise,
            status=status,
            score=score,
            max_score=max_score,
            message=message,
            tests=tests,
            infrastructure=infrastructure,
            **extra,
        )

    return build


@pytest.fixture
def exercise_data() -> dict[str, Any]:
    """A fresh, valid exercise.toml as a dict, to break one field at a time."""
    return copy.deepcopy(VALID_EXERCISE)


@pytest.fixture
def exercise_factory() -> Callable[..., Path]:
    """make_exercise(home, slug, data, *, toml=, starter=, solution=, readme=, grader=)."""
    return make_exercise


# -- real Docker, for tests/integration and tests/adversarial ------------------------------------


def own_containers(client: Any) -> list[Any]:
    """Job containers created by this test process (not by other sessions on the engine)."""
    from sandbox.docker_client import LABEL
    from sandbox.runners.docker import OWNER

    return list(client.containers.list(all=True, filters={"label": f"{LABEL}.owner={OWNER}"}))


ENGINE_SOCKET = "/var/run/docker.sock"


class SocketProxy:
    """Forwards a Unix socket to the Docker engine until `cut()` drops every connection."""

    def __init__(self, path: Path) -> None:
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        self.server.listen(64)
        self.path = path
        self.conns: list[socket.socket] = []
        self.lock = threading.Lock()
        self.is_cut = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            with self.lock:
                if self.is_cut:  # accepted in the instant of the cut: the engine is gone
                    client.close()
                    return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(ENGINE_SOCKET)
            with self.lock:
                self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    def cut(self) -> None:
        # A close() alone does not wake a thread blocked in accept(), which would then go on
        # accepting (and forwarding) new connections: a flaky "engine still there".
        with self.lock:
            self.is_cut = True
        with contextlib.suppress(OSError):
            self.path.unlink()
        with contextlib.suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()
        with self.lock:
            for conn in self.conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()


@pytest.fixture
def engine_proxy() -> Iterator[Callable[[Path], SocketProxy]]:
    """A Docker engine reached through a socket the test can cut: an engine that dies, while the
    real one (other tests, other sessions) goes on."""
    made: list[SocketProxy] = []

    def make(path: Path) -> SocketProxy:
        made.append(SocketProxy(path))
        return made[-1]

    yield make
    for proxy in made:
        if not proxy.is_cut:
            proxy.cut()


@pytest.fixture(scope="session")
def docker_client() -> Any:
    from sandbox.docker_client import connect

    return connect()


@pytest.fixture(scope="session")
def runner_image(docker_client: Any) -> str:
    from sandbox import images

    return images.ensure_runner(docker_client, lambda _msg: None)


@pytest.fixture(scope="session")
def docker_runner(docker_client: Any, runner_image: str) -> Iterator[Any]:
    from sandbox.runners.docker import DockerRunner

    yield DockerRunner(docker_client, runner_image)
    leftover = own_containers(docker_client)
    assert not leftover, f"job containers left behind: {[c.name for c in leftover]}"


@pytest.fixture
def no_leftovers(docker_client: Any) -> Iterator[None]:
    yield
    leftover = own_containers(docker_client)
    assert not leftover, f"job containers left behind: {[c.name for c in leftover]}"
