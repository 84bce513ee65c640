"""Judging one answer for one rule: the decision every conformance test shares.

`judge` turns (expectation, exchange) into nothing (the answer is fine), a violation
of the rule under test, or `broken` (no usable answer). A rejection owed only to other
rules is a gray zone for this rule: a target that misses it fails that rule's test.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from conformance.addresses import AddressClass, classify_address
from conformance.model import (
    Accept,
    Accepted,
    Either,
    Exchange,
    Expectation,
    RawRequest,
    Reject,
    Rejected,
    TransportFailure,
    Unrecognized,
    describe_expectation,
)
from conformance.oracle import recipients_of
from conformance.profile import TargetProfile

if TYPE_CHECKING:
    from conformance.suite.support import TestContext

VERIFICATION_RULES = frozenset({"sender.verified", "sandbox.recipients"})
QUOTA_CODES = frozenset(
    {"THROTTLING", "Throttling", "TooManyRequestsException", "LimitExceededException"}
)


def describe_outcome(exchange: Exchange) -> str:
    match exchange.outcome:
        case Accepted(id=message_id):
            return f"accepted (id={message_id!r})"
        case Rejected(code=code, message=message, status=status):
            return f"rejected HTTP {status} {code}: {message}"
        case Unrecognized(reason=reason, status=status):
            return f"unrecognised answer HTTP {status}: {reason}"
        case TransportFailure(kind=kind, detail=detail):
            return f"no answer ({kind}: {detail})"
    return repr(exchange.outcome)


def is_quota_rejection(exchange: Exchange, profile: TargetProfile) -> bool:
    outcome = exchange.outcome
    if not isinstance(outcome, Rejected):
        return False
    pinned = profile.codes.get("quota.recipients")
    if pinned:
        return outcome.code in pinned
    message = (outcome.message or "").lower()
    return outcome.code in QUOTA_CODES or "quota" in message


def judge(
    ctx: TestContext,
    rule_id: str,
    expectation: Expectation,
    exchange: Exchange,
    *,
    params: Mapping[str, Any] | None,
) -> None:
    """Raise `rule_id`'s violation when the answer contradicts the expectation."""
    if isinstance(expectation, Reject) and rule_id not in expectation.rules:
        # Rejected for another rule (a 0-recipient draw in the recipients.max test): a
        # target that misses it fails that rule's test, not this one.
        expectation = Either((f"rejection owed to {', '.join(sorted(expectation.rules))}",))
    expected = describe_expectation(expectation)
    outcome = exchange.outcome
    if isinstance(outcome, TransportFailure):
        ctx.broken(exchange, expected=expected, params=params)
    # Any answer must be a recognisable acceptance or refusal; which one, the oracle says.
    wanted = {Accept: Accepted, Reject: Rejected, Either: Accepted | Rejected}[type(expectation)]
    if not isinstance(outcome, wanted):
        actual = describe_outcome(exchange)
        ctx.fail(
            rule_id,
            f"expected {expected}, got {actual}",
            exchange,
            expected=expected,
            params=params,
        )
    if isinstance(expectation, Reject) and isinstance(outcome, Rejected):
        problems = rejection_problems(expectation.rules, outcome, ctx.profile, params=params)
        if problems:
            ctx.fail(
                rule_id, problems[0], exchange, expected=expected, params=params, problems=problems
            )


def rejection_problems(
    rules: frozenset[str],
    outcome: Rejected,
    profile: TargetProfile,
    *,
    params: Mapping[str, Any] | None = None,
) -> tuple[str, ...]:
    """What is wrong with a rejection for these rules: the message, the pinned codes.

    The documented "Email address not verified" message is required only when every
    address is well-formed: a malformed Source is a syntax error, whatever its domain.
    """
    problems: list[str] = []
    if (
        rules
        and rules <= VERIFICATION_RULES
        and _addresses_well_formed(params)
        and "not verified" not in (outcome.message or "").lower()
    ):
        problems.append(
            f"the error message must contain 'not verified' (documentation: "
            f'"Email address not verified"); got {outcome.message!r}'
        )
    pins = [profile.codes.get(r) for r in rules]
    if pins and all(pins):
        allowed = sorted({code for pin in pins if pin for code in pin})
        if outcome.code not in allowed:
            problems.append(
                f"error code {outcome.code!r} is not one pinned by the profile {allowed}"
            )
    return tuple(problems)


def _addresses_well_formed(params: Mapping[str, Any] | None) -> bool:
    if params is None:
        return False
    source = params.get("Source")
    if not isinstance(source, str):
        return False
    if classify_address(source, role="source").cls is not AddressClass.VALID:
        return False
    return all(
        classify_address(r, role="recipient").cls is AddressClass.VALID
        for r in recipients_of(params)
    )


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
        "params": json.loads(json.dumps(params, default=repr)) if params is not None else None,
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


def _text(body: bytes, limit: int = 64 * 1024) -> str:
    shown = body[:limit].decode("utf-8", errors="backslashreplace")
    if len(body) > limit:
        shown += f"\n... ({len(body)} bytes in all)"
    return shown
