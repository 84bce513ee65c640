"""The HTTP transport of every client: one deadline per call, a cap per answer.

Nothing a target does raises out of `HttpTransport.call`: hangs, trickles, resets,
garbage and endless bodies all come back as a `TransportResult` with a failure kind.
The deadlines themselves, and stopping the run, are in `deadlines.py`.
"""

from __future__ import annotations

import io
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import certifi
import requests
import requests.models
import urllib3
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions

from conformance.errors import RunStopped as RunStopped  # re-exported: defined there
from conformance.model import TransportFailure, TransportKind, WireRequest, WireResponse
from conformance.protocols.curl import redact_headers
from conformance.protocols.deadlines import (  # the stop functions are re-exported
    Watch,
    call_deadline,
    clear_stop,
    current_watch,
    raise_if_stopped,
    stop_all_calls,
    stop_reason,
)
from conformance.version import __version__

__all__ = [
    "ECHO_FACTOR",
    "MAX_BODY_BYTES",
    "MAX_ECHO_BYTES",
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
MAX_ECHO_BYTES = 32 << 20
"""The echo allowance stops here: no answer keeps more than this (or `MAX_BODY_BYTES`),
whatever the request, so an answer costs a bounded share of a process's memory."""

USER_AGENT = f"ses-conformance/{__version__}"
_CHUNK = 65_536


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


class _WatchedConnection:
    """Mixed into urllib3's connections: each call's socket is handed to its deadline."""

    sock: socket.socket | None

    def connect(self) -> None:
        watch = current_watch()
        if watch is not None and watch.expired.is_set():
            raise TimeoutError(f"the {watch.seconds:g} s call deadline passed before connecting")
        super().connect()  # type: ignore[misc]
        if watch is not None:
            watch.attach(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:
        watch = current_watch()
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


@lru_cache(maxsize=256)
def _prepared_url(url: str) -> str:
    """The URL as requests would send it (IDNA host, re-quoted path): one parse per URL."""
    prepared = requests.models.PreparedRequest()
    prepared.prepare_url(url, None)
    return str(prepared.url)


def _headers(
    defaults: Mapping[str, str], given: Mapping[str, str], body: bytes, method: str
) -> dict[str, str]:
    """The request's headers as sent: the defaults, overridden by `given` (names compared
    without case), then Content-Length as requests would set it."""
    overridden = {name.lower() for name in given}
    merged = {k: v for k, v in defaults.items() if k.lower() not in overridden}
    merged.update(given)
    if not any(k.lower() == "content-length" for k in merged):
        if body:
            merged["Content-Length"] = str(len(body))
        elif method not in ("GET", "HEAD"):
            merged["Content-Length"] = "0"
    return merged


class HttpTransport:
    """One keep-alive connection pool; every call has one deadline that covers all of it.

    The deadline (default: the timeout itself, counted from the start of the call) covers
    connecting, sending, the status line, the headers and the body: a target that sends
    any of them a byte at a time gets a `timeout` when it passes. Bodies are capped at
    `max_body_bytes` and never decoded (a gzip bomb stays compressed).
    urllib3 directly, not requests: a session's per-call merging of settings cost more
    than the rest of a call. One transport is meant for one thread at a time.
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
        # no proxies or netrc: talk to the target itself; https checked against certifi's
        # roots, as requests did
        self.pools = urllib3.PoolManager(num_pools=4, retries=False, ca_certs=certifi.where())
        self.pools.pool_classes_by_scheme = {"http": _HttpPool, "https": _HttpsPool}
        self.default_headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}

    def call(
        self, method: str, url: str, *, headers: Mapping[str, str], body: bytes = b""
    ) -> TransportResult:
        """Send once (no retries, no redirects) and return the answer, never raising for it."""
        sent_headers = _headers(self.default_headers, headers, body, method)
        wire = WireRequest(
            method=method,
            url=url,
            headers=redact_headers(tuple(sent_headers.items())),
            body=body,
        )
        raise_if_stopped()
        started = time.monotonic()
        with call_deadline(self.deadline_s) as watch:
            try:
                response = self.pools.urlopen(
                    method,
                    _prepared_url(url),
                    body=body or None,
                    headers=sent_headers,
                    redirect=False,
                    preload_content=False,
                    decode_content=False,
                    timeout=urllib3.Timeout(connect=self.timeout_s, read=self.timeout_s),
                )
            except Exception as exc:  # every transport error ends here, classified once
                failure = classify_exception(exc)
                if watch.expired.is_set():
                    failure = self._late(failure)
                return TransportResult(wire, None, failure)
            echo = min(ECHO_FACTOR * len(body) + 65_536, MAX_ECHO_BYTES)
            cap = max(self.max_body_bytes, echo)
            return self._read(wire, response, started, watch, cap)

    def _late(self, failure: TransportFailure | None) -> TransportFailure:
        cause = f" ({failure.kind}: {failure.detail[:200]})" if failure else ""
        return TransportFailure(
            "timeout", f"no complete answer within the {self.deadline_s:g} s call deadline{cause}"
        )

    def _read(
        self,
        wire: WireRequest,
        response: urllib3.BaseHTTPResponse,
        started: float,
        watch: Watch,
        cap: int,
    ) -> TransportResult:
        kept = io.BytesIO()  # grown in place: an answer is never held twice
        truncated = complete = False
        failure: TransportFailure | None = None
        try:
            ended = self._drain(response, kept, cap, watch)
            complete = watch.done = ended == "whole"
            if ended == "too-large":
                truncated = watch.done = True
                failure = TransportFailure("too-large", f"response body over {cap} bytes; cut off")
        except Exception as exc:
            failure = classify_exception(exc)
        if watch.expired.is_set() and not complete and not truncated:
            truncated = True
            failure = self._late(None)
        elif failure is not None and failure.kind != "too-large":
            truncated = True
        if failure is None:
            response.release_conn()  # body complete: the connection goes back to the pool
        else:
            response.close()  # unread or broken: never reuse this connection
            response.release_conn()
        answer = WireResponse(
            status=response.status,
            headers=tuple(response.headers.items()),
            body=kept.getvalue(),
            elapsed_s=time.monotonic() - started,
            truncated=truncated,
        )
        return TransportResult(wire, answer, failure)

    @staticmethod
    def _drain(response: urllib3.BaseHTTPResponse, kept: io.BytesIO, cap: int, watch: Watch) -> str:
        """Read the body into `kept`, at most `cap` bytes: "whole", "too-large" or "cut".

        A deadline or a stop shuts the socket down, which ends the read. A framed body (a
        length, chunks) ends only when whole (urllib3 raises otherwise); an unframed one
        ends at the close, which a shutdown also looks like.
        """
        framed = response.length_remaining is not None or bool(getattr(response, "chunked", 0))
        while True:
            chunk = response.read(_CHUNK, decode_content=False)
            if not chunk:
                return "whole" if framed or not watch.expired.is_set() else "cut"
            room = cap - kept.tell()
            if len(chunk) > room:
                kept.write(chunk[:room])  # the rest is never kept
                return "too-large"
            kept.write(chunk)

    def close(self) -> None:
        self.pools.clear()
