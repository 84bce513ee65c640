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
from sesconf_strategies.addresses import gray_addresses, invalid_addresses
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
from sesconf_strategies.recipients import (
    FIELDS,
    Recipients,
    deliverable_recipients,
    recipient_counts,
    recipient_lists,
)

PROFILE = configured().profile
LIMIT = PROFILE.limits.max_recipients
DELIVERABLE = deliverable_recipients(profile=PROFILE)


@st.composite
def _no_recipients(draw: st.DrawFn) -> GeneratedCase:
    """Zero recipients, written every way: no Destination members, empty lists."""
    shape = draw(st.sampled_from(("missing lists", "empty lists", "empty To only")))
    no_lists: dict[str, list[str]] = {}
    destination = {
        "missing lists": no_lists,
        "empty lists": {"ToAddresses": [], "CcAddresses": [], "BccAddresses": []},
        "empty To only": {"ToAddresses": []},
    }[shape]
    params = params_of(source=verified_sender(PROFILE), recipients=Recipients())
    params["Destination"] = destination
    return case_of(params, f"0 recipients: {shape}", violates=frozenset({"recipients.min"}))


@rule("recipients.min")
@given(case=st.one_of(_no_recipients(), requests(profile=PROFILE)))
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


# Planted into deliverable addresses, so a sandbox check cannot hide the defect.
_INVALID = invalid_addresses(bases=DELIVERABLE).map(
    lambda bad: (bad.text, f"invalid: {bad.defect}")
)
_GRAY = gray_addresses().map(lambda gray: (gray.text, f"gray: {gray.reason}"))
_GOOD = recipient_lists(count=st.integers(0, 8), addresses=DELIVERABLE)
_FIELD = st.sampled_from(FIELDS)
_POSITION = st.integers(0, 8)


@st.composite
def _one_invalid_recipient(draw: st.DrawFn) -> GeneratedCase:
    """A valid request, then one invalid (sometimes also a gray) address planted in To,
    CC or BCC, anywhere in its list."""
    good = draw(_GOOD)
    text, label = draw(_INVALID)
    field = draw(_FIELD)
    recipients = good.with_address(field, text, draw(_POSITION))
    if draw(st.booleans()):
        gray, _ = draw(_GRAY)
        recipients = recipients.with_address(draw(_FIELD), gray, draw(_POSITION))
    params = params_of(source=verified_sender(PROFILE), recipients=recipients)
    return case_of(
        params,
        f"invalid recipient in {field[:-9]}: {label}",
        recipients.label(),
        violates=frozenset({"recipients.valid"}),
    )


@rule("recipients.valid")
@given(case=_one_invalid_recipient())
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
@given(case=_one_invalid_recipient())
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
