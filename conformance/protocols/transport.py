"""The HTTP transport of every client: one deadline per call, a cap per answer.

Nothing a target does raises out of `HttpTransport.call`: hangs, trickles, resets,
garbage and endless bodies all come back as a `TransportResult` with a failure kind.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
import requests.adapters
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions

from conformance import __version__
from conformance.errors import RunStopped as RunStopped  # re-exported: defined there
from conformance.model import TransportFailure, TransportKind, WireRequest, WireResponse
from conformance.protocols.curl import redact_headers

__all__ = [
    "ECHO_FACTOR",
    "MAX_BODY_BYTES",
    "USER_AGENT",
    "HttpTransport",
    "RunStopped",
    "TransportResult",
    "classify_exception",
    "clear_stop",
    "stop_all_calls",
    "stop_reason",
]

MAX_BODY_BYTES = 1_048_576
"""Response bytes kept per answer at least; the rest is not read (`WireResponse.truncated`).
An answer may always be `ECHO_FACTOR` times its request (plus 64 KiB), so a target that
echoes the request in its error (escaped) is judged, never cut off."""
ECHO_FACTOR = 3

USER_AGENT = f"ses-conformance/{__version__}"
_CHUNK = 65_536


# --- stopping the run ----------------------------------------------------------------


_stopped: list[str] = []  # the first reason, once stopped (a list: no lock in a handler)
_active: set[_Watch] = set()


def stop_all_calls(reason: str) -> None:
    """Stop the run: calls in flight end now, later calls raise `RunStopped`.

    Safe in a signal handler: the sockets are shut down from a helper thread, since the
    interrupted thread may hold a lock they need.
    """
    if not _stopped:
        _stopped.append(reason)
    threading.Thread(target=_expire_all, name="stop-calls", daemon=True).start()


def _expire_all() -> None:
    for _ in range(3):  # the set may change while it is copied
        try:
            watches = tuple(_active)
            break
        except RuntimeError:
            continue
    else:
        return
    for watch in watches:
        watch.expire()


def stop_reason() -> str | None:
    """Why the run was stopped, or None while it runs."""
    return _stopped[0] if _stopped else None


def clear_stop() -> None:
    """A new run in the same process (tests): calls are allowed again."""
    _stopped.clear()


def _raise_if_stopped() -> None:
    if _stopped:
        raise RunStopped(_stopped[0])


# --- transport ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TransportResult:
    """One HTTP call: what was sent, what came back, and why it is unusable if it is."""

    request: WireRequest
    response: WireResponse | None
    failure: TransportFailure | None


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    stack: list[BaseException | None] = [exc]
    while stack:
        item = stack.pop()
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        stack.extend((item.__cause__, item.__context__, getattr(item, "reason", None)))
        stack.extend(a for a in getattr(item, "args", ()) if isinstance(a, BaseException))
    return seen


def classify_exception(exc: BaseException) -> TransportFailure:
    """The one place where requests/urllib3/socket errors become TransportFailure kinds."""
    chain = _causes(exc)
    detail = f"{type(exc).__name__}: {exc}"[:500]
    timeouts = (
        requests.exceptions.Timeout,
        urllib3.exceptions.TimeoutError,
        TimeoutError,
    )
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        kind: TransportKind = "refused"
    elif any(isinstance(e, timeouts) for e in chain):
        kind = "timeout"
    else:
        kind = "connection"
    return TransportFailure(kind, detail)


class _Watch:
    """One call's deadline: when it passes, the call's socket is shut down.

    Shutting the socket down wakes whatever the call is blocked in (connecting, sending,
    reading the status line, the headers or the body), so a target that trickles any part
    of its answer a byte at a time cannot hold a call past its deadline.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = threading.Event()
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._timer = threading.Timer(seconds, self.expire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()

    def attach(self, sock: socket.socket | None) -> None:
        """The socket the call now uses (a fresh one, or a kept-alive one)."""
        with self._lock:
            self._sock = sock
            if self.expired.is_set():
                _shutdown(sock)

    def expire(self) -> None:
        with self._lock:
            self.expired.set()
            _shutdown(self._sock)


def _shutdown(sock: socket.socket | None) -> None:
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


_CALL = threading.local()
"""`_CALL.watch`: the deadline of the call this thread is making, if any."""


def _current_watch() -> _Watch | None:
    return getattr(_CALL, "watch", None)


class _WatchedConnection:
    """Mixed into urllib3's connections: each call's socket is handed to its deadline."""

    sock: socket.socket | None

    def connect(self) -> None:
        watch = _current_watch()
        if watch is not None and watch.expired.is_set():
            raise TimeoutError(f"the {watch.seconds:g} s call deadline passed before connecting")
        super().connect()  # type: ignore[misc]
        if watch is not None:
            watch.attach(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:
        watch = _current_watch()
        if watch is not None and self.sock is not None:  # a kept-alive connection
            watch.attach(self.sock)
        super().request(*args, **kwargs)  # type: ignore[misc]


class _HttpConnection(_WatchedConnection, urllib3.connection.HTTPConnection):
    pass


class _HttpsConnection(_WatchedConnection, urllib3.connection.HTTPSConnection):
    pass


class _HttpPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _HttpConnection


class _HttpsPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _HttpsConnection


class _Adapter(requests.adapters.HTTPAdapter):
    """requests' adapter on connections whose sockets a call deadline can shut down."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HttpPool, "https": _HttpsPool}


class HttpTransport:
    """One keep-alive session; every call has one deadline that covers all of it.

    The deadline (default: the timeout itself, counted from the start of the call) covers
    connecting, sending, the status line, the headers and the body: a target that sends
    any of them a byte at a time gets a `timeout` when it passes. Bodies are capped at
    `max_body_bytes` and never decoded (a gzip bomb stays compressed).
    One transport is meant for one thread at a time (requests.Session is not thread-safe).
    """

    def __init__(
        self,
        *,
        timeout_s: float,
        deadline_s: float | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        if isinstance(timeout_s, bool) or not timeout_s > 0:
            raise ValueError(f"timeout_s: expected a number > 0, got {timeout_s!r}")
        if deadline_s is not None and not deadline_s > 0:
            raise ValueError(f"deadline_s: expected a number > 0 or None, got {deadline_s!r}")
        if isinstance(max_body_bytes, bool) or max_body_bytes < 1:
            raise ValueError(f"max_body_bytes: expected an integer >= 1, got {max_body_bytes!r}")
        self.timeout_s = float(timeout_s)
        self.deadline_s = float(deadline_s) if deadline_s is not None else self.timeout_s
        self.max_body_bytes = max_body_bytes
        self.session = requests.Session()
        self.session.trust_env = False  # no proxies or netrc: talk to the target itself
        adapter = _Adapter()
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.clear()
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})

    def call(
        self, method: str, url: str, *, headers: Mapping[str, str], body: bytes = b""
    ) -> TransportResult:
        """Send once (no retries, no redirects) and return the answer, never raising for it."""
        prepared = self.session.prepare_request(
            requests.Request(method, url, headers=dict(headers), data=body or None)
        )
        sent = prepared.body if isinstance(prepared.body, bytes) else body
        wire = WireRequest(
            method=method,
            url=url,
            headers=redact_headers(tuple(prepared.headers.items())),
            body=sent,
        )
        _raise_if_stopped()
        started = time.monotonic()
        watch = _Watch(self.deadline_s)
        _CALL.watch = watch
        _active.add(watch)
        watch.start()
        try:
            try:
                response = self.session.send(
                    prepared,
                    stream=True,
                    allow_redirects=False,
                    timeout=(self.timeout_s, self.timeout_s),
                )
            except Exception as exc:  # every transport error ends here, classified once
                failure = classify_exception(exc)
                if watch.expired.is_set():
                    failure = self._late(failure)
                return TransportResult(wire, None, failure)
            cap = max(self.max_body_bytes, ECHO_FACTOR * len(sent or b"") + 65_536)
            return self._read(wire, response, started, watch, cap)
        finally:
            watch.cancel()
            _CALL.watch = None
            _active.discard(watch)
            _raise_if_stopped()  # an answer cut short by the stop is not the target's doing

    def _late(self, failure: TransportFailure | None) -> TransportFailure:
        cause = f" ({failure.kind}: {failure.detail[:200]})" if failure else ""
        return TransportFailure(
            "timeout", f"no complete answer within the {self.deadline_s:g} s call deadline{cause}"
        )

    def _read(
        self,
        wire: WireRequest,
        response: requests.Response,
        started: float,
        watch: _Watch,
        cap: int,
    ) -> TransportResult:
        chunks: list[bytes] = []
        kept = 0
        truncated = False
        failure: TransportFailure | None = None
        try:
            while not watch.expired.is_set():
                chunk = response.raw.read(_CHUNK, decode_content=False)
                if not chunk:
                    break
                room = cap - kept
                if len(chunk) > room:
                    chunks.append(chunk[:room])
                    kept += room
                    truncated = True
                    failure = TransportFailure(
                        "too-large", f"response body over {cap} bytes; cut off"
                    )
                    break
                chunks.append(chunk)
                kept += len(chunk)
        except Exception as exc:
            failure = classify_exception(exc)
        if watch.expired.is_set():
            truncated = True
            failure = self._late(None)
        elif failure is not None and failure.kind != "too-large":
            truncated = True
        if failure is None:
            response.raw.release_conn()  # body complete: the connection goes back to the pool
        else:
            response.raw.close()  # unread or broken: never reuse this connection
            response.raw.release_conn()
        answer = WireResponse(
            status=response.status_code,
            headers=tuple(response.raw.headers.items()),
            body=b"".join(chunks),
            elapsed_s=time.monotonic() - started,
            truncated=truncated,
        )
        return TransportResult(wire, answer, failure)

    def close(self) -> None:
        self.session.close()
