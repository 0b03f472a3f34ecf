"""The reference solution, except that GET /items/<id> sleeps forever."""

import threading

from solution import app


def get_item(item_id):
    threading.Event().wait()


app.view_functions["get_item"] = get_item
