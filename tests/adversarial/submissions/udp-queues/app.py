"""The starter, after filling loopback UDP receive queues at import and never reading them.

50 sockets asking for 4 MB receive buffers, each sent 8 MB of datagrams. With runc on cgroup v1
the queued datagrams are charged to no cgroup (~8 MB a socket).
What happened is printed, so it shows in the first test's output.
"""

import errno
import socket

from starter import app  # noqa: F401

SOCKETS = 50
held = []


def attack():
    sent = 0
    try:
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        held.append(sender)
        for _ in range(SOCKETS):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            held.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            sock.bind(("127.0.0.1", 0))
            for _ in range(140):
                sent += sender.sendto(b"x" * 60000, sock.getsockname())
    except OSError as exc:
        return f"{errno.errorcode.get(exc.errno, exc.errno)} after {len(held)} sockets, {sent >> 20} MB sent"
    return f"no error: {len(held)} sockets, {sent >> 20} MB sent"


print("kernel-memory udp:", attack(), flush=True)
