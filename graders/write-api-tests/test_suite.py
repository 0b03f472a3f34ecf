"""Grader of write-api-tests: the learner's tests are the submission (kind = "tests").

The `suite` fixture runs them against the correct API (apps/correct.py) and against each hidden
buggy variant (apps/variants/), one run at a time in a random order, as the learner's uid, while
the APIs run as another uid (sandbox/grading/suites.py). A variant is caught when the tests do
not pass against it; only a suite that passes against the correct API is credited.
"""

import pytest


@pytest.mark.points(4)
def test_your_tests_pass_against_the_correct_api(suite):
    """Your tests are collected, run and pass against the correct API"""
    suite.expect_passes_on_correct()


@pytest.mark.points(16)
def test_your_tests_catch_the_hidden_buggy_versions(suite, checks):
    """Your tests fail against hidden buggy versions of the API: each one caught earns points"""
    suite.credit_variants(checks)
