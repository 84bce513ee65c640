"""envelope.* and http.status: the two documented envelopes, unique ids, honest timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from conformance.model import Accepted, Rejected
from conformance.suite.support import TestContext, configured, rule
from strategies.build import explicit, faulty_requests, requests
from strategies.cases import GeneratedCase

PROFILE = configured().profile
CREATED_AT_TOLERANCE = timedelta(minutes=5)


def _envelope_findings(ctx: TestContext, rule_id: str, case: GeneratedCase) -> None:
    exchange = ctx.check(case, rule_id=rule_id)
    problems = exchange.problems.get(rule_id, ())
    if problems:
        ctx.fail(
            rule_id,
            problems[0],
            exchange,
            expected=f"a well-formed {rule_id} answer",
            params=case.request.params,
            problems=tuple(problems),
        )


@rule("envelope.success")
@given(case=requests(profile=PROFILE))
@example(case=explicit(PROFILE))
def test_success_envelope(ctx: TestContext, case: GeneratedCase) -> None:
    _envelope_findings(ctx, "envelope.success", case)


@rule("envelope.error")
@given(case=faulty_requests(profile=PROFILE))
@example(case=explicit(PROFILE, to=0, label="0 recipients"))
def test_error_envelope(ctx: TestContext, case: GeneratedCase) -> None:
    _envelope_findings(ctx, "envelope.error", case)


@rule("envelope.id-unique")
@given(case=requests(profile=PROFILE), copies=st.integers(2, 4))
@example(case=explicit(PROFILE), copies=2)
def test_ids_are_unique(ctx: TestContext, case: GeneratedCase, copies: int) -> None:
    """Every accepted message gets its own id, even when the very same request is sent
    again (one request, sent 2-4 times, shrinks far faster than a list of requests)."""
    seen: dict[str, int] = {}
    for i in range(copies):
        exchange = ctx.check(case)
        outcome = exchange.outcome
        if isinstance(outcome, Accepted) and outcome.id:
            if outcome.id in seen:
                ctx.fail(
                    "envelope.id-unique",
                    f"message {i + 1} got the id {outcome.id!r} of message {seen[outcome.id] + 1}",
                    exchange,
                    expected="a new id",
                    params=case.request.params,
                )
            seen[outcome.id] = i


@rule("envelope.created-at")
@given(case=requests(profile=PROFILE))
@example(case=explicit(PROFILE))
def test_created_at_is_now(ctx: TestContext, case: GeneratedCase) -> None:
    if ctx.profile.protocol != "envelope":
        pytest.skip(f"the {ctx.profile.protocol} protocol answers with no created_at")
    from conformance.protocols.envelope import parse_timestamp

    exchange = ctx.check(case)
    outcome = exchange.outcome
    if not isinstance(outcome, Accepted):
        return  # a gray-zone rejection: nothing to time
    now = datetime.now(UTC)
    stamp = parse_timestamp(outcome.created_at) if outcome.created_at else None
    if stamp is None:
        ctx.fail(
            "envelope.created-at",
            f"no RFC 3339 created_at to compare: {outcome.created_at!r}",
            exchange,
            expected="created_at close to now",
            params=case.request.params,
        )
    elif abs(now - stamp) > CREATED_AT_TOLERANCE:
        ctx.fail(
            "envelope.created-at",
            f"created_at {outcome.created_at} is {now - stamp} "
            f"away from the client's clock ({now.isoformat()})",
            exchange,
            expected="within 5 minutes of now",
            params=case.request.params,
        )


@rule("http.status")
@given(case=st.one_of(requests(profile=PROFILE), faulty_requests(profile=PROFILE)))
@example(case=explicit(PROFILE))
@example(case=explicit(PROFILE, to=0, label="0 recipients"))
def test_http_status(ctx: TestContext, case: GeneratedCase) -> None:
    exchange = ctx.check(case)
    problems = exchange.problems.get("http.status", ())
    if problems and isinstance(exchange.outcome, Accepted | Rejected):
        ctx.fail(
            "http.status",
            problems[0],
            exchange,
            expected="2xx for success, 4xx for the error envelope",
            params=case.request.params,
            problems=tuple(problems),
        )
