"""Re-judging one recorded request for one rule, exactly as the run judged it.

`sesconf replay` calls `rejudge`; what it re-runs is the rule's `Check.replay` in the
registry, and every kind is built from the judgements the tests and monitors use
(`checks.judge`, the answer checks, the state checks), so a replay can only say FIXED when
the run would no longer fail the rule on that request. Each returns the last answer and
the verdict (None: fine); a rule replay cannot judge is an error (`MissingCheck`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from conformance.checks.evidence import Verdict, describe_outcome
from conformance.checks.judge import answer_verdict, judge, ses_code_verdict
from conformance.checks.judgements import Reading, read
from conformance.checks.registry import Replay, get_check
from conformance.checks.state import (
    atomic_verdict,
    id_unique_verdict,
    params_with_witness,
    witness_address,
)
from conformance.errors import MissingCheck
from conformance.model import (
    Exchange,
    Expectation,
    RawRequest,
    SendEmailRequest,
    TransportFailure,
    describe_expectation,
)
from conformance.oracle_raw import expect_any
from conformance.raw import is_raw
from conformance.suite.support import TestContext
from sesconf_strategies.cases import GeneratedCase

Judged = tuple[Exchange, Verdict | None]


def _judged(ctx: TestContext, params: Mapping[str, Any]) -> Judged:
    """The rule's own judgement (oracle, reading, controls), as the run's `ctx.check`."""
    expectation = ctx.expectation(params)
    exchange = ctx.send_expecting(SendEmailRequest(params), expectation)
    return exchange, _judge(ctx, expectation, exchange, params)


def _judge(
    ctx: TestContext, expectation: Expectation, exchange: Exchange, params: Mapping[str, Any]
) -> Verdict | None:
    return judge(
        ctx.rule,
        expectation,
        exchange,
        params=params,
        profile=ctx.profile,
        send_control=ctx.send_control,
    )


def _checked(ctx: TestContext, params: Mapping[str, Any]) -> Judged:
    """The rule's own judgement, then its answer check (the monitor's)."""
    exchange, verdict = _judged(ctx, params)
    return exchange, verdict or answer_verdict(ctx.rule, exchange, ctx.profile, params=params)


def _id_unique(ctx: TestContext, params: Mapping[str, Any]) -> Judged:
    """The same request twice after a reset (the run resets too): two acceptances, two ids."""
    ctx.target.client.reset()
    answers: list[Exchange] = []
    for _ in range(2):
        exchange, verdict = _judged(ctx, params)
        answers.append(exchange)
        if verdict is not None:
            return exchange, verdict
    return answers[-1], id_unique_verdict(answers, params=params)


def _error_codes(ctx: TestContext, params: Mapping[str, Any]) -> Judged:
    exchange, verdict = _judged(ctx, params)
    if verdict is not None:
        return exchange, verdict
    expectation = ctx.expectation(params)
    client = ctx.target.client
    return exchange, ses_code_verdict(
        expectation,
        exchange,
        params,
        profile=ctx.profile,
        client=client,
        send_control=ctx.send_control,
    )


def _atomic(ctx: TestContext, params: Mapping[str, Any]) -> Judged:
    """recipients.valid as the run's test judges it: the request names a witness recipient,
    and a refused message must deliver nothing to it."""
    if ctx.profile.account.outbox_url is None or is_raw(params):
        return _checked(ctx, params)  # a raw message names its recipients in its bytes
    witness = witness_address(ctx.profile)
    witnessed = params_with_witness(params, witness, ctx.profile.limits.max_recipients)
    exchange, verdict = _checked(ctx, witnessed)
    if verdict is not None or read(exchange) is not Reading.REJECTED:
        return exchange, verdict
    expected = describe_expectation(expect_any(witnessed, ctx.profile))
    outbox = ctx.target.client.outbox()
    return exchange, atomic_verdict(exchange, outbox, witness, params=witnessed, expected=expected)


def _dropped(ctx: TestContext, exchange: Exchange, **where: Any) -> Verdict | None:
    outcome = exchange.outcome
    if isinstance(outcome, TransportFailure) and outcome.kind == "connection":
        summary = f"the connection was dropped: {outcome.detail}"
        return Verdict(ctx.rule, summary, exchange, "an answer", **where)
    return None


def _no_5xx(ctx: TestContext, params: Mapping[str, Any]) -> Judged:
    exchange = ctx.send(SendEmailRequest(params))
    found = _dropped(ctx, exchange, params=params)
    found = found or answer_verdict(ctx.rule, exchange, ctx.profile, params=params)
    if found is not None:
        return exchange, found
    expectation = ctx.expectation(params)
    return exchange, _judge(ctx, expectation, exchange, params)


def _body(ctx: TestContext, params: Mapping[str, Any]) -> Judged:
    """A registered rule's own test body, on the recorded request (it raises its verdict)."""
    body = get_check(ctx.rule).body
    if body is None:
        raise MissingCheck(f"the rule {ctx.rule!r} registers no test body to replay")
    case = GeneratedCase(SendEmailRequest(params), frozenset(), ("replayed",))
    body(ctx, case)
    if ctx.last is None:
        raise MissingCheck(f"the test body of {ctx.rule!r} sent nothing")
    return ctx.last, None


def rejudge_raw(ctx: TestContext, raw: RawRequest) -> Judged:
    """A raw body (malformed JSON, non-UTF-8): the answer rules, and robust.no-5xx's
    demand that it is refused."""
    exchange = ctx.send(raw)
    found = _dropped(ctx, exchange, raw=raw) if ctx.rule == "robust.no-5xx" else None
    found = found or answer_verdict(ctx.rule, exchange, ctx.profile, raw=raw)
    if found is not None:
        return exchange, found
    if isinstance(exchange.outcome, TransportFailure):
        return exchange, Verdict(ctx.rule, "", exchange, "the error envelope (4xx)", broken=True)
    if ctx.rule == "robust.no-5xx" and read(exchange) is not Reading.REJECTED:
        summary = f"a malformed body must be rejected; got {describe_outcome(exchange)}"
        return exchange, Verdict(ctx.rule, summary, exchange, "the error envelope (4xx)", raw=raw)
    return exchange, None


Rejudge = Callable[[TestContext, Mapping[str, Any]], Judged]
_KINDS: Mapping[Replay, Rejudge] = {
    Replay.CHECKED: _checked,
    Replay.ATOMIC: _atomic,
    Replay.ID_UNIQUE: _id_unique,
    Replay.NO_5XX: _no_5xx,
    Replay.ERROR_CODES: _error_codes,
    Replay.BODY: _body,
}


def replayable(rule_id: str) -> bool:
    """Whether one recorded request can say anything of the rule (not a stateful one)."""
    check = get_check(rule_id)
    return not check.stateful and check.replay is not Replay.NONE


def rejudge(ctx: TestContext, params: Mapping[str, Any]) -> Judged:
    """Judge `params` again for `ctx.rule`; MissingCheck when nothing is registered."""
    try:
        kind = get_check(ctx.rule).replay
    except KeyError:
        raise MissingCheck(f"no replay check is registered for the rule {ctx.rule!r}") from None
    again = _KINDS.get(kind) if kind is not None else None
    if again is None:
        raise MissingCheck(f"the rule {ctx.rule!r} cannot be replayed from one request")
    return again(ctx, params)
