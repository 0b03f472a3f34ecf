"""The grader of transactions: each test's docstring is what the learner reads."""

import pytest

from sandbox.grading import expect


@pytest.mark.points(1)
def test_requirement_1(app):
    """TODO(author): requirement 1 of the README, in the learner's words"""
    response = app.get("/")
    expect.status(response, 200, why="TODO(author): why requirement 1 matters")


@pytest.mark.points(1)
def test_requirement_2(app):
    """TODO(author): requirement 2 of the README, in the learner's words"""
    response = app.get("/")
    expect.status(response, 200, why="TODO(author): why requirement 2 matters")


@pytest.mark.points(1)
def test_requirement_3(app):
    """TODO(author): requirement 3 of the README, in the learner's words"""
    response = app.get("/")
    expect.status(response, 200, why="TODO(author): why requirement 3 matters")


@pytest.mark.points(1)
def test_requirement_4(app):
    """TODO(author): requirement 4 of the README, in the learner's words"""
    response = app.get("/")
    expect.status(response, 200, why="TODO(author): why requirement 4 matters")


@pytest.mark.points(1)
def test_requirement_5(app):
    """TODO(author): requirement 5 of the README, in the learner's words"""
    response = app.get("/")
    expect.status(response, 200, why="TODO(author): why requirement 5 matters")


@pytest.mark.points(1)
def test_requirement_6(app):
    """TODO(author): requirement 6 of the README, in the learner's words"""
    response = app.get("/")
    expect.status(response, 200, why="TODO(author): why requirement 6 matters")
