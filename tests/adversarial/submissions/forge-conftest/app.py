"""The plain starter; the forgery is conftest.py next to it."""

from starter import app  # noqa: F401
