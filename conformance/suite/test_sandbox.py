"""sandbox.recipients: in the sandbox only verified recipients and the simulator receive."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from conformance.suite.reach import check, examples
from conformance.suite.support import TestContext, configured, rule
from sesconf_strategies.build import case_of, params_of, requests, verified_sender
from sesconf_strategies.cases import GeneratedCase
from sesconf_strategies.class_examples import sandbox_class_cases
from sesconf_strategies.recipients import (
    Recipients,
    deliverable_recipients,
    recipient_lists,
    sandbox_violating_recipients,
)

PROFILE = configured().profile


def _to(*addresses: str, label: str) -> GeneratedCase:
    params = params_of(source=verified_sender(PROFILE), recipients=Recipients(tuple(addresses)))
    return case_of(params, label)


_mixed = st.one_of(
    deliverable_recipients(profile=PROFILE), sandbox_violating_recipients(profile=PROFILE)
)


@rule("sandbox.recipients")
@given(
    case=requests(
        profile=PROFILE, recipients=recipient_lists(count=st.integers(1, 4), addresses=_mixed)
    )
)
@example(case=_to("success@simulator.amazonses.com", label="simulator"))
@example(case=_to("bounce+label-1@simulator.amazonses.com", label="simulator with +label"))
@example(case=_to(f"someone@{PROFILE.identities.unverified_domain}", label="unverified recipient"))
@example(case=_to("other@simulator.amazonses.com", label="not a simulator mailbox"))
@examples(sandbox_class_cases(PROFILE))
def test_sandbox_recipients(ctx: TestContext, case: GeneratedCase) -> None:
    if not ctx.profile.account.sandbox:
        pytest.skip("applies only in the sandbox (profile: account.sandbox = false)")
    check(ctx, case)
