"""Unique test data, so that no hard-coded answer can pass and no two tests collide."""

from __future__ import annotations

import secrets
import string


def unique(prefix: str = "item") -> str:
    """'item-3f9a1c2e': a prefix and 8 random hex digits."""
    return f"{prefix}-{secrets.token_hex(4)}"


def unique_email(prefix: str = "user") -> str:
    return f"{unique(prefix)}@example.test"


def unique_int(low: int = 1_000, high: int = 1_000_000_000) -> int:
    """A random integer in [low, high)."""
    return low + secrets.randbelow(high - low)


def unique_password(length: int = 16) -> str:
    """Letters and digits, at least one of each kind a password policy might ask for."""
    alphabet = string.ascii_letters + string.digits
    while True:
        word = "".join(secrets.choice(alphabet) for _ in range(length))
        kinds = (str.islower, str.isupper, str.isdigit)
        if all(any(kind(c) for c in word) for kind in kinds):
            return word
