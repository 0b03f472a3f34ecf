"""Quotes the app's answer in its messages, as graders do: the text is the learner's."""

import pytest


@pytest.mark.points(1)
def test_the_name_is_milk(app):
    """GET /name answers {"name": "milk"}."""
    name = app.get("/name").json()["name"]
    assert name == "milk", f"GET /name gave the name {name}; expected milk"


@pytest.mark.points(1)
def test_the_app_still_answers(app):
    """GET /name answers 200."""
    assert app.get("/name").status_code == 200


@pytest.mark.points(1)
def test_the_app_answers_json(app):
    """GET /name answers JSON."""
    assert app.get("/name").headers["Content-Type"] == "application/json"
