"""The plain starter; the forgery is pytest.py, a fake pytest that reports full marks."""

from starter import app  # noqa: F401
