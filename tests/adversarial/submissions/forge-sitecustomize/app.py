"""The plain starter; the forgery is sitecustomize.py / usercustomize.py next to it."""

from starter import app  # noqa: F401
