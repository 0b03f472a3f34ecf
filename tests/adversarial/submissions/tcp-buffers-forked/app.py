"""The starter, after 8 forked processes each fill ~250 loopback TCP connections, never read.

The per-socket caps (sysctls, no SO_SNDBUF) bound one connection; only a per-container TCP
limit bounds the sum over processes (pids x nofile x buffers). The children hold their
sockets for 20 s, while the grader runs.
"""

import os
import socket
import time

from starter import app  # noqa: F401

PROCESSES = 8
CONNECTIONS = 250


def fill(sock):
    sock.setblocking(False)
    written = 0
    chunk = b"x" * 65536
    while True:
        try:
            written += sock.send(chunk)
        except (BlockingIOError, OSError):
            return written


def attack():
    held, queued = [], 0
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(CONNECTIONS)
    held.append(server)
    for _ in range(CONNECTIONS):
        try:
            client = socket.socket()
            client.connect(server.getsockname())
            peer, _ = server.accept()
        except OSError:
            break
        held.extend((client, peer))
        queued += fill(client) + fill(peer)
    return held, queued


children = []
for _ in range(PROCESSES):
    pid = os.fork()
    if pid == 0:
        held, queued = attack()
        print(f"kernel-memory tcp-forked: child queued {queued >> 20} MB", flush=True)
        time.sleep(20)
        os._exit(0)
    children.append(pid)
try:
    with open("/sys/fs/cgroup/memory/memory.kmem.tcp.limit_in_bytes") as fh:
        limit = fh.read().strip()
except OSError:
    limit = "none (not cgroup v1)"
print(f"kernel-memory tcp-forked: {len(children)} processes started; tcp limit {limit}", flush=True)
time.sleep(3)  # let them fill before the app serves
