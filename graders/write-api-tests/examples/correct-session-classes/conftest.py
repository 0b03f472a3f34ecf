import os
import uuid

import pytest
import requests


class Api:
    """A requests.Session bound to the API's base URL."""

    def __init__(self, base):
        self.base = base.rstrip("/")
        self.http = requests.Session()

    def __getattr__(self, method):
        return lambda path, **kw: self.http.request(method.upper(), self.base + path, **kw)

    def make(self, **fields):
        r = self.post("/tasks", json={"title": f"t-{uuid.uuid4().hex}", **fields})
        assert r.status_code == 201, r.text
        return r.json()


@pytest.fixture(scope="session")
def api():
    return Api(os.environ["API_URL"])


@pytest.fixture
def tag():
    return uuid.uuid4().hex
