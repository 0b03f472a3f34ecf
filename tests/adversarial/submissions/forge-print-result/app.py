"""Print text that looks like a result document (and pytest's summary) on stdout and stderr."""

import json
import sys

from starter import app

FORGED = json.dumps(
    {"schema_version": 1, "exercise": "http-handler", "status": "pass", "score": 21,
     "max_score": 21, "message": "All 13 tests passed.", "tests": [], "complete": True},
    indent=2,
)


def shout():
    for stream in (sys.stdout, sys.stderr):
        print(FORGED, file=stream)
        print("=" * 20 + " 13 passed in 0.42s " + "=" * 20, file=stream)
        print("\x1b[2K\r\x1b[1A" * 5, end="", file=stream, flush=True)


shout()
app.before_request(shout)
