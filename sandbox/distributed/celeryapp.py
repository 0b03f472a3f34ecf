"""The app for Celery's own tools, which import an app by name:

SANDBOX_BROKER=redis://:PW@host:6379/0 celery -A sandbox.distributed.celeryapp inspect active
SANDBOX_BROKER=… celery -A sandbox.distributed.celeryapp events        (a live view)
SANDBOX_BROKER=… celery -A sandbox.distributed.celeryapp flower        (pip install flower)
"""

from __future__ import annotations

import os

from sandbox.distributed.settings import BrokerOptions, make_app

app = make_app(BrokerOptions(os.environ.get("SANDBOX_BROKER", "redis://127.0.0.1:6379/0")))
