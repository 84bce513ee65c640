"""tags.valid (SHOULD): invalid message tags are refused, before the identities are."""

from __future__ import annotations

from hypothesis import given

from conformance.checks.judge import tag_error_verdict
from conformance.suite.reach import check, examples
from conformance.suite.support import TestContext, configured, rule
from sesconf_strategies.cases import GeneratedCase
from sesconf_strategies.tags import tag_class_cases, tag_requests

PROFILE = configured().profile


@rule("tags.valid")
@given(case=tag_requests(profile=PROFILE))
@examples(tag_class_cases(PROFILE))
def test_tags_valid(ctx: TestContext, case: GeneratedCase) -> None:
    exchange = check(ctx, case)
    params = case.request.params
    ctx.verdict(
        tag_error_verdict(
            ctx.expectation(params),
            exchange,
            ctx.target_params(params),
            profile=ctx.profile,
            client=ctx.target.client,
            send_control=ctx.send_control,
        )
    )
