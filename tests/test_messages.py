"""Every check of an error message's text reads it one way (conformance/messages.py):
real SES lists the identities that failed verification in no stable order and names its
own region, so a conformant target that lists the recipient first, in another region,
passes each of them."""

from __future__ import annotations

import pytest

from conformance.checks.judgements import is_quota_rejection, rejection_problems
from conformance.messages import (
    FailedIdentities,
    failed_identities,
    same_message,
    says_not_verified,
    starts_like,
)
from conformance.model import Exchange, Reject, Rejected, WireRequest, WireResponse
from conformance.profile import load_builtin_profile
from conformance.protocols import query, sesv2

PROFILE = load_builtin_profile("reference")
SENDER = "a@unverified.example"
RECIPIENT = "r@unverified.example"
HEAD = "Email address is not verified. The following identities failed the check in region"
SENDER_FIRST = f"{HEAD} US-EAST-1: {SENDER}, {RECIPIENT}"
RECIPIENT_FIRST = f"{HEAD} EU-CENTRAL-1: {RECIPIENT}, {SENDER}"
PARAMS = {"Source": SENDER, "Destination": {"ToAddresses": [RECIPIENT]}}


def _refusal(code: str, message: str) -> Exchange:
    request = WireRequest("POST", "http://127.0.0.1:1/", (), b"")
    response = WireResponse(400, (), b"", 0.0)
    return Exchange(request, response, Rejected(code, message, 400))


def test_failed_identities_reads_the_region_and_a_set() -> None:
    read = failed_identities(RECIPIENT_FIRST)
    assert FailedIdentities("EU-CENTRAL-1", frozenset({SENDER, RECIPIENT})) == read
    named = failed_identities(f"{HEAD} US-WEST-2: Sendportal <n@d.example>")
    assert named is not None and frozenset({"Sendportal <n@d.example>"}) == named.identities
    assert None is failed_identities("Email address is not verified.")
    assert None is failed_identities(None)


def test_same_message_compares_identities_as_a_set_and_the_region_only_when_asked() -> None:
    assert same_message(SENDER_FIRST, RECIPIENT_FIRST)
    assert same_message(SENDER_FIRST, RECIPIENT_FIRST, region="eu-central-1")
    assert not same_message(SENDER_FIRST, RECIPIENT_FIRST, region="us-east-1")
    assert not same_message(SENDER_FIRST, f"{HEAD} US-EAST-1: {SENDER}")
    assert not same_message(SENDER_FIRST, f"{HEAD} US-EAST-1: {SENDER}, {RECIPIENT}, x@y.example")
    assert same_message("Recipient count exceeds 50.", "Recipient count exceeds 50.")
    assert not same_message("Recipient count exceeds 50.", "Recipient count exceeds 50")
    assert not same_message("Missing domain", None)


def test_same_message_names_a_bad_expected_value() -> None:
    with pytest.raises(TypeError, match="None"):
        same_message(None, "x")  # type: ignore[arg-type]


@pytest.mark.parametrize("rule", ["sender.verified", "sandbox.recipients"])
def test_the_verification_message_check_passes_the_recipient_listed_first(rule: str) -> None:
    """judgements.rejection_problems: the documented words, wherever the list starts."""
    alone = Reject(frozenset({rule}))
    for message in (SENDER_FIRST, RECIPIENT_FIRST):
        refusal = _refusal("MessageRejected", message)
        assert () == rejection_problems(rule, alone, refusal, PROFILE, params=PARAMS)
    wrong = _refusal("MessageRejected", "Sender identity rejected: " + SENDER)
    assert rejection_problems(rule, alone, wrong, PROFILE, params=PARAMS)


@pytest.mark.parametrize("rule", ["sender.verified", "sandbox.recipients"])
def test_ses_error_codes_pass_the_recipient_listed_first_in_any_region(rule: str) -> None:
    """ses.error-codes' message prefix (Query) and its codes (SESv2) over both lists."""
    for message in (SENDER_FIRST, RECIPIENT_FIRST):
        refused = Rejected("MessageRejected", message, 400)
        assert () == query.ses_error_code_problems({rule}, refused)
        assert () == sesv2.ses_error_code_problems({rule}, refused)
    other = Rejected("MessageRejected", "Sender identity rejected", 400)
    assert query.ses_error_code_problems({rule}, other)


def test_the_tag_check_reads_the_identity_error_in_any_order() -> None:
    """judge's tags.valid check finds the identity error by the same words."""
    assert says_not_verified(SENDER_FIRST) and says_not_verified(RECIPIENT_FIRST)
    assert not says_not_verified("Invalid tag name <a:b>: only alphanumeric ASCII ...")


def test_a_quota_refusal_is_read_by_its_words() -> None:
    assert is_quota_rejection(_refusal("X", "Daily message quota exceeded."), PROFILE)
    assert not is_quota_rejection(_refusal("X", RECIPIENT_FIRST), PROFILE)


def test_a_prefix_is_never_an_identity_list() -> None:
    assert starts_like(RECIPIENT_FIRST, "Email address is not verified")
    assert not starts_like(None, "Email address is not verified")
