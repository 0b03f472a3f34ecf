"""The reference solution, except that the first GET /items runs a child process that
allocates without bound (multiprocessing, fork): the child is OOM-killed, the app goes on."""

import multiprocessing

from solution import app, list_items

started = []


def hog():
    chunks = []
    while True:
        chunks.append(b"x" * (64 << 20))


def greedy_list_items():
    if not started:
        started.append(True)
        child = multiprocessing.get_context("fork").Process(target=hog)
        child.start()
        child.join()
        print(f"the hog child ended with exit code {child.exitcode}", flush=True)
    return list_items()


app.view_functions["list_items"] = greedy_list_items
