"""ses.error-codes (SHOULD): over the SES wire protocols, real SES's codes and messages."""

from __future__ import annotations

import pytest
from hypothesis import Phase, example, given, settings

from conformance.checks.judge import ses_code_verdict
from conformance.model import Exchange, Expectation
from conformance.oracle import expect
from conformance.oracle_raw import expect_any
from conformance.suite.reach import examples
from conformance.suite.support import TestContext, configured, rule
from sesconf_strategies.build import case_of, explicit, faulty_requests
from sesconf_strategies.cases import GeneratedCase
from sesconf_strategies.raw_cases import raw_class_cases

PROFILE = configured().profile
RULE = "ses.error-codes"


def _code_case(label: str, **changes: object) -> GeneratedCase:
    params = dict(explicit(PROFILE).request.params)
    params.update(changes)
    return case_of(params, f"code: {label}")


_DOMAIN = (PROFILE.identities.verified_domains or ("x.example",))[0]
_RAW_RULES = (
    "raw.mime", "sender.verified", "sandbox.recipients", "recipients.valid", "recipients.max",
    "recipients.min", "request.required",
)  # fmt: skip


def _raw_refusals() -> list[GeneratedCase]:
    """A raw message refused for one rule alone, for each rule with a real SES code: raw
    refusals are judged by their codes as SendEmail's are. Not the size: its refusal is a
    10 MB message (40 MB over SESv2), and like SendEmail's it is left to the size test."""
    cases: list[GeneratedCase] = []
    for rule_id in _RAW_RULES:
        cases += [c for c in raw_class_cases(rule_id, PROFILE) if c.violates == {rule_id}][:1]
    return cases


@rule(RULE)
@given(case=faulty_requests(profile=PROFILE))
@example(case=_code_case("bad recipient", Destination={"ToAddresses": [f"a..b@{_DOMAIN}"]}))
@example(case=_code_case("unverified sender", Source=f"a@{PROFILE.identities.unverified_domain}"))
@example(case=explicit(PROFILE, to=PROFILE.limits.max_recipients + 1, label="code: 51"))
def test_real_ses_codes(ctx: TestContext, case: GeneratedCase) -> None:
    if not ctx.target.client.rule_applies(RULE):
        pytest.skip("applies to the SES protocols (ses-query, sesv2); envelope codes are free")
    exchange = ctx.check(case)
    expectation = expect(ctx.target_params(case.request.params), ctx.profile)
    ctx.verdict(
        ses_code_verdict(
            expectation,
            exchange,
            case.request.params,
            profile=ctx.profile,
            client=ctx.target.client,
            send_control=ctx.send_control,
        )
    )


# Its own test, written-out examples only: a derandomized run draws from a test's source,
# so test_real_ses_codes keeps the draws the emulators' expectations were derived on.
@rule(RULE)
@settings(phases=[Phase.explicit])
@given(case=faulty_requests(profile=PROFILE))
@examples(_raw_refusals())
def test_real_ses_codes_raw(ctx: TestContext, case: GeneratedCase) -> None:
    if not ctx.target.client.rule_applies("raw.mime"):
        pytest.skip("raw messages travel over ses-query and sesv2 only (protocols.md §4)")
    exchange = ctx.check(case)
    expectation = expect_any(ctx.target_params(case.request.params), ctx.profile)
    _judge(ctx, case, exchange, expectation)


def _judge(
    ctx: TestContext, case: GeneratedCase, exchange: Exchange, expectation: Expectation
) -> None:
    ctx.verdict(
        ses_code_verdict(
            expectation,
            exchange,
            case.request.params,
            profile=ctx.profile,
            client=ctx.target.client,
            send_control=ctx.send_control,
        )
    )
