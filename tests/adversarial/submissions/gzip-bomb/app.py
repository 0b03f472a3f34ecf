"""The solution, except that GET /items answers a 1.5 MB gzip body that inflates to 1.5 GB.

The body is 1500 gzip members of 1 MB of zeros each: any client that inflates it whole holds
1.5 GB, six times the job's memory limit.
"""

import gzip

from flask import Response

from solution import app, list_items

MEMBER = gzip.compress(b"\0" * (1 << 20), compresslevel=9)
BOMB = MEMBER * 1500


def bomb():
    list_items()  # the real listing runs; its answer is swapped for the bomb
    return Response(
        BOMB, headers={"Content-Type": "application/json", "Content-Encoding": "gzip"}
    )


app.view_functions["list_items"] = bomb
