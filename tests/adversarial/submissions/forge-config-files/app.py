"""The plain starter; the forgery is every pytest config file, each loading forge_plugin."""

from starter import app  # noqa: F401
