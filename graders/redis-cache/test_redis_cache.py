"""Grader for redis-cache: cache-aside in a real Redis in front of a slow catalog the grader runs.

Contract (exercises/redis-cache/README.md): GET /products/<id> answers the catalog's product,
cached under product:<id> with a TTL of at most 60 s and X-Cache: HIT/MISS; errors are passed on
and never cached; PUT /products/<id> writes through to the catalog and invalidates the key; ten
concurrent cold requests make one catalog call.

Mutants (`sandbox verify redis-cache --mutants`) that survive are equivalent: the lock's timeout
and blocking_timeout (10 -> 11, 5 -> 6: the README promises neither, only answers within 5 s);
get_json(silent=False) on PUT (the grader, like the README, only sends JSON objects there); the
catalog calls' timeout (3 -> 4 s); decode_responses (json.loads reads bytes as well); the error
answer's message (its body is the learner's).
"""

import json
import threading

import pytest

from sandbox.grading import burst, expect, responses, unique, unique_int


class Catalog:
    """The grader's catalog service: products by id, GET and PUT, every call counted."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.products = {}
        self.lock = threading.Lock()
        upstream.handler = self.handle

    def add(self):
        product_id = unique("p")
        product = {"id": product_id, "name": unique("name"), "price": unique_int(100, 100_000)}
        self.products[product_id] = product
        return product

    def handle(self, request):
        parts = request.path.strip("/").split("/")
        if len(parts) != 2 or parts[0] != "products":
            return 404, {"error": f"no route {request.path}"}
        product_id = parts[1]
        with self.lock:
            if request.method == "PUT":
                body = request.json()
                if not isinstance(body, dict):
                    return 400, {"error": "a JSON object, please"}
                self.products[product_id] = {**body, "id": product_id}
                return 200, self.products[product_id]
            if product_id not in self.products:
                return 404, {"error": f"no product {product_id}"}
            return 200, self.products[product_id]

    def gets(self, product_id):
        """How many times the app asked the catalog for this product."""
        path = f"/products/{product_id}"
        return sum(1 for c in self.upstream.calls if c.method == "GET" and c.path == path)


@pytest.fixture
def catalog(upstreams):
    return Catalog(upstreams[0])


def get_product(app, product):
    r = app.get(f"/products/{product['id']}")
    expect.status(r, 200, why="the catalog has this product")
    body = expect.json_body(r)
    if body != product:
        expect.fail(
            r, f"the catalog's product {json.dumps(product)}", "the cache must not change it"
        )
    return r


def cached_twice(app, catalog, product):
    """Read a product twice; the second read must be a hit (later checks build on the cache)."""
    get_product(app, product)
    r = get_product(app, product)
    calls = catalog.gets(product["id"])
    assert calls == 1, (
        f"two GET /products/{product['id']} made {calls} catalog calls; expected 1 (this test "
        f"needs a working cache first: see the test of the second read)"
    )
    return r


def x_cache(r, wanted):
    value = r.headers.get("X-Cache", "").strip().upper()
    if value != wanted:
        expect.fail(
            r,
            f"the header X-Cache: {wanted} (got {r.headers.get('X-Cache')!r})",
            "X-Cache tells clients and operators whether the cache answered",
        )


@pytest.mark.points(1)
def test_a_product_comes_from_the_catalog(app, catalog):
    """GET /products/<id> answers 200 with the catalog's product as JSON."""
    get_product(app, catalog.add())


@pytest.mark.points(2)
def test_the_second_read_is_a_hit(app, catalog):
    """A first read is X-Cache: MISS; a second is X-Cache: HIT, same body, no second catalog call."""
    product = catalog.add()
    x_cache(get_product(app, product), "MISS")
    x_cache(get_product(app, product), "HIT")
    calls = catalog.gets(product["id"])
    assert calls == 1, (
        f"two GET /products/{product['id']} made {calls} calls to the catalog; expected 1: the "
        f"second must be answered from Redis"
    )


@pytest.mark.points(1)
def test_the_cache_lives_in_redis(app, catalog, redis):
    """After a read, Redis holds the product's JSON under product:<id>."""
    product = catalog.add()
    get_product(app, product)
    key = f"product:{product['id']}"
    value = redis.client().get(key)
    assert value is not None, (
        f"after GET /products/{product['id']}, Redis has no key {key}; keys now: "
        f"{sorted(redis.client().keys('*'))[:10]}. The cache must live in Redis (shared by every "
        f"process of the app), not in the app's memory"
    )
    try:
        stored = json.loads(value)
    except ValueError:
        stored = None
    assert stored == product, (
        f"Redis key {key} holds {value[:200]!r}; expected the catalog's JSON body "
        f"{json.dumps(product)}"
    )


@pytest.mark.points(1)
def test_the_key_has_a_ttl(app, catalog, redis):
    """The cached key expires: its TTL is between 1 and 60 seconds."""
    product = catalog.add()
    get_product(app, product)
    key = f"product:{product['id']}"
    ttl = redis.client().ttl(key)
    assert 0 < ttl <= 60, (
        f"Redis key {key} has TTL {ttl} (-1: none, -2: no such key); expected 1..60 seconds. "
        f"Without a TTL a cached copy can stay stale forever"
    )


@pytest.mark.points(1)
def test_an_expired_entry_is_fetched_again(app, catalog, clock):
    """61 s after a read (on the app's clock), the next read is a MISS that asks the catalog again."""
    product = catalog.add()
    cached_twice(app, catalog, product)
    clock.advance(61)
    product["price"] += 1  # the catalog changed meanwhile
    r = get_product(app, product)
    x_cache(r, "MISS")
    calls = catalog.gets(product["id"])
    assert calls == 2, (
        f"GET /products/{product['id']} 61 s after the first made {calls} catalog calls in all; "
        f"expected 2: the entry expired"
    )


@pytest.mark.points(2)
def test_a_write_invalidates_the_cache(app, catalog, redis):
    """PUT /products/<id> goes to the catalog; the next GET is fresh, never the stale copy."""
    product = catalog.add()
    cached_twice(app, catalog, product)
    changed = {"id": product["id"], "name": unique("renamed"), "price": product["price"] + 7}
    r = app.put(f"/products/{product['id']}", json=changed)
    expect.status(r, 200, why="the catalog accepted the write")
    puts = [c for c in catalog.upstream.calls if c.method == "PUT"]
    assert puts and puts[-1].json() == changed, (
        f"PUT /products/{product['id']} with {json.dumps(changed)} sent the catalog "
        f"{[c.body[:200] for c in puts]}; expected one PUT with the same JSON body"
    )
    r = get_product(app, changed)  # fails with the stale copy
    x_cache(r, "MISS")


@pytest.mark.points(1)
def test_products_are_cached_apart(app, catalog):
    """Two products are cached under their own keys: each read answers its own product."""
    first, second = catalog.add(), catalog.add()
    for product in (first, second, first, second):
        get_product(app, product)
    counts = {p["id"]: catalog.gets(p["id"]) for p in (first, second)}
    assert list(counts.values()) == [1, 1], (
        f"reading two products twice each made these catalog calls: {counts}; expected 1 each"
    )


@pytest.mark.points(1)
def test_errors_are_passed_on_and_not_cached(app, catalog, redis):
    """A product the catalog does not have answers 404 each time, and nothing is cached."""
    missing = unique("nope")
    for attempt in (1, 2):
        r = app.get(f"/products/{missing}")
        expect.status(r, 404, why=f"the catalog answered 404 (attempt {attempt})")
    assert catalog.gets(missing) == 2, (
        f"two GET /products/{missing} made {catalog.gets(missing)} catalog calls; expected 2: an "
        f"error must not be cached (the product may exist a second later)"
    )
    assert redis.client().get(f"product:{missing}") is None, (
        f"Redis holds product:{missing} after a 404; errors are not cached"
    )
    catalog.products[missing] = {"id": missing, "name": unique("late"), "price": 5}
    get_product(app, catalog.products[missing])


@pytest.mark.points(3)
def test_ten_concurrent_cold_reads_make_one_catalog_call(app, catalog):
    """Ten simultaneous reads of a cold product make exactly one catalog call (no stampede)."""
    product = catalog.add()
    catalog.upstream.delay_s = 0.5  # slow, as a real backend under load
    answers = responses(burst(app, 10, "GET", f"/products/{product['id']}"))
    for r in answers:
        expect.status(r, 200, why="every one of the ten concurrent readers gets the product")
        if r.json() != product:
            expect.fail(r, f"the product {json.dumps(product)}")
        if r.headers.get("X-Cache", "").strip().upper() not in {"HIT", "MISS"}:
            expect.fail(r, f"X-Cache: HIT or MISS (got {r.headers.get('X-Cache')!r})")
    calls = catalog.gets(product["id"])
    assert calls == 1, (
        f"10 concurrent GET /products/{product['id']} on a cold cache made {calls} catalog calls; "
        f"expected 1. Let one request fetch while the others wait for the cache (a lock), or a "
        f"slow backend gets the whole burst at once"
    )
