"""robust.no-5xx: bad input gets a clear error, never a 5xx, a hang or a dropped connection."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings

from conformance.checks.evidence import describe_outcome
from conformance.checks.judgements import Reading, read
from conformance.model import RawRequest, TransportFailure, describe_expectation
from conformance.oracle import expect
from conformance.suite.reach import examples as class_examples
from conformance.suite.reach import note_class, note_classes
from conformance.suite.support import (
    TestContext,
    configured,
    examples,
    rule,
)
from conformance.wire.media import request_media_type
from sesconf_strategies.build import case_of, explicit
from sesconf_strategies.cases import GeneratedCase
from sesconf_strategies.class_examples_shape import robust_class_cases
from sesconf_strategies.malformed import explicit_malformed, malformed_bodies
from sesconf_strategies.shape_cases import with_value, wrong_types

PROFILE = configured().profile
RULE = "robust.no-5xx"
_VALID = dict(explicit(PROFILE).request.params)
CONTENT_TYPE = request_media_type(PROFILE.protocol)


@rule(RULE)
@settings(max_examples=examples(0.5, at_least=10))
@given(raw=malformed_bodies(protocol=PROFILE.protocol, params=_VALID))
@example(raw=RawRequest(b'{"Source": ', content_type=CONTENT_TYPE, label="truncated JSON"))
@example(raw=RawRequest(b"\xff\xfe\xfd", content_type=CONTENT_TYPE, label="non-UTF-8 bytes"))
@class_examples(explicit_malformed(protocol=PROFILE.protocol, params=_VALID), name="raw")
def test_malformed_bodies(ctx: TestContext, raw: RawRequest) -> None:
    ctx.begin_example((f"malformed: {raw.label}",))
    note_class(ctx, f"malformed: {raw.label}")
    exchange = ctx.send(raw)
    _judge_robust(ctx, exchange, expected="the error envelope (4xx)", raw=raw)
    if read(exchange) is not Reading.REJECTED:  # any 4xx; its body is envelope.error's
        ctx.fail(
            RULE,
            f"a malformed body must be rejected; got {describe_outcome(exchange)}",
            exchange,
            expected="the error envelope (4xx)",
            raw=raw,
        )


@rule(RULE)
@given(case=wrong_types(profile=PROFILE))
@example(case=case_of(with_value(_VALID, "Source", 5), "wrong type: Source = 5"))
@example(case=case_of(with_value(_VALID, "Source", "x" * 2_000_000), "huge Source"))
@class_examples(robust_class_cases(PROFILE))
def test_wrong_types(ctx: TestContext, case: GeneratedCase) -> None:
    ctx.begin_example(case.labels)
    note_classes(ctx, case)
    params = ctx.target_params(case.request.params)
    expectation = expect(params, ctx.profile)
    exchange = ctx.send_expecting(case.request, expectation)
    _judge_robust(
        ctx, exchange, expected=describe_expectation(expectation), params=case.request.params
    )
    ctx.judge(RULE, expectation, exchange, params=case.request.params)


def _judge_robust(ctx: TestContext, exchange: Any, *, expected: str, **where: Any) -> None:
    """5xx and dropped connections fail this rule; a hang makes it `broken`."""
    outcome = exchange.outcome
    if isinstance(outcome, TransportFailure) and outcome.kind == "connection":
        ctx.fail(
            RULE,
            f"the connection was dropped: {outcome.detail}",
            exchange,
            expected=expected,
            **where,
        )
    problems = exchange.problems.get(RULE, ())
    if problems:
        ctx.fail(RULE, problems[0], exchange, expected=expected, problems=tuple(problems), **where)
    if isinstance(outcome, TransportFailure):  # a hang or an unreadable answer: no verdict
        ctx.broken(exchange, expected=expected, params=where.get("params"))
