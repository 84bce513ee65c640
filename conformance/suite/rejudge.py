"""Re-judging one recorded request for one rule, exactly as the run judged it.

`sesconf replay` calls `REJUDGE[rule]`; every entry is built from the judgements the
tests and monitors use (`judging.judge`, `conformance.checks`), so a replay can only say
FIXED when the run would no longer fail the rule on that request. A rule without an entry
is an error (`MissingCheck`), never FIXED.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from conformance.checks import (
    ANSWER_CHECKS,
    Reading,
    accepted_id,
    read,
)
from conformance.errors import SesConfError
from conformance.model import Exchange, RawRequest, Reject, SendEmailRequest, TransportFailure
from conformance.oracle import expect
from conformance.suite.judging import describe_outcome, ses_code_findings
from conformance.suite.monitors import EXPECTED
from conformance.suite.support import TestContext

STATEFUL_RULES = frozenset({"quota.recipients"})
"""Judged over a sequence of sends: one request says nothing without the state."""


class MissingCheck(SesConfError):
    """A rule has no registered judgement: replay cannot say whether it is fixed."""


def _answer(ctx: TestContext, exchange: Exchange, params: Any, raw: Any = None) -> None:
    """The run-wide monitor's check of the rule under replay, if it is an answer rule."""
    check = ANSWER_CHECKS.get(ctx.rule)
    problems = check(exchange, ctx.profile) if check is not None else ()
    if problems:
        ctx.fail(
            ctx.rule,
            problems[0],
            exchange,
            expected=EXPECTED[ctx.rule],
            params=params,
            raw=raw,
            problems=problems,
        )


def _checked(ctx: TestContext, params: Mapping[str, Any]) -> Exchange:
    """The rule's own judgement (oracle, reading, controls), then its answer check."""
    exchange = ctx.check(SendEmailRequest(params))
    _answer(ctx, exchange, params)
    return exchange


def _id_unique(ctx: TestContext, params: Mapping[str, Any]) -> Exchange:
    """The same request twice after a reset (the run resets too): two acceptances, two ids."""
    ctx.target.client.reset()
    first = ctx.check(SendEmailRequest(params))
    second = ctx.check(SendEmailRequest(params))
    a, b = accepted_id(first), accepted_id(second)
    if a is not None and a == b:
        ctx.fail(
            ctx.rule,
            f"the same request sent twice got the same id {a!r}",
            second,
            expected="a new id",
            params=params,
        )
    return second


def _error_codes(ctx: TestContext, params: Mapping[str, Any]) -> Exchange:
    exchange = ctx.check(SendEmailRequest(params))
    expectation = expect(ctx.target_params(params), ctx.profile)
    if isinstance(expectation, Reject):
        problems = ses_code_findings(ctx, expectation, exchange, params)
        if problems:
            ctx.fail(
                ctx.rule,
                problems[0],
                exchange,
                expected=f"real SES codes for {sorted(expectation.rules)}",
                params=params,
                problems=problems,
            )
    return exchange


def _atomic(ctx: TestContext, params: Mapping[str, Any]) -> Exchange:
    """recipients.valid: judged, and a refused message must leave the outbox as it was."""
    client = ctx.target.client
    before = client.outbox()
    exchange = _checked(ctx, params)
    after = client.outbox()
    refused = read(exchange) is Reading.REJECTED
    if refused and before is not None and after is not None and len(after) != len(before):
        ctx.fail(
            ctx.rule,
            "a rejected message still reached the outbox",
            exchange,
            expected="reject and nothing delivered",
            params=params,
        )
    return exchange


def _dropped(ctx: TestContext, exchange: Exchange, **where: Any) -> None:
    outcome = exchange.outcome
    if isinstance(outcome, TransportFailure) and outcome.kind == "connection":
        ctx.fail(
            ctx.rule,
            f"the connection was dropped: {outcome.detail}",
            exchange,
            expected="an answer",
            **where,
        )


def _no_5xx(ctx: TestContext, params: Mapping[str, Any]) -> Exchange:
    exchange = ctx.send(SendEmailRequest(params))
    _dropped(ctx, exchange, params=params)
    _answer(ctx, exchange, params)
    expectation = expect(ctx.target_params(params), ctx.profile)
    from conformance.suite.judging import judge

    judge(ctx, ctx.rule, expectation, exchange, params=params)
    return exchange


def rejudge_raw(ctx: TestContext, raw: RawRequest) -> Exchange:
    """A raw body (malformed JSON, non-UTF-8): the answer rules, and robust.no-5xx's
    demand that it is refused."""
    exchange = ctx.send(raw)
    if ctx.rule == "robust.no-5xx":
        _dropped(ctx, exchange, raw=raw)
    _answer(ctx, exchange, None, raw)
    if isinstance(exchange.outcome, TransportFailure):
        ctx.broken(exchange, expected="the error envelope (4xx)")
    if ctx.rule == "robust.no-5xx" and read(exchange) is not Reading.REJECTED:
        ctx.fail(
            ctx.rule,
            f"a malformed body must be rejected; got {describe_outcome(exchange)}",
            exchange,
            expected="the error envelope (4xx)",
            raw=raw,
        )
    return exchange


Rejudge = Callable[[TestContext, Mapping[str, Any]], Exchange]
REJUDGE: Mapping[str, Rejudge] = {
    "sender.verified": _checked,
    "sandbox.recipients": _checked,
    "size.max": _checked,
    "recipients.min": _checked,
    "recipients.valid": _atomic,
    "recipients.max": _checked,
    "request.required": _checked,
    "envelope.success": _checked,
    "envelope.error": _checked,
    "envelope.id-unique": _id_unique,
    "envelope.created-at": _checked,
    "http.status": _checked,
    "robust.no-5xx": _no_5xx,
    "ses.error-codes": _error_codes,
}
"""Every rule replay can judge from one request; STATEFUL_RULES need a run."""


def rejudge(ctx: TestContext, params: Mapping[str, Any]) -> Exchange:
    """Judge `params` again for `ctx.rule`; MissingCheck when nothing is registered."""
    check = REJUDGE.get(ctx.rule)
    if check is None:
        raise MissingCheck(f"no replay check is registered for the rule {ctx.rule!r}")
    return check(ctx, params)
