"""The protocol-neutral half of every client: one HTTP transport, safety limits, test hooks.

Each wire protocol (envelope.py, query.py, sesv2.py) only encodes a request and judges an
answer; everything that touches the network, the send budget, the rate limit, secret
redaction and curl replays lives here, so the protocols behave alike on a bad target.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol, Self, runtime_checkable
from urllib.parse import urlsplit

from conformance.errors import (
    ProtocolUnavailable,
    SendBudgetExhausted,
    TargetUnreachable,
    TestHookError,
    UsageError,
)
from conformance.model import (
    Exchange,
    RawRequest,
    Rejected,
    SendEmailRequest,
)
from conformance.outbox_formats import adapt_outbox
from conformance.profile import TargetProfile
from conformance.protocols import shared_limits
from conformance.protocols.aws_answers import SendQuota
from conformance.protocols.bounded import json_reason, load_json
from conformance.protocols.curl import redact_headers, render_curl
from conformance.protocols.limits import RateLimiter, SendBudget
from conformance.protocols.transport import (
    ECHO_FACTOR,
    MAX_BODY_BYTES,
    USER_AGENT,
    HttpTransport,
    TransportResult,
    classify_exception,
)
from conformance.redact import register_secrets

__all__ = [
    "ECHO_FACTOR",
    "MAX_BODY_BYTES",
    "USER_AGENT",
    "Client",
    "HttpClient",
    "HttpTransport",
    "ProtocolUnavailable",
    "SendBudgetExhausted",
    "TestHookError",
    "TransportResult",
    "classify_exception",
    "redact_headers",
    "render_curl",
]


# --- errors ---------------------------------------------------------------------------


# SendBudgetExhausted, TestHookError and ProtocolUnavailable live in conformance.errors and
# are re-exported here (__all__).


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

    # abilities: every client has them; a protocol without one says so by its answer
    def effective_params(self, params: Mapping[str, Any]) -> Mapping[str, Any]:
        """The request as the target will see it (the Query form carries no types)."""
        ...

    def provision_identities(self) -> None:
        """Verify the profile's identities on the target; UsageError where impossible."""
        ...

    def get_send_quota(self) -> SendQuota | None:
        """The target's own quota read-back; None where the protocol has none."""
        ...

    def sibling(self) -> Client:
        """A client like this one for another thread (a burst's senders), sharing its send
        budget and rate limit."""
        ...

    def paced(self, rate_per_s: float) -> AbstractContextManager[None]:
        """Within the block, SendEmail calls are spaced at `rate_per_s` instead of the
        run's pace: the send-rate rule must outrun the account's rate on purpose."""
        ...

    # what the wire knows about the rules: the suite asks, it never switches on a name
    def rule_applies(self, rule_id: str) -> bool:
        """Whether `rule_id` can be judged over this wire at all (the SES wires answer
        with no created_at; the envelope has no SES error codes)."""
        ...

    def error_code_problems(
        self, expected_rules: frozenset[str], rejected: Rejected, *, source_syntax_invalid: bool
    ) -> tuple[str, ...]:
        """ses.error-codes for one refusal: real SES's code for the documented reason;
        () on a wire without SES codes."""
        ...


# --- the shared client half -----------------------------------------------------------


class HttpClient:
    """Transport, budget, rate limit, hooks and curl for one profile; protocols subclass."""

    RULES_NOT_APPLICABLE: frozenset[str] = frozenset()
    """Rules this wire cannot be judged by (a protocol subclass names them)."""

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
        self.budget = budget or shared_limits.budget_for(profile.safety.max_sends)
        self.limiter = limiter or shared_limits.limiter_for(profile.send_rate)
        self._dead = 0
        self._dead_detail = ""
        register_secrets(profile.secrets)

    DEAD_AFTER = 2
    """Calls that got no answer in a row (sends or hooks) before hooks stop calling."""

    @property
    def target_dead(self) -> bool:
        """The last DEAD_AFTER calls got no answer: hooks fail at once instead of waiting."""
        return self._dead >= self.DEAD_AFTER

    def _note(self, result: TransportResult) -> TransportResult:
        failure = result.failure
        if failure is not None and failure.kind in ("timeout", "connection", "refused"):
            self._dead += 1
            self._dead_detail = f"{failure.kind}: {failure.detail}"
        else:
            self._dead = 0
        return result

    def _send_call(
        self, method: str, url: str, *, headers: Mapping[str, str], body: bytes
    ) -> TransportResult:
        """One SendEmail call: counted against the budget, then spaced by the rate limit."""
        self.budget.take()
        self.limiter.wait()
        return self._note(self.transport.call(method, url, headers=headers, body=body))

    def _hook_call(self, method: str, url: str, where: str) -> TransportResult:
        """A test hook's call, unless the target stopped answering: then it fails at once."""
        if self.target_dead:
            raise TestHookError(
                f"{where}: {method} {url} not tried: the target stopped answering "
                f"({self._dead_detail[:300]})"
            )
        return self._note(self.transport.call(method, url, headers={"Accept": "application/json"}))

    def curl(self, exchange: Exchange) -> str:
        return render_curl(exchange.request, timeout_s=self.profile.timeout_s)

    def effective_params(self, params: Mapping[str, Any]) -> Mapping[str, Any]:
        """The JSON wires carry the params as they are."""
        return params

    def provision_identities(self) -> None:
        raise UsageError(f"identities.provision: the {self.name} protocol cannot verify identities")

    def get_send_quota(self) -> SendQuota | None:
        """No quota read-back unless the protocol has one (GetSendQuota, GetAccount)."""
        return None

    @contextmanager
    def paced(self, rate_per_s: float) -> Iterator[None]:
        """The run's rate limiter swapped for one at `rate_per_s` (shared like it, so the
        run's next slot stays one), then put back; the send budget stays the run's."""
        limiter = self.limiter
        self.limiter = shared_limits.limiter_for(rate_per_s)
        try:
            yield
        finally:
            self.limiter = limiter

    def rule_applies(self, rule_id: str) -> bool:
        return rule_id not in self.RULES_NOT_APPLICABLE

    def sibling(self) -> Self:
        """Its own transport (one serves one thread at a time), this client's budget and
        rate limit: concurrent sends stay within `safety.max_sends` and `rate_per_s`."""
        return type(self)(self.profile, budget=self.budget, limiter=self.limiter)

    def error_code_problems(
        self, expected_rules: frozenset[str], rejected: Rejected, *, source_syntax_invalid: bool
    ) -> tuple[str, ...]:
        return ()

    def reset(self) -> None:
        """POST account.reset_url (quota counter and outbox to zero); no-op when undeclared."""
        url = self.profile.account.reset_url
        if url is None:
            return
        result = self._hook_call("POST", url, "account.reset_url")
        if result.failure is not None or result.response is None:
            raise TestHookError(f"account.reset_url: POST {url} failed: {_why(result)}")
        if not 200 <= result.response.status < 300:
            raise TestHookError(
                f"account.reset_url: POST {url} answered HTTP {result.response.status}, "
                "expected 2xx"
            )
        self.reprovision()

    def reprovision(self) -> None:
        """Provision again what an emulator's reset may wipe (ministack's does): the
        identities (`identities.provision`) and the sandbox (`account.sandbox_switch`)."""
        if self.profile.identities.provision:
            self.provision_identities()
        if self.profile.account.sandbox_switch:
            self.switch_sandbox()

    def switch_sandbox(self) -> None:
        """`account.sandbox_switch` goes through SESv2 whatever the wire: each protocol
        client calls `sesv2.switch_sandbox` (this module cannot import the clients)."""
        raise UsageError(f"account.sandbox_switch: the {self.name} client cannot switch it")

    def outbox(self) -> list[dict[str, Any]] | None:
        """GET account.outbox_url -> its `messages`; None when the profile declares none."""
        url = self.profile.account.outbox_url
        if url is None:
            return None
        result = self._hook_call("GET", url, "account.outbox_url")
        if result.failure is not None or result.response is None:
            raise TestHookError(f"account.outbox_url: GET {url} failed: {_why(result)}")
        answer = result.response
        where = f"account.outbox_url: GET {url}"
        if answer.status != 200:
            raise TestHookError(f"{where} answered HTTP {answer.status}, expected 200")
        data, error = load_json(answer.body)
        if error is not None:
            raise TestHookError(f"{where}: {json_reason(answer.body, error)}")
        try:  # an emulator's own endpoint, in the contract's shape (outbox_formats.py)
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


def check_reachable(url: str, *, timeout_s: float) -> None:
    """Raise TargetUnreachable at once when nothing listens at the target's address."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=timeout_s):
            return
    except OSError as exc:
        raise TargetUnreachable(f"target unreachable: {url} ({exc.strerror or exc})") from None
