"""The learner's second process, `[worker] module`: started, stopped and killed by the grader."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading

from sandbox.grading.learner_app import LearnerApp, _Output, _tail_note
from sandbox.grading.services._process import kill_group

_WORKER_LAUNCH = """\
import os, resource, runpy, sys
try:
    with open('/proc/self/oom_score_adj', 'w') as f:
        f.write('1000')
except OSError:
    pass
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
module, on_host = sys.argv[1], sys.argv[2] == '1'
if on_host:
    import ctypes, signal
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)
sys.argv = [module]
sys.path.insert(0, os.getcwd())
runpy.run_module(module, run_name='__main__', alter_sys=True)
"""


class Worker:
    """The learner's second process (`[worker] module`), run like the app: same uid, same env."""

    def __init__(self, app: LearnerApp, module: str) -> None:
        self.app = app
        self.module = module
        self._proc: subprocess.Popen[bytes] | None = None
        self._output = _Output()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self._proc is None else self._proc.poll()

    def start(self) -> None:
        if self.running:
            return
        on_host = self.app.spec.learner_uid is None
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _WORKER_LAUNCH, self.module, "1" if on_host else "0"],
            cwd=self.app.workdir,
            env=self.app._env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **self.app._user_kwargs(),
        )
        threading.Thread(target=self._output.pump, args=(self._proc.stdout,), daemon=True).start()

    def stop(self, grace_s: float = 3.0) -> None:
        """SIGTERM, then SIGKILL after `grace_s`: how a deployment stops a worker."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            kill_group(proc)

    def kill(self) -> None:
        """SIGKILL, mid-job: what a crash looks like to the rest of the system."""
        kill_group(self._proc)

    def output(self, since: int = 0) -> str:
        return self._output.text(since)

    def output_mark(self) -> int:
        return self._output.mark()

    def describe_exit(self) -> str:
        code = self.returncode
        if code is None:
            return "the worker is running"
        return f"the worker exited with code {code}" + _tail_note(self.output())
