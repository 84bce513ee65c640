"""Hostile targets for the battery: each a `RawServer` behaviour on 127.0.0.1.

Every behaviour reads one request and then misbehaves in one way a real target might:
hangs, trickles, floods, lies about lengths, nests without end, or echoes what it got
(our headers included, so a leaked credential would show up in the reports).
"""

from __future__ import annotations

import functools
import gzip
import json
import socket
import threading
from collections.abc import Callable

from tests._servers import garbage, hang, huge_body, read_request

Behaviour = Callable[[socket.socket, threading.Event], None]

JSON_HEAD = b"Content-Type: application/json\r\n"


def _answer(status: bytes, body: bytes, *, head: bytes = JSON_HEAD, close: bool = True) -> bytes:
    connection = b"Connection: close\r\n" if close else b""
    length = f"Content-Length: {len(body)}\r\n".encode()
    return b"HTTP/1.1 " + status + b"\r\n" + head + length + connection + b"\r\n" + body


def _each_request(reply: Callable[[bytes], bytes]) -> Behaviour:
    """Answer every request on the connection with `reply(request bytes)`."""

    def behaviour(conn: socket.socket, stopping: threading.Event) -> None:
        while not stopping.is_set():
            request = read_request(conn)
            if not request:
                return
            conn.sendall(reply(request))

    return behaviour


def _trickle(data: bytes, interval: float, conn: socket.socket, stopping: threading.Event) -> None:
    for index in range(len(data)):
        conn.sendall(data[index : index + 1])
        if stopping.wait(interval):
            return


def status_then_stall(conn: socket.socket, stopping: threading.Event) -> None:
    """The status line, then nothing more."""
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    stopping.wait()


def headers_trickle(conn: socket.socket, stopping: threading.Event) -> None:
    """The status line and headers one byte a second (a body never comes)."""
    read_request(conn)
    head = b"HTTP/1.1 200 OK\r\n" + JSON_HEAD + b"X-Padding: " + b"p" * 200 + b"\r\n\r\n"
    _trickle(head, 1.0, conn, stopping)


def body_trickle(conn: socket.socket, stopping: threading.Event) -> None:
    """Headers at once, then the body one byte a second."""
    read_request(conn)
    body = json.dumps({"success": True, "data": {"id": "x" * 500}}).encode()
    conn.sendall(
        b"HTTP/1.1 200 OK\r\n" + JSON_HEAD + f"Content-Length: {len(body)}\r\n\r\n".encode()
    )
    _trickle(body, 1.0, conn, stopping)


def endless_chunked(conn: socket.socket, stopping: threading.Event) -> None:
    """A chunked body of `[` that never ends."""
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\n" + JSON_HEAD + b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"[" * 4096
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    while not stopping.is_set():
        conn.sendall(frame)


@functools.cache
def _bomb() -> bytes:
    """100 MB of zeros gzipped (about 100 KB on the wire)."""
    return gzip.compress(b"\0" * 100_000_000, compresslevel=9)


def gzip_bomb(conn: socket.socket, stopping: threading.Event) -> None:
    read_request(conn)
    head = JSON_HEAD + b"Content-Encoding: gzip\r\n"
    conn.sendall(_answer(b"200 OK", _bomb(), head=head))


def redirect_loop(conn: socket.socket, stopping: threading.Event) -> None:
    request = read_request(conn)
    path = request.split(b" ", 2)[1] if request.count(b" ") >= 2 else b"/"
    conn.sendall(_answer(b"302 Found", b"", head=b"Location: " + path + b"\r\n"))


def redirect_elsewhere(conn: socket.socket, stopping: threading.Event) -> None:
    read_request(conn)
    conn.sendall(_answer(b"307 Temporary Redirect", b"", head=b"Location: http://192.0.2.1/\r\n"))


def http09(conn: socket.socket, stopping: threading.Event) -> None:
    """An HTTP/0.9 answer: a body with no status line, then close."""
    read_request(conn)
    conn.sendall(b'{"success": true, "data": {"id": "m", "created_at": "2025-01-01T00:00:00Z"}}')


def close_mid_body(conn: socket.socket, stopping: threading.Event) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\n" + JSON_HEAD + b'Content-Length: 1000\r\n\r\n{"succ')


def nested(
    open_: bytes, close: bytes, content_type: bytes, *, status: bytes = b"500 Internal Server Error"
) -> Behaviour:
    """Every answer nested 100,000 levels deep (JSON arrays or objects, XML elements)."""
    body = open_ * 100_000 + close * 100_000
    head = b"Content-Type: " + content_type + b"\r\n"
    return _each_request(lambda request: _answer(status, body, head=head))


def big_xml_text(conn: socket.socket, stopping: threading.Event) -> None:
    """A 400 whose XML error message is 50 MB of text, sent as fast as it is read."""
    prefix = b"<ErrorResponse><Error><Code>X</Code><Message>"
    head = b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/xml\r\n"
    _big_answer(conn, stopping, head, prefix, b"</Message></Error></ErrorResponse>")


def _big_answer(
    conn: socket.socket, stopping: threading.Event, head: bytes, prefix: bytes, suffix: bytes
) -> None:
    """`head` (status line and headers), then `prefix`, 50 MB of filler and `suffix`."""
    read_request(conn)
    size = 50_000_000
    total = len(prefix) + size + len(suffix)
    conn.sendall(head + f"Content-Length: {total}\r\n\r\n".encode() + prefix)
    _send_filler(conn, stopping, size)
    conn.sendall(suffix)


def _send_filler(conn: socket.socket, stopping: threading.Event, size: int) -> None:
    block = b"s" * 65536
    sent = 0
    while sent < size and not stopping.is_set():
        piece = block[: size - sent]
        conn.sendall(piece)
        sent += len(piece)


def big_string(conn: socket.socket, stopping: threading.Event) -> None:
    """A 200 whose JSON holds one 50 MB string."""
    prefix = b'{"success": true, "data": {"id": "'
    suffix = b'", "created_at": "2025-01-01T00:00:00Z"}}'
    _big_answer(conn, stopping, b"HTTP/1.1 200 OK\r\n" + JSON_HEAD, prefix, suffix)


INVALID_UTF8 = (
    b'{"success": false, "error": {"code": "\xff\xfe\x00\x01", "message": "bad \xc3\x28 '
    + bytes(range(256)) * 40
    + b'"}}'
)


def many_headers(conn: socket.socket, stopping: threading.Event) -> None:
    read_request(conn)
    head = b"".join(f"X-H{index}: v\r\n".encode() for index in range(10_000))
    conn.sendall(_answer(b"200 OK", b'{"success": true}', head=JSON_HEAD + head))


def length_too_short(conn: socket.socket, stopping: threading.Event) -> None:
    read_request(conn)
    body = b'{"success": false, "error": {"code": "X", "message": "m"}}'
    conn.sendall(
        _answer(b"400 Bad Request", body).replace(b"Content-Length: 58", b"Content-Length: 5")
    )


def length_too_long(conn: socket.socket, stopping: threading.Event) -> None:
    """Promises 10,000 bytes, sends 58, then keeps the connection open."""
    read_request(conn)
    body = b'{"success": false, "error": {"code": "X", "message": "m"}}'
    conn.sendall(
        _answer(b"400 Bad Request", body, close=False).replace(b"Length: 58", b"Length: 10000")
    )
    stopping.wait()


def html_500(conn: socket.socket, stopping: threading.Event) -> None:
    read_request(conn)
    body = b"<html><body><h1>500 Internal Server Error</h1><script>alert(1)</script></body></html>"
    conn.sendall(_answer(b"500 Internal Server Error", body, head=b"Content-Type: text/html\r\n"))


def latency(seconds: float) -> Behaviour:
    """A well-formed success after `seconds`."""
    ok = json.dumps(
        {"success": True, "data": {"id": "m-1", "created_at": "2025-01-01T00:00:00Z"}}
    ).encode()

    def behaviour(conn: socket.socket, stopping: threading.Event) -> None:
        read_request(conn)
        if not stopping.wait(seconds):
            conn.sendall(_answer(b"200 OK", ok))

    return behaviour


def _body_of(request: bytes) -> bytes:
    return request.partition(b"\r\n\r\n")[2]


echo_body = _each_request(lambda request: _answer(b"200 OK", _body_of(request)))
"""Answers 200 with the request's own body (10 MB bodies come back as they went)."""
echo_headers = _each_request(
    lambda request: _answer(
        b"400 Bad Request",
        head=JSON_HEAD
        + b"X-Echo: "
        + request.partition(b"\r\n\r\n")[0].replace(b"\r\n", b" | ")
        + b"\r\n",
        body=json.dumps(
            {
                "success": False,
                "error": {"code": "ECHO", "message": request.partition(b"\r\n\r\n")[0].decode()},
            }
        ).encode(),
    )
)
"""Answers 400 with our request line and headers (the session token among them) as the
error message, JSON-escaped."""


BATTERY: dict[str, tuple[Behaviour, tuple[str, ...]]] = {
    "never-answers": (hang, ("envelope", "ses-query", "sesv2")),
    "status-then-stall": (status_then_stall, ("envelope", "ses-query", "sesv2")),
    "headers-trickle": (headers_trickle, ("envelope", "ses-query", "sesv2")),
    "body-trickle": (body_trickle, ("envelope", "ses-query", "sesv2")),
    "endless-chunked": (endless_chunked, ("envelope", "ses-query", "sesv2")),
    "body-200mb": (huge_body(200_000_000), ("envelope", "ses-query", "sesv2")),
    "gzip-bomb": (gzip_bomb, ("envelope", "ses-query", "sesv2")),
    "redirect-loop": (redirect_loop, ("envelope", "ses-query", "sesv2")),
    "redirect-elsewhere": (redirect_elsewhere, ("envelope", "ses-query", "sesv2")),
    "garbage": (garbage, ("envelope", "ses-query", "sesv2")),
    "http09": (http09, ("envelope", "ses-query", "sesv2")),
    "close-mid-body": (close_mid_body, ("envelope", "ses-query", "sesv2")),
    "nested-json": (nested(b"[", b"]", b"application/json"), ("envelope", "ses-query", "sesv2")),
    "nested-json-400": (
        nested(b'{"a":', b"}", b"application/json", status=b"400 Bad Request"),
        ("envelope", "ses-query", "sesv2"),
    ),
    "nested-xml": (nested(b"<a>", b"</a>", b"text/xml"), ("envelope", "ses-query", "sesv2")),
    "nested-xml-400": (
        nested(b"<a>", b"</a>", b"text/xml", status=b"400 Bad Request"),
        ("envelope", "ses-query", "sesv2"),
    ),
    "string-50mb": (big_string, ("envelope", "ses-query", "sesv2")),
    "xml-text-50mb": (big_xml_text, ("envelope", "ses-query", "sesv2")),
    "invalid-utf8": (
        _each_request(lambda request: _answer(b"400 Bad Request", INVALID_UTF8)),
        ("envelope", "ses-query", "sesv2"),
    ),
    "headers-10000": (many_headers, ("envelope", "ses-query", "sesv2")),
    "length-too-short": (length_too_short, ("envelope", "ses-query", "sesv2")),
    "length-too-long": (length_too_long, ("envelope", "ses-query", "sesv2")),
    "html-500": (html_500, ("envelope", "ses-query", "sesv2")),
    "latency-2s": (latency(2.0), ("envelope", "ses-query", "sesv2")),
    "echo-body": (echo_body, ("envelope", "ses-query", "sesv2")),
    "echo-headers": (echo_headers, ("envelope", "ses-query", "sesv2")),
}
"""name -> (behaviour, the protocols it is run over)."""
