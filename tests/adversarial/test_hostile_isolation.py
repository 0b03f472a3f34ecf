"""What a submission can reach from inside: privileges, network, the grader, secrets, leftovers.

The facts come from a probe: submissions/probe/app.py really tries each escape (mount, unshare,
ptrace, kill every process, read the grader's files and environment, connect out) and reports
what happened; the probe exercise's grader (probe/graders/probe*) asserts on each report, so the
score says what held. Before the probe, another job leaves files and a daemon behind, to show
none of it reaches the next job.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from docker.models.containers import ContainerCollection

from sandbox.exercises import Exercise
from sandbox.results import Result, Status, TestStatus
from sandbox.runners import Job
from sandbox.runners.docker import DockerRunner

pytestmark = [pytest.mark.docker, pytest.mark.adversarial]

SECRET_VARIABLE = "SANDBOX_ADVERSARIAL_SECRET"


@dataclass
class ProbeRuns:
    traces: Result  # the job that left files and a daemon behind
    probe: Result  # the probe, graded right after it
    hidden: Result  # the probe against an exercise whose grader is hidden


@pytest.fixture(scope="module")
def runs(
    docker_runner: DockerRunner,
    grade: Callable[..., Result],
    stage_case: Callable[..., object],
    probe_exercise: Callable[[str], Exercise],
) -> ProbeRuns:
    traces = grade("leave-traces")
    secret = "adversarial-" + secrets.token_hex(12)
    create = ContainerCollection.create

    def create_with_a_secret(self: ContainerCollection, *args: object, **kwargs: object) -> object:
        environment = dict(kwargs.get("environment") or {})  # type: ignore[call-overload]
        kwargs["environment"] = {**environment, SECRET_VARIABLE: secret}
        return create(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ContainerCollection, "create", create_with_a_secret)
        probe = docker_runner.run(Job(probe_exercise("probe"), stage_case("probe"), "probe"))
    hidden = docker_runner.run(Job(probe_exercise("probe-hidden"), stage_case("probe"), "probe"))
    return ProbeRuns(traces, probe, hidden)


def held(result: Result, *names: str) -> None:
    """Each named probe test passed; otherwise show what the app saw."""
    by_name = {t.name: t for t in result.tests}
    for name in names:
        assert name in by_name, f"no probe test {name}; ran: {sorted(by_name)}"
        test = by_name[name]
        assert test.status is TestStatus.PASSED, f"{name}: {test.status}: {test.message}"


def test_the_probe_run_holds_everywhere(runs: ProbeRuns) -> None:
    assert runs.probe.status is Status.PASS, runs.probe.message
    assert runs.probe.message == f"All {len(runs.probe.tests)} tests passed."
    assert runs.probe.score == runs.probe.max_score == 15


# -- 9. privileges -------------------------------------------------------------------------------


def test_the_app_runs_without_privileges(runs: ProbeRuns) -> None:
    held(
        runs.probe,
        "test_app_runs_as_an_unprivileged_user",  # uid/gid 10001, setuid(0) EPERM
        "test_app_holds_no_capabilities",  # CapEff/CapPrm/CapInh/CapAmb 0
        "test_no_new_privileges_and_seccomp",  # NoNewPrivs 1, Seccomp 2, setuid mount fails
        "test_mount_unshare_chroot_fail",  # EPERM each
        "test_ptrace_of_the_grader_fails",  # PTRACE_ATTACH 1 -> EPERM
    )


# -- 6. network ----------------------------------------------------------------------------------


def test_the_network_is_loopback_only(runs: ProbeRuns) -> None:
    held(
        runs.probe,
        "test_only_the_loopback_interface_exists",
        "test_no_route_off_the_machine",  # connect 1.1.1.1:53 -> ENETUNREACH, nothing sent
        "test_name_resolution_fails",
    )


# -- 8. the grader itself ------------------------------------------------------------------------


def test_the_app_cannot_kill_the_grader(runs: ProbeRuns) -> None:
    held(
        runs.probe,
        "test_no_process_of_the_grader_can_be_killed",  # SIGKILL to each pid -> EPERM
        "test_the_grader_survived_the_kill_attempt",
    )
    assert runs.probe.complete


def test_a_hidden_grader_cannot_be_read(runs: ProbeRuns) -> None:
    assert runs.hidden.status is Status.PASS, runs.hidden.message
    assert runs.hidden.message == "All 3 tests passed."
    held(
        runs.hidden,
        "test_hidden_grader_folder_cannot_be_listed",
        "test_hidden_grader_file_cannot_be_read",
        "test_hidden_grader_text_never_reaches_the_app",
    )
    # The control: the same app reads a grader that is not hidden.
    held(runs.probe, "test_a_visible_grader_is_readable")


def test_the_app_sees_no_secret_of_the_grader(runs: ProbeRuns) -> None:
    held(
        runs.probe,
        "test_app_environment_is_the_allow_list",
        "test_grader_secrets_stay_in_the_grader",  # the injected secret; /proc/1/environ EACCES
    )


# -- 10. files handed back: the learner's side ---------------------------------------------------


def test_the_app_cannot_write_where_the_result_leaves(runs: ProbeRuns) -> None:
    held(runs.probe, "test_job_files_are_out_of_reach")  # /job/out EACCES, job.json EACCES


# -- 12. no carry-over ---------------------------------------------------------------------------


def test_nothing_carries_over_to_the_next_job(runs: ProbeRuns, starter_result: Result) -> None:
    assert runs.traces.status is Status.FAIL, runs.traces.message
    assert runs.traces.score == starter_result.score
    told = runs.traces.tests[0].output
    assert "leave-traces: marker files in /tmp /work /work/app /dev/shm; daemon started" in told
    held(runs.probe, "test_nothing_is_left_by_an_earlier_job")
