"""The protocol-neutral half of every client: one HTTP transport, safety limits, test hooks.

Each wire protocol (envelope.py, query.py, sesv2.py) only encodes a request and judges an
answer; everything that touches the network, the send budget, the rate limit, secret
redaction and curl replays lives here, so the protocols behave alike on a bad target.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from conformance.errors import SesConfError, TargetUnreachable, UsageError
from conformance.model import (
    Exchange,
    RawRequest,
    SendEmailRequest,
    TransportFailure,
    TransportKind,
    WireRequest,
    WireResponse,
)
from conformance.profile import TargetProfile
from conformance.protocols.curl import redact_headers, render_curl
from conformance.protocols.hooks import adapt_outbox, switch_sandbox

__all__ = [
    "MAX_BODY_BYTES",
    "USER_AGENT",
    "Client",
    "HttpClient",
    "HttpTransport",
    "ProtocolUnavailable",
    "RateLimiter",
    "SendBudget",
    "SendBudgetExhausted",
    "TestHookError",
    "TransportResult",
    "classify_exception",
    "make_client",
    "redact_headers",
    "render_curl",
]

MAX_BODY_BYTES = 1_048_576
"""Response bytes kept per answer; the rest is not read (`WireResponse.truncated`)."""

USER_AGENT = "ses-conformance/0.1.0"
_CHUNK = 65_536


# --- errors ---------------------------------------------------------------------------


class SendBudgetExhausted(SesConfError):
    """`safety.max_sends` is used up: the suite stops rather than send one message more."""


class TestHookError(SesConfError):
    """A declared test hook (reset_url, outbox_url) failed or answered something unusable."""

    __test__ = False  # not a pytest test class despite the name


class ProtocolUnavailable(UsageError):
    """The profile names a protocol whose client is not installed or not written yet."""


# --- the interface --------------------------------------------------------------------


@runtime_checkable
class Client(Protocol):
    """What the suite needs from a protocol; it never raises for what the target does."""

    name: str

    def send(self, request: SendEmailRequest) -> Exchange: ...
    def send_raw(self, raw: RawRequest) -> Exchange: ...
    def curl(self, exchange: Exchange) -> str: ...
    def reset(self) -> None: ...
    def outbox(self) -> list[dict[str, Any]] | None: ...
    def close(self) -> None: ...


_CLIENTS: Mapping[str, tuple[str, str]] = {
    "envelope": ("conformance.protocols.envelope", "EnvelopeClient"),
    "ses-query": ("conformance.protocols.query", "QueryClient"),
    "sesv2": ("conformance.protocols.sesv2", "SesV2Client"),
}


def make_client(profile: TargetProfile) -> Client:
    """The client for `profile.protocol`; protocol modules are imported only when used."""
    if not isinstance(profile, TargetProfile):
        raise TypeError(f"make_client: expected a TargetProfile, got {type(profile).__name__}")
    if profile.protocol not in _CLIENTS:
        known = ", ".join(_CLIENTS)
        raise ProtocolUnavailable(f"protocol: unknown {profile.protocol!r}; known: {known}")
    module_name, class_name = _CLIENTS[profile.protocol]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise ProtocolUnavailable(
            f"protocol: the {profile.protocol!r} client ({module_name}) is not available yet"
        ) from None
    cls = getattr(module, class_name, None)
    if cls is None:
        raise ProtocolUnavailable(f"protocol: {module_name} defines no {class_name}")
    client: Client = cls(profile)
    return client


# --- safety limits --------------------------------------------------------------------


class SendBudget:
    """A thread-safe cap on SendEmail calls (`safety.max_sends`); None means no cap."""

    def __init__(self, max_sends: int | None) -> None:
        if max_sends is not None and (isinstance(max_sends, bool) or max_sends < 1):
            raise ValueError(f"max_sends: expected an integer >= 1 or None, got {max_sends!r}")
        self.max_sends = max_sends
        self._used = 0
        self._lock = threading.Lock()

    @property
    def used(self) -> int:
        return self._used

    def take(self) -> None:
        """Count one send; raise SendBudgetExhausted instead of going over the cap."""
        with self._lock:
            if self.max_sends is not None and self._used >= self.max_sends:
                raise SendBudgetExhausted(
                    f"safety.max_sends: the budget of {self.max_sends} sends is used up; "
                    "raise it in the profile or select fewer rules"
                )
            self._used += 1


class RateLimiter:
    """At most `rate_per_s` calls a second, spaced evenly; threads queue for their slot."""

    def __init__(self, rate_per_s: float | None) -> None:
        if rate_per_s is not None and (isinstance(rate_per_s, bool) or not rate_per_s > 0):
            raise ValueError(f"rate_per_s: expected a number > 0 or None, got {rate_per_s!r}")
        self.interval = 1.0 / rate_per_s if rate_per_s else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Reserve the next slot under the lock, then sleep outside it until the slot."""
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        while (delay := slot - time.monotonic()) > 0:
            time.sleep(delay)


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


class HttpTransport:
    """One keep-alive session; every call has (connect, read) timeouts, a cap and a deadline.

    The deadline (default twice the timeout, counted from the start of the call) ends the
    body read, so a body trickled a byte at a time is a timeout instead of holding the run.
    The status line and headers are bounded by the read timeout on each read only.
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
        self.deadline_s = float(deadline_s) if deadline_s is not None else 2 * self.timeout_s
        self.max_body_bytes = max_body_bytes
        self.session = requests.Session()
        self.session.trust_env = False  # no proxies or netrc: talk to the target itself
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
        started = time.monotonic()
        try:
            response = self.session.send(
                prepared,
                stream=True,
                allow_redirects=False,
                timeout=(self.timeout_s, self.timeout_s),
            )
        except Exception as exc:  # every transport error ends here, classified once
            return TransportResult(wire, None, classify_exception(exc))
        return self._read(wire, response, started)

    def _read(
        self, wire: WireRequest, response: requests.Response, started: float
    ) -> TransportResult:
        deadline = started + self.deadline_s
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            # urllib3 >= 2.3 wakes a blocked read; older ones wait for the read timeout
            with contextlib.suppress(Exception):
                response.raw.shutdown()

        timer = threading.Timer(max(0.0, deadline - time.monotonic()), expire)
        timer.daemon = True
        timer.start()
        chunks: list[bytes] = []
        kept = 0
        truncated = False
        failure: TransportFailure | None = None
        try:
            while not expired.is_set():
                chunk = response.raw.read(_CHUNK, decode_content=False)
                if not chunk:
                    break
                room = self.max_body_bytes - kept
                if len(chunk) > room:
                    chunks.append(chunk[:room])
                    kept += room
                    truncated = True
                    failure = TransportFailure(
                        "too-large", f"response body over {self.max_body_bytes} bytes; cut off"
                    )
                    break
                chunks.append(chunk)
                kept += len(chunk)
        except Exception as exc:
            failure = classify_exception(exc)
        finally:
            timer.cancel()
        if expired.is_set():
            truncated = True
            failure = TransportFailure(
                "timeout", f"no complete answer within the {self.deadline_s:g} s deadline"
            )
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


# --- the shared client half -----------------------------------------------------------


class HttpClient:
    """Transport, budget, rate limit, hooks and curl for one profile; protocols subclass."""

    name: str = ""

    def __init__(
        self,
        profile: TargetProfile,
        *,
        transport: HttpTransport | None = None,
        budget: SendBudget | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        if not isinstance(profile, TargetProfile):
            raise TypeError(f"expected a TargetProfile, got {type(profile).__name__}")
        self.profile = profile
        self.transport = transport or HttpTransport(timeout_s=profile.timeout_s)
        self.budget = budget or SendBudget(profile.safety.max_sends)
        self.limiter = limiter or RateLimiter(profile.safety.rate_per_s)

    def _send_call(
        self, method: str, url: str, *, headers: Mapping[str, str], body: bytes
    ) -> TransportResult:
        """One SendEmail call: counted against the budget, then spaced by the rate limit."""
        self.budget.take()
        self.limiter.wait()
        return self.transport.call(method, url, headers=headers, body=body)

    def curl(self, exchange: Exchange) -> str:
        return render_curl(exchange.request, timeout_s=self.profile.timeout_s)

    def reset(self) -> None:
        """POST account.reset_url (quota counter and outbox to zero); no-op when undeclared."""
        url = self.profile.account.reset_url
        if url is None:
            return
        result = self.transport.call("POST", url, headers={"Accept": "application/json"})
        if result.failure is not None or result.response is None:
            raise TestHookError(f"account.reset_url: POST {url} failed: {_why(result)}")
        if not 200 <= result.response.status < 300:
            raise TestHookError(
                f"account.reset_url: POST {url} answered HTTP {result.response.status}, "
                "expected 2xx"
            )
        # an emulator's reset may wipe what provisioning set up (ministack's does)
        provision_identities(self.profile)

    def outbox(self) -> list[dict[str, Any]] | None:
        """GET account.outbox_url -> its `messages`; None when the profile declares none."""
        url = self.profile.account.outbox_url
        if url is None:
            return None
        result = self.transport.call("GET", url, headers={"Accept": "application/json"})
        if result.failure is not None or result.response is None:
            raise TestHookError(f"account.outbox_url: GET {url} failed: {_why(result)}")
        answer = result.response
        where = f"account.outbox_url: GET {url}"
        if answer.status != 200:
            raise TestHookError(f"{where} answered HTTP {answer.status}, expected 200")
        try:
            data = json.loads(answer.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise TestHookError(f"{where}: body is not JSON: {answer.body[:80]!r}") from None
        try:  # an emulator's own endpoint, in the contract's shape (protocols/hooks.py)
            return adapt_outbox(self.profile.account.outbox_format, data)
        except ValueError as exc:
            raise TestHookError(f"{where}: {exc}") from None

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _why(result: TransportResult) -> str:
    if result.failure is not None:
        return f"{result.failure.kind} ({result.failure.detail})"
    return "no answer"


def provision_identities(profile: TargetProfile) -> None:
    """Verify the profile's identities on the target first, when it asks for that.

    Only with `identities.provision = true` (the emulator profiles): on real SES,
    VerifyEmailIdentity sends a verification email, so nothing is provisioned by default.
    With `account.sandbox_switch`, the target's sandbox is then set as `account.sandbox` says.
    """
    if profile.identities.provision:
        client = make_client(profile)
        try:
            provision = getattr(client, "provision_identities", None)
            if provision is None:
                raise UsageError(
                    f"identities.provision: the {profile.protocol} protocol cannot verify "
                    "identities"
                )
            provision()
        finally:
            client.close()
    if profile.account.sandbox_switch:
        switch_sandbox(profile)


def check_reachable(url: str, *, timeout_s: float) -> None:
    """Raise TargetUnreachable at once when nothing listens at the target's address."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=timeout_s):
            return
    except OSError as exc:
        raise TargetUnreachable(f"target unreachable: {url} ({exc.strerror or exc})") from None
