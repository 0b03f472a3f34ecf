import pytest


@pytest.mark.points(1)
def test_first(app):
    assert app.get("/name").status_code == 200


@pytest.mark.points(1)
def test_second(app):
    assert app.get("/name").status_code == 200


@pytest.mark.points(1)
def test_third(app):
    assert app.get("/name").status_code == 200
