"""ses.error-codes (SHOULD): over the SES wire protocols, real SES's codes and messages."""

from __future__ import annotations

import pytest
from hypothesis import given

from conformance.checks import applies, ses_code_problems
from conformance.model import Reject
from conformance.oracle import expect
from conformance.suite.support import TestContext, configured, rule
from strategies.build import faulty_requests
from strategies.cases import GeneratedCase

PROFILE = configured().profile
RULE = "ses.error-codes"


@rule(RULE)
@given(case=faulty_requests(profile=PROFILE))
def test_real_ses_codes(ctx: TestContext, case: GeneratedCase) -> None:
    if not applies(RULE, ctx.profile.protocol):
        pytest.skip("applies to the SES protocols (ses-query, sesv2); envelope codes are free")
    exchange = ctx.check(case)
    expectation = expect(ctx.target_params(case.request.params), ctx.profile)
    if not isinstance(expectation, Reject):
        return
    problems = ses_code_problems(expectation, exchange, ctx.profile, case.request.params)
    if problems:
        ctx.fail(
            RULE,
            problems[0],
            exchange,
            expected=f"real SES codes for {sorted(expectation.rules)}",
            params=case.request.params,
            problems=problems,
        )
