"""The starter, after filling loopback TCP buffers at import and never reading them.

150 connections, each end asking for 4 MB send and receive buffers, written until the kernel
says EAGAIN. With runc on cgroup v1 that memory is charged to no cgroup: it is the host's TCP
memory (/proc/net/sockstat), ~10 MB a connection with the host's defaults.
What happened is printed, so it shows in the first test's output.
"""

import errno
import socket

from starter import app  # noqa: F401

CONNECTIONS = 150
held = []


def ask_big_buffers(sock):
    refused = None
    for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
        try:
            sock.setsockopt(socket.SOL_SOCKET, option, 4 << 20)
        except OSError as exc:
            refused = errno.errorcode.get(exc.errno, str(exc.errno))
    return refused


def fill(sock):
    sock.setblocking(False)
    written = 0
    chunk = b"x" * 65536
    while True:
        try:
            written += sock.send(chunk)
        except BlockingIOError:
            return written


def attack():
    server = socket.socket()
    held.append(server)
    server.bind(("127.0.0.1", 0))
    server.listen(CONNECTIONS)
    queued, refused = 0, None
    for _ in range(CONNECTIONS):
        client = socket.socket()
        refused = ask_big_buffers(client) or refused
        client.connect(server.getsockname())
        peer, _ = server.accept()
        refused = ask_big_buffers(peer) or refused
        held.extend((client, peer))
        queued += fill(client) + fill(peer)
    big = f"4 MB buffers refused: {refused}" if refused else "4 MB buffers granted"
    return f"{CONNECTIONS} connections, {big}, {queued >> 20} MB queued"


print("kernel-memory tcp:", attack(), flush=True)
