"""Values shared by every layer: the abstract request, what the oracle expects, what came back.

All are frozen, slotted dataclasses: they are passed between the strategies, the oracle,
the protocol clients and the reports, and nobody may change them on the way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

JSON: TypeAlias = Any
"""A JSON-compatible value (dict, list, str, int, float, bool, None)."""


# --- the request ---------------------------------------------------------------------

_SHOWN = 120


def clipped(value: Any, limit: int = _SHOWN) -> Any:
    """`value` with long strings and bytes cut down: a 10 MB body must never reach a log,
    a CI console or a Hypothesis report through a repr (the reports carry it whole)."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]}... ({len(value)} chars)"
    if isinstance(value, bytes) and len(value) > limit:
        return value[:limit] + f"... ({len(value)} bytes)".encode()
    if isinstance(value, Mapping):
        return {k: clipped(v, limit) for k, v in value.items()}
    if isinstance(value, list | tuple):
        items = [clipped(v, limit) for v in value[:20]]
        if len(value) > 20:
            items.append(f"... ({len(value)} items)")
        return items
    return value


class _ShortRepr:
    """Hypothesis prints values field by field unless they pretty-print themselves."""

    __slots__ = ()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


@dataclass(frozen=True, slots=True, repr=False)
class SendEmailRequest(_ShortRepr):
    """The abstract SendEmail request, with the SES parameter names.

    `params` is JSON-compatible and may be wrong on purpose: missing members, wrong
    types, unknown fields. Every protocol serialises it to its own wire form.
    """

    params: Mapping[str, JSON]

    def __repr__(self) -> str:
        return f"SendEmailRequest(params={clipped(self.params)!r})"


@dataclass(frozen=True, slots=True, repr=False)
class RawRequest(_ShortRepr):
    """Bytes sent as they are (malformed JSON, non-UTF-8 bodies): robustness checks only."""

    body: bytes
    content_type: str = "application/json"
    label: str = ""

    def __repr__(self) -> str:
        return (
            f"RawRequest(body={clipped(self.body)!r}, content_type={self.content_type!r}, "
            f"label={self.label!r})"
        )


# --- what a conformant target must answer (the oracle) ----------------------------------


@dataclass(frozen=True, slots=True)
class Accept:
    """A conformant target must return the success envelope."""


@dataclass(frozen=True, slots=True)
class Reject:
    """A conformant target must return the error envelope; any of `rules` may be reported."""

    rules: frozenset[str]
    reasons: tuple[str, ...] = ()
    gray: tuple[str, ...] = ()
    """Gray-zone reasons the request has too: any of them may be why it is refused."""


@dataclass(frozen=True, slots=True)
class Either:
    """The documentation does not decide: accept or reject, but well-formed and no 5xx."""

    reasons: tuple[str, ...] = ()


Expectation: TypeAlias = Accept | Reject | Either


def describe_expectation(expectation: Expectation) -> str:
    """One line for reports: `accept`, `reject(recipients.max)`, `either (gray address)`."""

    def why(reasons: tuple[str, ...]) -> str:
        return "; ".join(r if len(r) <= 160 else f"{r[:150]}... ({len(r)} chars)" for r in reasons)

    match expectation:
        case Accept():
            return "accept"
        case Reject(rules=rules, reasons=reasons):
            return f"reject({', '.join(sorted(rules))})" + (f": {why(reasons)}" if reasons else "")
        case Either(reasons=reasons):
            return f"either ({why(reasons)})" if reasons else "either"
    raise TypeError(f"not an expectation: {expectation!r}")


# --- what came back (normalised by a protocol client) -----------------------------------


@dataclass(frozen=True, slots=True)
class Accepted:
    """The target accepted the message (a success envelope, perhaps a malformed one)."""

    id: str | None
    created_at: str | None = None


@dataclass(frozen=True, slots=True)
class Rejected:
    """The target refused the message with something recognisable as an error."""

    code: str | None
    message: str | None
    status: int


@dataclass(frozen=True, slots=True)
class Unrecognized:
    """An HTTP answer that is neither a success nor an error in this protocol's terms."""

    reason: str
    status: int


TransportKind: TypeAlias = Literal["timeout", "connection", "too-large", "refused", "unreadable"]
"""`unreadable`: a body that claims to be XML but cannot be read safely (an entity bomb,
truncated XML): no verdict can be drawn from it, so the rule is `broken`."""


@dataclass(frozen=True, slots=True)
class TransportFailure:
    """No usable HTTP answer: a hang, a reset, a refused connection, an endless body."""

    kind: TransportKind
    detail: str


Answer: TypeAlias = Accepted | Rejected | Unrecognized | TransportFailure
"""What a target answered, read by a protocol client (a rule's verdict is `exitcodes.Outcome`)."""


@dataclass(frozen=True, slots=True)
class WireRequest:
    """Exactly what went on the wire (headers with secrets already redacted)."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True, slots=True)
class WireResponse:
    """Exactly what came back; `body` is capped by the client (see `truncated`)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    elapsed_s: float
    truncated: bool = False

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and its answer, normalised, with the protocol's envelope findings.

    `problems` maps a rule id (`envelope.success`, `envelope.error`, `http.status`, ...)
    to what is wrong with this answer under that rule; empty when all is well.
    """

    request: WireRequest
    response: WireResponse | None
    outcome: Answer
    problems: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    protocol: str = "envelope"
