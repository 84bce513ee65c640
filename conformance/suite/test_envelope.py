"""envelope.*, http.status and http.content-type: the two documented envelopes, unique ids,
honest timestamps, and the HTTP they come in."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conformance.checks.judge import answer_verdict
from conformance.checks.state import id_unique_verdict
from conformance.model import Exchange
from conformance.suite.support import TestContext, configured, examples, rule
from sesconf_strategies.build import explicit, faulty_requests, requests
from sesconf_strategies.cases import GeneratedCase

PROFILE = configured().profile
OWN_SHARE = settings(max_examples=examples(0.5, at_least=10))
"""The answer rules' own tests take half the run's example budget: the run-wide monitors
hold every answer of the run (over a thousand in a default run) to the same checks, so
these tests add focused cases, not the bulk of the evidence."""


def _answer_rule(ctx: TestContext, rule_id: str, case: GeneratedCase) -> Exchange:
    """Judge the answer by `rule_id`'s check (the one the run-wide monitor applies too)."""
    exchange = ctx.check(case, rule_id=rule_id)
    ctx.verdict(answer_verdict(rule_id, exchange, ctx.profile, params=case.request.params))
    return exchange


@rule("envelope.success")
@given(case=requests(profile=PROFILE))
@example(case=explicit(PROFILE))
@OWN_SHARE
def test_success_envelope(ctx: TestContext, case: GeneratedCase) -> None:
    _answer_rule(ctx, "envelope.success", case)


@rule("envelope.error")
@given(case=faulty_requests(profile=PROFILE))
@example(case=explicit(PROFILE, to=0, label="0 recipients"))
@OWN_SHARE
def test_error_envelope(ctx: TestContext, case: GeneratedCase) -> None:
    _answer_rule(ctx, "envelope.error", case)


@rule("envelope.id-unique")
@pytest.mark.sends(3)
@given(case=requests(profile=PROFILE), copies=st.integers(2, 4))
@example(case=explicit(PROFILE), copies=2)
@OWN_SHARE
def test_ids_are_unique(ctx: TestContext, case: GeneratedCase, copies: int) -> None:
    """Every accepted message gets its own id, even when the very same request is sent
    again (one request, sent 2-4 times, shrinks far faster than a list of requests). The
    run-wide monitor holds every id of the run to the same rule."""
    answers: list[Exchange] = []
    for _ in range(copies):
        answers.append(ctx.check(case))
        ctx.verdict(id_unique_verdict(answers, params=case.request.params))


@rule("envelope.created-at")
@given(case=requests(profile=PROFILE))
@example(case=explicit(PROFILE))
@OWN_SHARE
def test_created_at_is_now(ctx: TestContext, case: GeneratedCase) -> None:
    if not ctx.target.client.rule_applies("envelope.created-at"):
        pytest.skip(f"the {ctx.profile.protocol} protocol answers with no created_at")
    _answer_rule(ctx, "envelope.created-at", case)


@rule("http.content-type")
@given(case=st.one_of(requests(profile=PROFILE), faulty_requests(profile=PROFILE)))
@example(case=explicit(PROFILE))
@example(case=explicit(PROFILE, to=0, label="0 recipients"))
@OWN_SHARE
def test_content_type(ctx: TestContext, case: GeneratedCase) -> None:
    if not ctx.target.client.rule_applies("http.content-type"):
        pytest.skip(f"the {ctx.profile.protocol} protocol's media types are its envelopes'")
    _answer_rule(ctx, "http.content-type", case)


@rule("http.status")
@given(case=st.one_of(requests(profile=PROFILE), faulty_requests(profile=PROFILE)))
@example(case=explicit(PROFILE))
@example(case=explicit(PROFILE, to=0, label="0 recipients"))
@OWN_SHARE
def test_http_status(ctx: TestContext, case: GeneratedCase) -> None:
    _answer_rule(ctx, "http.status", case)
