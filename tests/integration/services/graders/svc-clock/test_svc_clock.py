import pytest


@pytest.mark.points(1)
def test_a_fresh_token_is_valid(app, clock):
    """A token just issued is valid."""
    token = app.post("/tokens").json()["token"]
    assert app.get(f"/check/{token}").status_code == 200


@pytest.mark.points(1)
def test_the_apps_clock_is_the_graders(app, clock):
    """(The toolkit) the app's time follows the grader's clock."""
    clock.advance(3600)
    expires_at = app.post("/tokens").json()["expires_at"]
    assert abs(expires_at - (clock.now() + 60)) < 5, (expires_at, clock.now())


@pytest.mark.points(1)
def test_a_token_expires_after_60_s(app, clock):
    """61 s later (on the app's clock), the token is refused with 401."""
    token = app.post("/tokens").json()["token"]
    clock.advance(59)
    assert app.get(f"/check/{token}").status_code == 200, "59 s after issue the token was refused"
    clock.advance(2)
    r = app.get(f"/check/{token}")
    assert r.status_code == 401, (
        f"61 s after issue GET /check/<token> answered {r.status_code}; expected 401"
    )
