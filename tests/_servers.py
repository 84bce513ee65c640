"""Small real servers on 127.0.0.1 for the suite's own tests (never a mocked `requests`).

`WsgiServer` answers well (werkzeug: every request recorded, connections counted; it
closes each connection, so `RawServer(keep_alive(...))` is the keep-alive server).
`RawServer` misbehaves at the socket level: hangs, resets, garbage, trickles and
endless bodies. Both are context managers and bind port 0.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from werkzeug.serving import ThreadedWSGIServer
from werkzeug.wrappers import Request, Response

from conformance.profile import TargetProfile

__all__ = [
    "ERR",
    "OK",
    "PARAMS",
    "RawServer",
    "Recorded",
    "WsgiServer",
    "answering",
    "closed_port_url",
    "garbage",
    "hang",
    "huge_body",
    "json_response",
    "keep_alive",
    "read_request",
    "reset",
    "target_profile",
    "trickle",
]


@dataclass(frozen=True, slots=True)
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def json_response(
    body: Any, *, status: int = 200, content_type: str = "application/json"
) -> Response:
    """A JSON answer; `body` bytes are sent as they are (for broken bodies)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Response(data, status=status, content_type=content_type)


class _CountingServer(ThreadedWSGIServer):
    daemon_threads = True

    def __init__(self, app: Any) -> None:
        super().__init__("127.0.0.1", 0, app)
        self.connections = 0

    def get_request(self) -> tuple[socket.socket, Any]:
        pair = super().get_request()
        self.connections += 1
        return pair


class WsgiServer:
    """A werkzeug server whose answers come from `handler(request) -> Response`."""

    def __init__(self, handler: Callable[[Request], Response]) -> None:
        self.handler = handler
        self.requests: list[Recorded] = []

        @Request.application  # type: ignore[arg-type]
        def app(request: Request) -> Response:
            self.requests.append(
                Recorded(
                    request.method,
                    request.path,
                    tuple(request.headers.items()),
                    request.get_data(),
                )
            )
            return self.handler(request)

        self._server = _CountingServer(app)
        self.url = f"http://127.0.0.1:{self._server.server_port}/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def connections(self) -> int:
        """TCP connections accepted so far (keep-alive reuses one)."""
        return self._server.connections

    def __enter__(self) -> WsgiServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def read_request(conn: socket.socket) -> bytes:
    """Read one HTTP request (headers and a Content-Length body) from `conn`."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head + b"\r\n\r\n" + rest


Behaviour = Callable[[socket.socket, threading.Event], None]


class RawServer:
    """A socket server running `behaviour(conn, stopping)` on each accepted connection."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.connections = 0
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/"
        self._threads: list[threading.Thread] = []
        self._accepter = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            worker = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(worker)
            worker.start()

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            self.behaviour(conn, self._stopping)

    def __enter__(self) -> RawServer:
        self._accepter.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._accepter.join(timeout=5)
        self._listener.close()
        for worker in self._threads:
            worker.join(timeout=5)


# --- behaviours -----------------------------------------------------------------------


def hang(conn: socket.socket, stopping: threading.Event) -> None:
    """Read the request, then never answer."""
    read_request(conn)
    stopping.wait()


def reset(conn: socket.socket, stopping: threading.Event) -> None:
    """Read the request, then drop the connection with a TCP RST."""
    read_request(conn)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def garbage(conn: socket.socket, stopping: threading.Event) -> None:
    """Answer with bytes that are not HTTP, then close."""
    read_request(conn)
    conn.sendall(b"\x00\xffthis is not HTTP\r\n\r\n")


def trickle(conn: socket.socket, stopping: threading.Event) -> None:
    """Send a 200 head promising a big body, then one byte every 50 ms, forever."""
    read_request(conn)
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n"
    )
    while not stopping.wait(0.05):
        conn.sendall(b" ")


def huge_body(size: int) -> Behaviour:
    """A 200 whose Content-Length body is `size` bytes of JSON-ish filler."""

    def behaviour(conn: socket.socket, stopping: threading.Event) -> None:
        read_request(conn)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {size}\r\n\r\n".encode()
        )
        block = b" " * 65536
        sent = 0
        while sent < size and not stopping.is_set():
            piece = block[: size - sent]
            conn.sendall(piece)
            sent += len(piece)

    return behaviour


def keep_alive(body: bytes, *, status: str = "200 OK") -> Behaviour:
    """Answer every request on the connection with `body` (werkzeug always closes)."""

    def behaviour(conn: socket.socket, stopping: threading.Event) -> None:
        while not stopping.is_set() and read_request(conn):
            conn.sendall(
                f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )

    return behaviour


PARAMS: dict[str, Any] = {
    "Source": "Sender Name <sender@verified.example>",
    "Destination": {"ToAddresses": ["a@verified.example"]},
    "Message": {"Subject": {"Data": "Héllo 'quoted'"}, "Body": {"Text": {"Data": "x\ny"}}},
}
"""A small valid SendEmail request (non-ASCII, a quote and a newline: curl must cope)."""
OK = {"success": True, "data": {"id": "m-1", "created_at": "2025-01-01T00:00:00Z"}}
ERR = {"success": False, "error": {"code": "VALIDATION_ERROR", "message": "Invalid request"}}


def target_profile(url: str, **changes: Any) -> TargetProfile:
    """The default profile at `url`, with a 2 s timeout unless `changes` says otherwise."""
    return replace(TargetProfile(), url=url, **{"timeout_s": 2.0, **changes})


def answering(response: Response) -> WsgiServer:
    """A WsgiServer that gives `response` to every request."""
    return WsgiServer(lambda request: response)


def closed_port_url() -> str:
    """A loopback URL where nothing listens (the port was just released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@contextlib.contextmanager
def timed() -> Iterator[Callable[[], float]]:
    """`with timed() as elapsed: ...; elapsed()` -> seconds since the block started."""
    started = time.monotonic()
    yield lambda: time.monotonic() - started
