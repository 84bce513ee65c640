"""What a judgement hands back: a `Verdict` (a value, never an exception) and the
JSON-ready counterexample of summary.json, shared by the tests, the monitors and replay."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance.model import (
    Accepted,
    Exchange,
    RawRequest,
    Rejected,
    TransportFailure,
    Unrecognized,
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """One rule found broken by one answer (`broken`: no usable answer at all)."""

    rule_id: str
    summary: str
    exchange: Exchange
    expected: str
    params: Mapping[str, Any] | None = None
    raw: RawRequest | None = None
    problems: tuple[str, ...] = ()
    broken: bool = False


def describe_outcome(exchange: Exchange) -> str:
    match exchange.outcome:
        case Accepted(id=message_id):
            return f"accepted (id={message_id!r})"
        case Rejected(code=code, message=message, status=status):
            return f"rejected HTTP {status} {code}: {_short(message)}"
        case Unrecognized(reason=reason, status=status):
            return f"unrecognised answer HTTP {status}: {reason}"
        case TransportFailure(kind=kind, detail=detail):
            return f"no answer ({kind}: {detail})"
    return repr(exchange.outcome)


def _short(text: str | None, limit: int = 300) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


def counterexample_of(
    exchange: Exchange,
    *,
    client: Any,
    expected: str,
    params: Mapping[str, Any] | None = None,
    raw: RawRequest | None = None,
    problems: tuple[str, ...] = (),
    rule_id: str = "",
) -> dict[str, Any]:
    """The JSON-ready counterexample of summary.json (docs/architecture.md)."""
    req = exchange.request
    resp = exchange.response
    transport = None
    if isinstance(exchange.outcome, TransportFailure):
        transport = f"{exchange.outcome.kind}: {exchange.outcome.detail}"
    return {
        "params": json_ready(params) if params is not None else None,
        "raw_body_b64": base64.b64encode(raw.body).decode() if raw is not None else None,
        "request": {
            "method": req.method,
            "url": req.url,
            "headers": dict(req.headers),
            "body": _text(req.body),
        },
        "response": None
        if resp is None
        else {
            "status": resp.status,
            "headers": dict(resp.headers),
            "body": _text(resp.body),
            "truncated": resp.truncated,
        },
        "transport": transport,
        "expected": expected,
        "actual": describe_outcome(exchange),
        "problems": list(problems) or [p for ps in exchange.problems.values() for p in ps],
        "curl": client.curl(exchange),
        "replay": f"sesconf replay REPORT_DIR --rule {rule_id}" if rule_id else None,
    }


def json_ready(value: Any, depth: int = 0) -> Any:
    """`value` as JSON types, sharing its strings: a 40 MB generated body is kept once (the
    report compacts it), not copied into every counterexample. Odd values become their
    repr, as json.dumps(default=repr) made them; beyond 200 levels, a marker."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if depth >= 200:
        return f"[cut: a {type(value).__name__} nested over 200 levels deep]"
    if isinstance(value, Mapping):
        return {_key(k): json_ready(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v, depth + 1) for v in value]
    return repr(value)


def _key(key: Any) -> str:
    """A mapping key as json.dumps writes it."""
    if isinstance(key, bool) or key is None:
        return {True: "true", False: "false", None: "null"}[key]
    return str(key)


def counterexample_of_verdict(verdict: Verdict, client: Any) -> dict[str, Any]:
    """The counterexample of a verdict, its curl from the client that sent it."""
    return counterexample_of(
        verdict.exchange,
        client=client,
        expected=verdict.expected,
        params=verdict.params,
        raw=verdict.raw,
        problems=verdict.problems,
        rule_id=verdict.rule_id,
    )


def _text(body: bytes, limit: int = 64 * 1024) -> str:
    shown = body[:limit].decode("utf-8", errors="backslashreplace")
    if len(body) > limit:
        shown += f"\n... ({len(body)} bytes in all)"
    return shown
