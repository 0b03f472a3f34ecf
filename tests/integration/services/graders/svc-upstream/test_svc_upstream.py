import uuid

import pytest


def prices(request):
    return 200, {"item": request.path.rsplit("/", 1)[-1], "price": len(request.path)}


@pytest.mark.points(1)
def test_the_answer_comes_from_the_upstream(app, upstreams):
    """GET /price/<item> answers what the upstream said."""
    upstreams[0].handler = prices
    item = uuid.uuid4().hex[:8]
    body = app.get(f"/price/{item}").json()
    assert body["item"] == item and body["price"] == len(f"/price/{item}"), body


@pytest.mark.points(1)
def test_a_second_request_is_cached(app, upstreams):
    """Two requests for one item make one upstream call."""
    upstreams[0].handler = prices
    item = uuid.uuid4().hex[:8]
    app.get(f"/price/{item}")
    app.get(f"/price/{item}")
    assert upstreams[0].count == 1, (
        f"two GET /price/{item} made {upstreams[0].count} upstream calls; expected 1"
    )


@pytest.mark.points(1)
def test_a_dead_upstream_is_skipped(app, upstreams):
    """With the first upstream down, the second answers."""
    upstreams[0].kill()
    upstreams[1].handler = prices
    item = uuid.uuid4().hex[:8]
    r = app.get(f"/price/{item}")
    assert r.status_code == 200 and upstreams[1].count == 1, (r.status_code, r.text)
