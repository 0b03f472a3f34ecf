"""The solution, except that GET /items/<id> sends its body one byte every 1.5 s, without end.

Every read gets a byte before an idle timeout of a few seconds would fire: only a deadline on
the whole call stops it.
"""

import time

from flask import Response

from solution import app


def trickle(item_id):
    def drip():
        while True:
            yield b" "
            time.sleep(1.5)

    return Response(drip(), headers={"Content-Type": "application/json"})


app.view_functions["get_item"] = trickle
