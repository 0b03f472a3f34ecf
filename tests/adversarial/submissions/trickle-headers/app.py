"""The solution, except that GET /items/<id> writes its status line and then one header byte
every 1.5 s, without end, straight to the socket (werkzeug hands views the connection).

No read waits long enough for an idle timeout: only a deadline on the whole call stops it.
"""

import time

from flask import request

from solution import app


def trickle(item_id):
    sock = request.environ["werkzeug.socket"]
    sock.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    while True:
        sock.sendall(b"a")
        time.sleep(1.5)


app.view_functions["get_item"] = trickle
