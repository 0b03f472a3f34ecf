"""Backend Sandbox: hands-on backend exercises, graded in hardened Docker containers."""

__version__ = "0.1.0"
