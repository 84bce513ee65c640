"""robust.no-5xx: bad input gets a clear error, never a 5xx, a hang or a dropped connection."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from conformance.checks import Reading, describe_outcome, read
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
from sesconf_strategies.build import case_of, explicit
from sesconf_strategies.cases import GeneratedCase
from sesconf_strategies.class_examples_shape import robust_class_cases
from sesconf_strategies.requests import WRONG_TYPES

PROFILE = configured().profile
RULE = "robust.no-5xx"
_VALID = dict(explicit(PROFILE).request.params)
_VALID_JSON = json.dumps(_VALID).encode()


def _form(params: dict[str, Any]) -> bytes:
    return b"Action=SendEmail&Version=2010-12-01&Source=" + str(params["Source"]).encode()


CONTENT_TYPE = (
    "application/x-www-form-urlencoded" if PROFILE.protocol == "ses-query" else "application/json"
)


_OTHER_WIRE = _VALID_JSON if PROFILE.protocol == "ses-query" else _form(_VALID)
_FIXED: dict[str, bytes] = {
    "non-UTF-8 bytes": b'{"Source": "\xff\xfe\xc3\x28"}',
    "JSON array": b"[1, 2, 3]",
    "JSON number": b"42",
    "JSON null": b"null",
    "empty body": b"",
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
    "body of the other wire format": _OTHER_WIRE,
}
_MALFORMED = st.one_of(
    st.sampled_from(sorted(_FIXED.items())),
    st.integers(1, len(_VALID_JSON) - 1).map(lambda n: ("truncated JSON", _VALID_JSON[:n])),
    st.integers(1, 64).map(lambda n: ("NUL bytes", b"\x00" * n)),
    st.binary(min_size=1, max_size=256).map(lambda b: ("random bytes", b)),
)


def malformed_bodies() -> st.SearchStrategy[RawRequest]:
    """Bodies no protocol can read as a request: broken syntax, bytes that are not UTF-8."""
    return _MALFORMED.map(
        lambda kind: RawRequest(kind[1], content_type=CONTENT_TYPE, label=kind[0])
    )


_EXPLICIT_MALFORMED = [
    RawRequest(body, content_type=CONTENT_TYPE, label=label)
    for label, body in (
        *_FIXED.items(),
        ("truncated JSON", b'{"Source": '),
        ("NUL bytes", b"\x00" * 8),
        ("random bytes", b"\x93\x00\xfe{"),
    )
]


@rule(RULE)
@settings(max_examples=examples(0.5, at_least=10))
@given(raw=malformed_bodies())
@example(raw=RawRequest(b'{"Source": ', content_type=CONTENT_TYPE, label="truncated JSON"))
@example(raw=RawRequest(b"\xff\xfe\xfd", content_type=CONTENT_TYPE, label="non-UTF-8 bytes"))
@class_examples(_EXPLICIT_MALFORMED, name="raw")
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


def with_value(params: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `params` with the member at dotted `path` set to `value`."""
    result = copy.deepcopy(params)
    node = result
    *parents, last = path.split(".")
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = copy.deepcopy(value)
    return result


_WRONG = st.sampled_from(WRONG_TYPES)
_HUGE = st.sampled_from((0, 0, 1_000_000))


@st.composite
def wrong_types(draw: st.DrawFn) -> GeneratedCase:
    """One member of the wrong JSON type (strategies.requests.WRONG_TYPES), sometimes with
    a huge Subject beside it."""
    wrong = draw(_WRONG)
    huge = not wrong.path.startswith("Message") and draw(_HUGE)
    params = with_value(_VALID, wrong.path, wrong.value)
    label = f"wrong type: {wrong.path} = {json.dumps(wrong.value)[:30]}"
    if huge:
        params = with_value(params, "Message.Subject.Data", "x" * huge)
        label += ", huge Subject"
    return case_of(params, label)


@rule(RULE)
@given(case=wrong_types())
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
