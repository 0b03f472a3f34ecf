"""A bug on our side of the line: a hook that raises once the first test is reported."""


def pytest_runtest_logreport(report):
    if report.when == "teardown" and report.nodeid.endswith("test_first"):
        raise RuntimeError("a bug in the grader's own code")
