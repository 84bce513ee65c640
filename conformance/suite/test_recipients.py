"""recipients.*: at least one, at most 50 across To/CC/BCC, and one bad address sinks all."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import example, given, target
from hypothesis import strategies as st

from conformance.checks.state import atomic_verdict, params_with_witness, witness_address
from conformance.model import Rejected, SendEmailRequest, describe_expectation
from conformance.oracle import expect
from conformance.suite.reach import check, examples
from conformance.suite.support import TestContext, configured, rule
from sesconf_strategies.build import (
    case_of,
    deliverable,
    explicit,
    params_of,
    requests,
    verified_sender,
)
from sesconf_strategies.cases import GeneratedCase
from sesconf_strategies.class_examples import (
    count_class_cases,
    min_class_cases,
    recipient_class_cases,
)
from sesconf_strategies.recipient_cases import no_recipients, one_invalid_recipient
from sesconf_strategies.recipients import (
    Recipients,
    deliverable_recipients,
    recipient_counts,
    recipient_lists,
)

PROFILE = configured().profile
LIMIT = PROFILE.limits.max_recipients
DELIVERABLE = deliverable_recipients(profile=PROFILE)


@rule("recipients.min")
@given(case=st.one_of(no_recipients(profile=PROFILE), requests(profile=PROFILE)))
@example(case=explicit(PROFILE, to=0, label="0 recipients"))
@example(case=explicit(PROFILE, to=1, label="1 recipient"))
@example(case=explicit(PROFILE, to=0, cc=0, bcc=1, label="1 recipient in Bcc only"))
@examples(min_class_cases(PROFILE))
def test_at_least_one_recipient(ctx: TestContext, case: GeneratedCase) -> None:
    check(ctx, case)


@rule("recipients.max")
@given(
    case=requests(
        profile=PROFILE,
        recipients=recipient_lists(
            count=recipient_counts(max_recipients=LIMIT, band="any"), addresses=DELIVERABLE
        ),
    )
)
@example(case=explicit(PROFILE, to=LIMIT, label="exactly the limit in To"))
@example(case=explicit(PROFILE, to=LIMIT + 1, label="limit + 1 in To"))
@example(case=explicit(PROFILE, to=LIMIT - 20, cc=10, bcc=10, label="exactly the limit across"))
@example(case=explicit(PROFILE, to=LIMIT - 20, cc=10, bcc=11, label="limit + 1 across"))
@example(case=explicit(PROFILE, to=1, bcc=LIMIT, label="limit + 1 mostly in Bcc"))
@examples(count_class_cases(PROFILE))
def test_recipient_count_limit(ctx: TestContext, case: GeneratedCase) -> None:
    count = len(case.request.params.get("Destination", {}).get("ToAddresses", ()))
    target(-abs(count - LIMIT - 0.5), label="distance of the To count from the limit")
    check(ctx, case)


@rule("recipients.valid")
@given(case=one_invalid_recipient(profile=PROFILE))
@example(
    case=case_of(
        params_of(
            source=verified_sender(PROFILE),
            recipients=Recipients(
                (
                    f"ok@{PROFILE.identities.verified_domains[0]}"
                    if PROFILE.identities.verified_domains
                    else "success@simulator.amazonses.com",
                ),
                (),
                # in a verified domain: a sandbox check cannot hide the bad syntax
                (f"bad..dot@{(PROFILE.identities.verified_domains or ('x.example',))[0]}",),
            ),
        ),
        "invalid Bcc",
    )
)
@example(
    case=case_of(
        params_of(
            source=verified_sender(PROFILE),
            recipients=Recipients(
                (deliverable(PROFILE, 0),),
                (f".lead@{(PROFILE.identities.verified_domains or ('x.example',))[0]}",),
            ),
        ),
        "invalid Cc",
    )
)
@examples(recipient_class_cases(PROFILE))
def test_invalid_recipient_rejects_whole_message(ctx: TestContext, case: GeneratedCase) -> None:
    check(ctx, case)


@rule("recipients.valid")
@given(case=one_invalid_recipient(profile=PROFILE))
def test_rejection_is_atomic(ctx: TestContext, case: GeneratedCase) -> None:
    """ "The entire message will be rejected": nothing of it reaches the outbox.

    The message also names a witness, a valid recipient no other send of any run names:
    a delivery naming it comes from this send, so the test reads the outbox once and can
    run beside tests that deliver mail of their own. (A beside-running test that resets
    the target between the send and the read can hide a delivery, never invent one.)
    """
    if ctx.profile.account.outbox_url is None:
        pytest.skip("the profile declares no account.outbox_url to observe deliveries")
    witness = witness_address(ctx.profile)
    case = replace(
        case, request=SendEmailRequest(params_with_witness(case.request.params, witness, LIMIT))
    )
    exchange = check(ctx, case)
    if not isinstance(exchange.outcome, Rejected):
        return
    expected = describe_expectation(expect(case.request.params, ctx.profile))
    outbox = ctx.target.client.outbox()
    ctx.verdict(
        atomic_verdict(exchange, outbox, witness, params=case.request.params, expected=expected)
    )
