import uuid

import pytest


@pytest.mark.points(1)
def test_counts(app, redis):
    """Each POST counts one more hit."""
    name = uuid.uuid4().hex[:8]
    counts = [app.post(f"/hits/{name}").json()["count"] for _ in range(3)]
    assert counts == [1, 2, 3], f"POST /hits/{name} three times answered counts {counts}"


@pytest.mark.points(1)
def test_the_count_is_in_redis(app, redis):
    """The count lives in Redis under hits:<name>."""
    name = uuid.uuid4().hex[:8]
    app.post(f"/hits/{name}")
    app.post(f"/hits/{name}")
    value = redis.client().get(f"hits:{name}")
    assert value == "2", (
        f"after two POST /hits/{name}, Redis key hits:{name} holds {value!r}; expected '2'"
    )


@pytest.mark.points(1)
def test_the_count_expires(app, redis):
    """The key expires within 60 s."""
    name = uuid.uuid4().hex[:8]
    app.post(f"/hits/{name}")
    ttl = redis.client().ttl(f"hits:{name}")
    assert 0 < ttl <= 60, f"Redis key hits:{name} has TTL {ttl}; expected 1..60 seconds"


@pytest.mark.points(1)
def test_the_count_starts_again_a_minute_later(app, redis, clock):
    """61 s later (the grader's clock ages Redis's TTLs), the count starts again at 1."""
    name = uuid.uuid4().hex[:8]
    app.post(f"/hits/{name}")
    app.post(f"/hits/{name}")
    clock.advance(61)
    count = app.post(f"/hits/{name}").json()["count"]
    assert count == 1, f"61 s after the last hit, POST /hits/{name} counted {count}; expected 1"
