"""sender.verified: only verified addresses, verified domains and their subdomains send."""

from __future__ import annotations

from hypothesis import example, given

from conformance.suite.reach import check, examples
from conformance.suite.support import TestContext, configured, rule
from conformance.verification import is_verified
from sesconf_strategies.build import explicit, requests
from sesconf_strategies.cases import GeneratedCase
from sesconf_strategies.class_examples import sender_class_cases
from sesconf_strategies.senders import senders

PROFILE = configured().profile
IDS = PROFILE.identities
DOMAIN = IDS.verified_domains[0] if IDS.verified_domains else "verified.example"
ADDRESS = IDS.verified_addresses[0] if IDS.verified_addresses else f"sender@{DOMAIN}"
# An address identity whose domain is not verified too: only its exact spelling may send.
ADDRESS_ONLY = next(
    (a for a in IDS.verified_addresses if is_verified(a.swapcase(), IDS) is False), ADDRESS
)


def _sender_example(source: str, label: str) -> GeneratedCase:
    return explicit(PROFILE, source=source, label=f"sender: {label}")


@rule("sender.verified")
@given(case=requests(profile=PROFILE, sender=senders(profile=PROFILE)))
@example(case=_sender_example(ADDRESS, "verified address"))
@example(case=_sender_example(f"noreply@{DOMAIN}", "verified domain"))
@example(case=_sender_example(f"a@x.y.z.{DOMAIN}", "subdomain depth 3"))
@example(case=_sender_example(f"a@{DOMAIN.upper()}", "domain in upper case"))
@example(case=_sender_example(f"a@evil{DOMAIN}", "look-alike domain"))
@example(case=_sender_example(f"a@{DOMAIN}.evil.example", "verified domain as a prefix"))
@example(case=_sender_example(ADDRESS_ONLY.swapcase(), "address identity in another case"))
@example(case=_sender_example(ADDRESS_ONLY, "address identity without a verified domain"))
@example(case=_sender_example(f"Sender Name <{ADDRESS}>", "display name"))
@example(case=_sender_example(f"a@{IDS.unverified_domain}", "unverified domain"))
@examples(sender_class_cases(PROFILE))
def test_sender_verification(ctx: TestContext, case: GeneratedCase) -> None:
    check(ctx, case)
