"""Forged results: whatever a submission ships or does, it earns what its tests earn.

Every forgery serves the plain http-handler starter (or nothing at all), so the yardstick is
the starter's own result: the same score, status, message and per-test outcomes — never `pass`.
The cases are graded two at a time (2 cores) to keep the suite fast.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from sandbox.results import Result, Status, TestStatus

pytestmark = [pytest.mark.docker, pytest.mark.adversarial]

# case -> what it tries (the folder under submissions/ holds the files)
FORGERIES = {
    "forge-conftest": "conftest.py: hooks forcing every report to passed, deselecting tests",
    "forge-config-files": "pytest.ini, pyproject.toml, setup.cfg, tox.ini with addopts -p plugin",
    "forge-sitecustomize": "sitecustomize.py and usercustomize.py patching pytest on import",
    "forge-pth": "a .pth file importing a hook that writes a forged result",
    "forge-pytest-module": "pytest.py and _pytest.py: a fake pytest whose main() reports full marks",
    "forge-patch-reporting": "patching _pytest.reports and sandbox.grading.plugin at import",
    "forge-result-files": "forged result files in /job/out, /job, /tmp, /work, /run/grader, /dev/shm",
    "forge-print-result": "a result document and a pytest summary printed on stdout and stderr",
    "forge-atexit": "atexit/signal handlers and an escaped daemon rewriting result files",
}


@pytest.fixture(scope="module")
def forged(grade: Callable[..., Result]) -> dict[str, Result]:
    cases = [*FORGERIES, "forge-exit-at-import"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(cases, pool.map(grade, cases), strict=True))


def outcomes(result: Result) -> list[tuple[str, TestStatus, float]]:
    return [(t.name, t.status, t.score) for t in result.tests]


@pytest.mark.parametrize("case", sorted(FORGERIES))
def test_a_forgery_earns_exactly_what_the_starter_earns(
    case: str, forged: dict[str, Result], starter_result: Result
) -> None:
    result = forged[case]
    assert result.status is not Status.PASS
    assert result.status is starter_result.status is Status.FAIL, (case, result.message)
    assert result.score == starter_result.score < result.max_score
    assert result.message == starter_result.message
    assert outcomes(result) == outcomes(starter_result)
    assert result.complete and not result.infrastructure


def test_forged_result_files_could_not_be_written_where_it_counts(
    forged: dict[str, Result],
) -> None:
    told = forged["forge-result-files"].tests[0].output
    report = next(line for line in told.splitlines() if line.startswith("forge-result-files:"))
    for path in ("/job/out/result.json", "/job/out/.result-forged", "/run/grader/result.json"):
        assert f'"{path}": "Permission denied"' in report, report
    assert '"rename into /job/out": "Permission denied"' in report, report
    assert '"/tmp/result.json": "written"' in report, report  # its own folders: harmless


def test_exiting_cleanly_at_import_is_an_app_that_did_not_start(forged: dict[str, Result]) -> None:
    result = forged["forge-exit-at-import"]
    assert result.status is Status.ERROR, result.message
    assert result.message.startswith("Your app did not start, so no test ran")
    assert "the app exited with code 0" in result.message
    assert result.score == 0 and not result.infrastructure
    assert all(t.status is TestStatus.NOT_RUN for t in result.tests)
