"""The reference solution, except that GET /items first builds a 2 GB bytes object."""

from solution import app, list_items

hog = []


def greedy_list_items():
    hog.append(b"x" * (2 << 30))  # written, not just reserved: every page is touched
    return list_items()


app.view_functions["list_items"] = greedy_list_items
