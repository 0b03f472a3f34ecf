"""HTTP servers the grader controls, in its own process: they count, slow down, die, return."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox.grading.services._process import free_port

if TYPE_CHECKING:  # imported when a service starts: no cost to exercises without services
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class UpstreamRequest:
    """One call the app made to an upstream."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class UpstreamResponse:
    status: int = 200
    body: Any = None  # bytes/str sent as is; anything else as JSON
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[UpstreamRequest], "UpstreamResponse | tuple[int, Any] | Any"]


class Upstream:
    """An HTTP server the grader controls, on loopback in the grader's own process.

    `handler` answers each call (default: 200 JSON naming the upstream and the path); `calls`
    records them; `delay_s` makes it slow; `kill()` closes its port (connection refused) and
    `revive()` opens the same port again.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.port = free_port()
        self.handler: Handler = self._default
        self.delay_s = 0.0
        self.calls: list[UpstreamRequest] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._connections: set[socket.socket] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.calls)

    @property
    def alive(self) -> bool:
        return self._server is not None

    def reset(self) -> None:
        """Default handler, no delay, no calls recorded, running: each test starts from here."""
        self.handler, self.delay_s = self._default, 0.0
        with self._lock:
            self.calls.clear()
        if not self.alive:
            self.revive()

    def revive(self) -> None:
        if self._server is not None:
            return
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        upstream = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                with upstream._lock:
                    upstream._connections.add(self.connection)

            def finish(self) -> None:
                with upstream._lock:
                    upstream._connections.discard(self.connection)
                super().finish()

            def _serve(self) -> None:
                upstream._serve(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        class _Server(ThreadingHTTPServer):
            # socketserver's default backlog is 5: a burst of new connections overflows it and
            # the kernel drops SYNs, which clients see as a 1 s (retransmit) connect delay.
            request_queue_size = 128

            def handle_error(self, request: Any, client_address: Any) -> None:
                import sys

                if isinstance(sys.exc_info()[1], ConnectionError):
                    return  # the client (or our own kill()) went away mid-answer: not news
                super().handle_error(request, client_address)

        try:
            server = _Server(("127.0.0.1", self.port), _Handler, bind_and_activate=False)
            server.allow_reuse_address = True
            server.daemon_threads = True
            server.server_bind()
            server.server_activate()
        except OSError as exc:
            raise AssertionError(
                f"upstream {self.name} could not listen on port {self.port} again ({exc.strerror}): "
                "something else took its port while it was down — the app must not listen there"
            ) from None
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()

    def kill(self) -> None:
        """Stop listening: the app's next connection is refused, as with a crashed server."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        # A crashed server takes its open connections with it: a client's keep-alive connection
        # (a requests.Session) must not go on getting answers from a "dead" upstream.
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                conn.close()

    def _default(self, request: UpstreamRequest) -> UpstreamResponse:
        return UpstreamResponse(200, {"upstream": self.name, "path": request.path})

    def _serve(self, http: BaseHTTPRequestHandler) -> None:
        try:
            body = _read_body(http)
        except ValueError as exc:  # a body framed wrongly: what a real server would refuse
            http.close_connection = True
            payload = json.dumps({"error": f"{self.name}: {exc}"}).encode()
            http.send_response(400)
            http.send_header("Content-Type", "application/json")
            http.send_header("Content-Length", str(len(payload)))
            http.send_header("Connection", "close")
            http.end_headers()
            http.wfile.write(payload)
            return
        request = UpstreamRequest(
            http.command, http.path, {k: v for k, v in http.headers.items()}, body, time.time()
        )
        with self._lock:
            self.calls.append(request)
        if self.delay_s:
            time.sleep(self.delay_s)
        answer = self.handler(request)
        if not isinstance(answer, UpstreamResponse):
            answer = (
                UpstreamResponse(answer[0], answer[1])
                if isinstance(answer, tuple)
                else UpstreamResponse(200, answer)
            )
        payload, ctype = _encode(answer.body)
        http.send_response(answer.status)
        headers = {"Content-Type": ctype, **answer.headers}
        for key, value in headers.items():
            http.send_header(key, value)
        # A handler that sets Transfer-Encoding frames its body itself (chunks it): then a
        # Content-Length would contradict it (RFC 9112, 6.1).
        if not any(key.lower() == "transfer-encoding" for key in headers):
            http.send_header("Content-Length", str(len(payload)))
        http.end_headers()
        if http.command != "HEAD":
            http.wfile.write(payload)


def _read_body(http: BaseHTTPRequestHandler) -> bytes:
    """The request's body: chunked (decoded) when Transfer-Encoding says so, else Content-Length."""
    if "chunked" in (http.headers.get("Transfer-Encoding") or "").lower():
        if http.headers.get("Content-Length") is not None:  # how requests get smuggled
            raise ValueError("both Transfer-Encoding: chunked and Content-Length (RFC 9112, 6.3)")
        body = b""
        while True:
            line = http.rfile.readline(1024)
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                raise ValueError(
                    f"a chunked body with a bad chunk size line {line[:40]!r}"
                ) from None
            if size == 0:
                while http.rfile.readline(1024).strip():  # trailer fields, up to the blank line
                    pass
                return body
            body += http.rfile.read(size)
            if http.rfile.readline(1024) != b"\r\n":
                raise ValueError("a chunked body whose chunk does not end with CRLF")
    length = int(http.headers.get("Content-Length") or 0)
    return http.rfile.read(length) if length else b""


def _encode(body: Any) -> tuple[bytes, str]:
    if isinstance(body, bytes):
        return body, "application/octet-stream"
    if isinstance(body, str):
        return body.encode(), "text/plain; charset=utf-8"
    return json.dumps(body).encode(), "application/json"
