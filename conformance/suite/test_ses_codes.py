"""ses.error-codes (SHOULD): over the SES wire protocols, real SES's codes and messages."""

from __future__ import annotations

import pytest
from hypothesis import given

from conformance.addresses import AddressClass, classify_address
from conformance.model import Reject, Rejected
from conformance.oracle import expect
from conformance.protocols import query, sesv2
from conformance.suite.support import TestContext, configured, rule
from strategies.build import faulty_requests
from strategies.cases import GeneratedCase

PROFILE = configured().profile
RULE = "ses.error-codes"


@rule(RULE)
@given(case=faulty_requests(profile=PROFILE))
def test_real_ses_codes(ctx: TestContext, case: GeneratedCase) -> None:
    if ctx.profile.protocol == "envelope":
        pytest.skip("applies to the SES protocols (ses-query, sesv2); envelope codes are free")
    exchange = ctx.check(case)
    expectation = expect(ctx.target_params(case.request.params), ctx.profile)
    if not (isinstance(expectation, Reject) and isinstance(exchange.outcome, Rejected)):
        return
    wire = query if ctx.profile.protocol == "ses-query" else sesv2
    source = case.request.params.get("Source")
    syntax_invalid = not (
        isinstance(source, str)
        and classify_address(source, role="source").cls is AddressClass.VALID
    )
    problems = wire.ses_error_code_problems(
        expectation.rules, exchange.outcome, source_syntax_invalid=syntax_invalid
    )
    if problems:
        ctx.fail(
            RULE,
            problems[0],
            exchange,
            expected=f"real SES codes for {sorted(expectation.rules)}",
            params=case.request.params,
            problems=tuple(problems),
        )
