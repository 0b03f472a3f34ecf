import os
import uuid

import pytest
import requests

BASE = os.environ["API_URL"].rstrip("/")


@pytest.fixture(scope="session")
def http():
    with requests.Session() as session:
        yield session


@pytest.fixture
def uid():
    return uuid.uuid4().hex[:12]


@pytest.fixture
def make_task(http):
    def make(**fields):
        fields.setdefault("title", f"task {uuid.uuid4().hex[:8]}")
        r = http.post(f"{BASE}/tasks", json=fields)
        assert r.status_code == 201, (r.status_code, r.text)
        return r.json()

    return make
