"""Judging one answer for one rule: the decision every conformance test shares.

`judge` turns (expectation, exchange) into nothing (the answer is fine), a violation
of the rule under test, or `broken` (no usable answer). It reads answers through
`conformance.checks`, the one home of every rule's judgement.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from conformance.checks import (
    CONTROLS,
    KEEPING_CONTROLS,
    QUOTA_CODES,
    REASON_CONTROLS,
    VERIFICATION_RULES,
    Reading,
    baseline,
    is_quota_rejection,
    read,
    rejection_problems,
    ses_code_problems,
)
from conformance.model import (
    Accept,
    Accepted,
    Exchange,
    Expectation,
    RawRequest,
    Reject,
    Rejected,
    TransportFailure,
    Unrecognized,
    describe_expectation,
)

if TYPE_CHECKING:
    from conformance.suite.support import TestContext

__all__ = [
    "QUOTA_CODES",
    "VERIFICATION_RULES",
    "counterexample_of",
    "describe_outcome",
    "is_quota_rejection",
    "judge",
    "refusal_is_owed_to",
    "refused_for_another_reason",
    "ses_code_findings",
]


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


def judge(
    ctx: TestContext,
    rule_id: str,
    expectation: Expectation,
    exchange: Exchange,
    *,
    params: Mapping[str, Any] | None,
) -> None:
    """Raise `rule_id`'s violation when the answer, read as accepted / rejected / 5xx / no
    answer, contradicts what the oracle says about `rule_id` itself.

    Shapes are the envelope monitors' business, 5xx robust.no-5xx's, no answer `broken`.
    A rejection owed only to other rules says nothing about this one; a refused acceptance
    is this rule's only when its control (the same request with this rule's dimension at
    a value every target accepts) is accepted.
    """
    reading = read(exchange)
    expected = describe_expectation(expectation)
    if reading is Reading.NO_ANSWER:
        ctx.broken(exchange, expected=expected, params=params)
    if reading not in (Reading.ACCEPTED, Reading.REJECTED):
        return
    if isinstance(expectation, Reject) and rule_id in expectation.rules:
        if reading is Reading.ACCEPTED:
            summary = f"expected {expected}, got {describe_outcome(exchange)}"
            ctx.fail(rule_id, summary, exchange, expected=expected, params=params)
        problems = rejection_problems(rule_id, expectation, exchange, ctx.profile, params=params)
        if problems and params is not None and refused_for_another_reason(ctx, rule_id, params):
            problems = ()  # the target refuses it anyway: its message is not this rule's
        if problems:
            ctx.fail(
                rule_id, problems[0], exchange, expected=expected, params=params, problems=problems
            )
    elif isinstance(expectation, Accept) and reading is Reading.REJECTED and params is not None:
        why = refusal_is_owed_to(ctx, rule_id, exchange, params)
        if why is not None:
            summary = f"expected accept, got {describe_outcome(exchange)} ({why})"
            ctx.fail(rule_id, summary, exchange, expected=expected, params=params)


def ses_code_findings(
    ctx: TestContext, expectation: Reject, exchange: Exchange, params: Mapping[str, Any]
) -> tuple[str, ...]:
    """ses.error-codes for one refusal, unless the target refuses the rule's control too
    (then its code names a reason of its own, not the rule's)."""
    problems = ses_code_problems(expectation, exchange, ctx.profile, params)
    if problems and len(expectation.rules) == 1:
        (rule_id,) = expectation.rules
        if refused_for_another_reason(ctx, rule_id, params):
            return ()
    return problems


def refused_for_another_reason(ctx: TestContext, rule_id: str, params: Mapping[str, Any]) -> bool:
    """The control (this rule's dimension at a value every target accepts) is refused too:
    the target has a reason of its own to refuse, so the message says nothing of this rule."""
    make = REASON_CONTROLS.get(rule_id)
    control = make(params, ctx.profile) if make is not None else None
    if control is None or control == dict(params):
        return False
    return read(ctx.send_control(control)) is not Reading.ACCEPTED


def refusal_is_owed_to(
    ctx: TestContext, rule_id: str, exchange: Exchange, params: Mapping[str, Any]
) -> str | None:
    """Why a refused acceptance is `rule_id`'s fault, or None when it is not (a control).

    Quota refusals are the quota tests' alone. A verified sender's baseline message
    (control recipient and message) refused is sender.verified's: it is the rule's
    documented positive case.
    """
    profile = ctx.profile
    if rule_id == "quota.recipients":
        return "a quota refusal" if is_quota_rejection(exchange, profile) else None
    if is_quota_rejection(exchange, profile):
        return None
    if rule_id in KEEPING_CONTROLS:
        keeping = KEEPING_CONTROLS[rule_id](params, profile)
        if read(ctx.send_control(keeping)) is Reading.REJECTED:
            return "as many control recipients, all else at control values, are refused too"
        return None
    if rule_id not in CONTROLS:
        return None
    control = CONTROLS[rule_id](params, profile)
    if control != dict(params):
        if read(ctx.send_control(control)) is Reading.ACCEPTED:
            return f"the same request with the control value for {rule_id} is accepted"
        return None
    if rule_id != "sender.verified":
        return None
    base = baseline(params, profile)
    if base != dict(params) and read(ctx.send_control(base)) is Reading.ACCEPTED:
        return None  # refused for its recipients or message, not its sender
    return "a verified sender's baseline message is refused"


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
