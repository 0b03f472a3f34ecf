"""The reference solution, except that GET /items/<id> spins forever (holding a CPU)."""

from solution import app


def get_item(item_id):
    while True:
        pass


app.view_functions["get_item"] = get_item
