"""robust.no-5xx: bad input gets a clear error, never a 5xx, a hang or a dropped connection."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from conformance.checks import Reading, read
from conformance.model import RawRequest, TransportFailure, describe_expectation
from conformance.oracle import expect
from conformance.suite.builders import case_of, explicit
from conformance.suite.support import (
    TestContext,
    configured,
    describe_outcome,
    examples,
    judge,
    rule,
)
from strategies.cases import GeneratedCase

PROFILE = configured().profile
RULE = "robust.no-5xx"
_VALID = dict(explicit(PROFILE).request.params)
_VALID_JSON = json.dumps(_VALID).encode()


def _form(params: dict[str, Any]) -> bytes:
    return b"Action=SendEmail&Version=2010-12-01&Source=" + str(params["Source"]).encode()


CONTENT_TYPE = (
    "application/x-www-form-urlencoded" if PROFILE.protocol == "ses-query" else "application/json"
)


@st.composite
def malformed_bodies(draw: st.DrawFn) -> RawRequest:
    """Bodies no protocol can read as a request: broken syntax, bytes that are not UTF-8."""
    kinds: dict[str, bytes] = {
        "truncated JSON": _VALID_JSON[: draw(st.integers(1, len(_VALID_JSON) - 1))],
        "non-UTF-8 bytes": b'{"Source": "\xff\xfe\xc3\x28"}',
        "JSON array": b"[1, 2, 3]",
        "JSON number": b"42",
        "JSON null": b"null",
        "empty body": b"",
        "deep nesting": b"[" * 100_000 + b"]" * 100_000,
        "NUL bytes": b"\x00" * draw(st.integers(1, 64)),
        "random bytes": draw(st.binary(min_size=1, max_size=256)),
        "form body on a JSON API"
        if PROFILE.protocol != "ses-query"
        else "JSON on the form API": _VALID_JSON
        if PROFILE.protocol == "ses-query"
        else _form(_VALID),
    }
    label = draw(st.sampled_from(sorted(kinds)))
    content_type = (
        "application/x-www-form-urlencoded"
        if PROFILE.protocol == "ses-query"
        else "application/json"
    )
    return RawRequest(kinds[label], content_type=content_type, label=label)


@rule(RULE)
@settings(max_examples=examples(0.5, at_least=10))
@given(raw=malformed_bodies())
@example(raw=RawRequest(b'{"Source": ', content_type=CONTENT_TYPE, label="truncated JSON"))
@example(raw=RawRequest(b"\xff\xfe\xfd", content_type=CONTENT_TYPE, label="non-UTF-8 bytes"))
def test_malformed_bodies(ctx: TestContext, raw: RawRequest) -> None:
    ctx.begin_example((f"malformed: {raw.label}",))
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


WRONG_TYPES: tuple[tuple[tuple[str, ...], Any], ...] = (
    (("Source",), 5),
    (("Source",), None),
    (("Source",), ["a@b.example"]),
    (("Destination",), ["a@b.example"]),
    (("Destination", "ToAddresses"), "r@verified.example"),
    (("Destination", "ToAddresses"), [5]),
    (("Destination", "ToAddresses"), {"a": 1}),
    (("Message",), "hello"),
    (("Message", "Subject"), "hello"),
    (("Message", "Subject", "Data"), 123),
    (("Message", "Body"), []),
    (("Message", "Body", "Text", "Data"), {"nested": True}),
    (("Message", "Body", "Text", "Data"), True),
)


def with_value(params: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    result = copy.deepcopy(params)
    node = result
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return result


@st.composite
def wrong_types(draw: st.DrawFn) -> GeneratedCase:
    path, value = draw(st.sampled_from(WRONG_TYPES))
    huge = path[0] != "Message" and draw(st.sampled_from((0, 0, 1_000_000)))
    params = with_value(_VALID, path, value)
    label = f"wrong type: {'.'.join(path)} = {json.dumps(value)[:30]}"
    if huge:
        params = with_value(params, ("Message", "Subject", "Data"), "x" * huge)
        label += ", huge Subject"
    return case_of(params, label)


@rule(RULE)
@given(case=wrong_types())
@example(case=case_of(with_value(_VALID, ("Source",), 5), "wrong type: Source = 5"))
@example(case=case_of(with_value(_VALID, ("Source",), "x" * 2_000_000), "huge Source"))
def test_wrong_types(ctx: TestContext, case: GeneratedCase) -> None:
    ctx.begin_example(case.labels)
    params = ctx.target_params(case.request.params)
    expectation = expect(params, ctx.profile)
    exchange = ctx.send(case.request)
    _judge_robust(
        ctx, exchange, expected=describe_expectation(expectation), params=case.request.params
    )
    judge(ctx, RULE, expectation, exchange, params=case.request.params)


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
