"""One exception tree for the tool's own failures. Learner outcomes are results, never these.

    SandboxError                 exit code 3 unless a subclass says otherwise
    ├── UsageError               2: bad arguments, unknown exercise, not a workspace
    ├── ExerciseError            2: an exercise definition is broken (names the file and field)
    ├── SubmissionRejected       a submission failed intake (becomes a `rejected` result)
    └── InfrastructureError      3: ours, not the learner's
        ├── DockerUnavailable    no engine reachable
        ├── ImageError           the runner image is missing or failed to build
        ├── RunnerError          a container could not be created, started or read back
        └── BrokerUnavailable    the broker (Redis) stopped answering mid-batch

Every message says what to do next.
"""

from __future__ import annotations


class SandboxError(Exception):
    """Base of every error the tool raises on purpose."""

    exit_code = 3


class UsageError(SandboxError):
    """The command was called wrongly; the message says how to call it."""

    exit_code = 2


class ExerciseError(SandboxError):
    """An exercise definition is invalid."""

    exit_code = 2

    def __init__(self, path: object, problem: str, field: str | None = None) -> None:
        where = f"{path}: {field}" if field else f"{path}"
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.field = field
        self.problem = problem


class SubmissionRejected(SandboxError):
    """A submission failed intake: unsafe or unreadable archive, too large, and so on."""

    exit_code = 1


class InfrastructureError(SandboxError):
    """A failure of ours (Docker, images), distinct from anything the learner did."""

    exit_code = 3


class DockerUnavailable(InfrastructureError):
    """No Docker engine answers."""


class ImageError(InfrastructureError):
    """The runner image is missing, stale or failed to build."""


class RunnerError(InfrastructureError):
    """A job could not be run to a result for reasons of ours."""


class BrokerUnavailable(InfrastructureError):
    """The broker of a distributed batch does not answer; the batch stops, resumable."""
