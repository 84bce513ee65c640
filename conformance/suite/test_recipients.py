"""recipients.*: at least one, at most 50 across To/CC/BCC, and one bad address sinks all."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from conformance.model import Rejected, describe_expectation
from conformance.oracle import expect
from conformance.suite.builders import (
    case_of,
    deliverable,
    explicit,
    params_of,
    requests,
    verified_sender,
)
from conformance.suite.support import TestContext, configured, rule
from strategies.addresses import invalid_addresses
from strategies.cases import GeneratedCase
from strategies.recipients import (
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
    destination = {
        "missing lists": {},
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
def test_at_least_one_recipient(ctx: TestContext, case: GeneratedCase) -> None:
    ctx.check(case)


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
def test_recipient_count_limit(ctx: TestContext, case: GeneratedCase) -> None:
    ctx.check(case)


@st.composite
def _one_invalid_recipient(draw: st.DrawFn) -> GeneratedCase:
    """A valid request, then one invalid address planted in To, CC or BCC."""
    good = draw(recipient_lists(count=st.integers(0, 4), addresses=DELIVERABLE))
    # Planted into deliverable addresses, so a sandbox check cannot hide the defect.
    bad = draw(invalid_addresses(bases=DELIVERABLE))
    field = draw(st.sampled_from(FIELDS))
    position = draw(st.integers(0, 4))
    recipients = good.with_address(field, bad.text, position)
    params = params_of(source=verified_sender(PROFILE), recipients=recipients)
    return case_of(
        params,
        f"invalid recipient in {field[:-9]}: {bad.defect}",
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
def test_invalid_recipient_rejects_whole_message(ctx: TestContext, case: GeneratedCase) -> None:
    ctx.check(case)


@rule("recipients.valid")
@pytest.mark.exclusive
@given(case=_one_invalid_recipient())
def test_rejection_is_atomic(ctx: TestContext, case: GeneratedCase) -> None:
    """ "The entire message will be rejected": nothing of it reaches the outbox."""
    if ctx.profile.account.outbox_url is None:
        pytest.skip("the profile declares no account.outbox_url to observe deliveries")
    before = ctx.target.client.outbox()
    exchange = ctx.check(case)
    after = ctx.target.client.outbox()
    expectation = expect(case.request.params, ctx.profile)
    if isinstance(exchange.outcome, Rejected) and before is not None and after is not None:
        delivered = after[len(before) :] if len(after) >= len(before) else after
        if len(after) != len(before):
            ctx.fail(
                "recipients.valid",
                f"a rejected message still reached the outbox: {delivered!r}"[:500],
                exchange,
                expected=f"{describe_expectation(expectation)} and nothing delivered",
                params=case.request.params,
            )
