"""The plain starter; the forgery is a .pth file that imports forge_hook at interpreter start."""

from starter import app  # noqa: F401
