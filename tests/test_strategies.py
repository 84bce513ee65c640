"""The strategies hold themselves to rules.md: their classes agree with the classifier,
their `violates` with the oracle, and their sizes are exact."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from email_validator import validate_email
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from conformance.addresses import AddressClass, Defect, Gray, classify_address
from conformance.model import Accept, Either, Reject, SendEmailRequest
from conformance.oracle import content_bytes, expect
from conformance.profile import Account, TargetProfile, load_builtin_profile
from conformance.verification import is_simulator, is_verified
from sesconf_strategies import (
    WRONG_TYPES,
    GeneratedMessage,
    GrayAddress,
    Recipients,
    Sender,
    content,
    deliverable_recipients,
    fill_utf8,
    gray_addresses,
    invalid_addresses,
    recipient_counts,
    recipient_lists,
    sandbox_violating_recipients,
    senders,
    valid_addresses,
)
from sesconf_strategies.build import explicit, requests

SIZE_EDGES = (7_000_000, 7_000_001, 10_485_760, 10_485_761)

SANDBOX = load_builtin_profile("reference")
OPEN = replace(SANDBOX, name="open", account=Account(sandbox=False))
PROFILES = pytest.mark.parametrize("profile", [SANDBOX, OPEN], ids=["sandbox", "open"])
SEARCH = settings(max_examples=1000, database=None, phases=[Phase.generate])
"""For reachability with `find`: no shrinking, which is costly for 51-recipient requests."""
FAST = settings(max_examples=30, deadline=None, database=None)
FEW = settings(
    max_examples=8,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _count(case_params: dict) -> int:
    destination = case_params.get("Destination") or {}
    return sum(len(v) for v in destination.values() if isinstance(v, list))


# --- addresses ----------------------------------------------------------------------------


@FAST
@given(valid_addresses())
def test_valid_addresses_pass_email_validator_and_the_classifier(address: str) -> None:
    validate_email(address, check_deliverability=False)
    assert classify_address(address, role="recipient").cls == AddressClass.VALID
    assert classify_address(address, role="source").cls == AddressClass.VALID
    assert len(address) <= 254


@FAST
@given(valid_addresses(domains=["verified.example", "Other.Example"]))
def test_valid_addresses_keep_to_the_given_domains(address: str) -> None:
    assert address.rpartition("@")[2] in ("verified.example", "Other.Example")
    assert classify_address(address, role="recipient").cls == AddressClass.VALID


def test_valid_addresses_shrink_to_the_simplest() -> None:
    assert find(valid_addresses(), lambda _: True) == "a@a.aa"


@pytest.mark.parametrize("defect", list(Defect), ids=lambda d: d.name)
@settings(max_examples=10, deadline=None, database=None)
@given(data=st.data())
def test_every_defect_is_planted_and_recognised(defect: Defect, data: st.DataObject) -> None:
    planted = data.draw(invalid_addresses(defects=[defect]))
    assert defect is planted.defect
    for role in ("recipient", "source"):
        verdict = classify_address(planted.text, role=role)
        assert verdict.cls == AddressClass.INVALID, planted
        assert defect in verdict.defects, (planted, verdict)


@pytest.mark.parametrize("reason", list(Gray), ids=lambda g: g.name)
@settings(max_examples=8, deadline=None, database=None)
@given(data=st.data())
def test_every_gray_reason_is_gray_for_recipients(reason: Gray, data: st.DataObject) -> None:
    gray = data.draw(gray_addresses(role="recipient", reasons=[reason]))
    verdict = classify_address(gray.text, role="recipient")
    assert (verdict.cls, reason in verdict.gray) == (AddressClass.GRAY, True), (gray, verdict)


@FAST
@given(gray_addresses(role="source"))
def test_gray_addresses_for_sources_are_gray_as_sources(gray: GrayAddress) -> None:
    assert Gray.RECIPIENT_DISPLAY_NAME is not gray.reason
    verdict = classify_address(gray.text, role="source")
    assert (verdict.cls, gray.reason in verdict.gray) == (AddressClass.GRAY, True), verdict


def test_bad_arguments_are_refused_eagerly_and_named() -> None:
    with pytest.raises(ValueError, match=r"'verified\.example'"):
        valid_addresses(domains="verified.example")
    with pytest.raises(ValueError, match="min_bytes 5"):
        content(min_bytes=5, max_bytes=1)
    with pytest.raises(ValueError, match="-1"):
        recipient_lists(count=-1, addresses=st.just("a@b.example"))


# --- senders and recipients ----------------------------------------------------------------


@FAST
@given(senders(profile=SANDBOX))
def test_senders_know_whether_they_are_verified(sender: Sender) -> None:
    verdict = classify_address(sender.text, role="source")
    assert verdict.cls == AddressClass.VALID, sender
    assert sender.address == verdict.address
    assert sender.verified is is_verified(sender.address, SANDBOX.identities), sender


@FAST
@given(senders(profile=SANDBOX, display_names=False))
def test_lookalike_senders_are_never_verified(sender: Sender) -> None:
    if "look-alike" in sender.label:
        assert is_verified(sender.address, SANDBOX.identities) is False


@pytest.mark.parametrize(
    ("label", "verified"),
    [
        ("sender: subdomain depth 4 of verified domain", True),
        ("sender: case variant of verified domain", True),
        ("sender: case variant of address identity", False),
        ("sender: look-alike domain (prefix)", False),
        ("sender: look-alike domain (suffix)", False),
        ("sender: unverified domain", False),
    ],
)
def test_every_sender_kind_is_reachable(label: str, verified: bool) -> None:
    found = find(
        senders(profile=SANDBOX, display_names=False),
        lambda s: s.label == label,
        settings=SEARCH,
    )
    assert verified is found.verified


@FAST
@given(deliverable_recipients(profile=SANDBOX))
def test_deliverable_recipients_are_acceptable_in_the_sandbox(address: str) -> None:
    assert classify_address(address, role="recipient").cls == AddressClass.VALID
    assert is_simulator(address) or is_verified(address, SANDBOX.identities) is True


@FAST
@given(sandbox_violating_recipients(profile=SANDBOX))
def test_sandbox_violating_recipients_are_valid_but_unverified(address: str) -> None:
    assert classify_address(address, role="recipient").cls == AddressClass.VALID
    assert (is_simulator(address), is_verified(address, SANDBOX.identities)) == (False, False)


@pytest.mark.parametrize("count", [0, 1, 50, 51])
def test_recipient_count_boundaries_are_reachable(count: int) -> None:
    counts = recipient_counts(max_recipients=50, band="any")
    found = find(
        recipient_lists(count=counts, addresses=deliverable_recipients(profile=SANDBOX)),
        lambda recipients: recipients.count == count,
        settings=SEARCH,
    )
    assert isinstance(found, Recipients)
    assert count == found.count


# --- requests against the oracle -----------------------------------------------------------


@PROFILES
@FAST
@given(data=st.data())
def test_default_requests_are_accepted_by_the_oracle(
    profile: TargetProfile, data: st.DataObject
) -> None:
    case = data.draw(requests(profile=profile))
    assert frozenset() == case.violates
    assert Accept() == expect(case.request.params, profile), case
    assert content_bytes(case.request.params) <= 1024


@pytest.mark.parametrize("wrong", WRONG_TYPES, ids=lambda w: f"{w.path}={w.value!r}")
def test_each_wrong_type_breaks_its_rule(wrong: object) -> None:
    params = dict(explicit(OPEN).request.params)
    node = params
    *parents, last = wrong.path.split(".")  # type: ignore[attr-defined]
    for key in parents:
        node[key] = dict(node.get(key) or {})
        node = node[key]
    node[last] = wrong.value  # type: ignore[attr-defined]
    expectation = expect(params, OPEN)
    assert isinstance(expectation, Reject)
    assert wrong.rule in expectation.rules  # type: ignore[attr-defined]


# --- content and sizes ---------------------------------------------------------------------


@FAST
@given(content())
def test_default_content_is_small_and_its_size_exact(message: GeneratedMessage) -> None:
    params = {"Message": message.params}
    assert message.content_bytes == content_bytes(params)
    assert message.content_bytes <= 1024
    for part in (message.params["Subject"], *message.params["Body"].values()):
        if not part["Data"].isascii():
            assert part.get("Charset") == "UTF-8"


@settings(max_examples=200, deadline=None, database=None)
@given(st.text(st.characters(codec="utf-8"), min_size=1, max_size=6), st.integers(0, 300))
def test_fill_utf8_is_exact_and_never_splits_a_character(seed: str, size: int) -> None:
    text = fill_utf8(seed, size)  # encoding would raise on a split character
    assert size == len(text.encode("utf-8"))
    assert text.startswith(seed[: len(text)]) or size < len(seed.encode("utf-8"))


@pytest.mark.parametrize("total", SIZE_EDGES)
@settings(max_examples=2, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_size_edges_are_exact_and_judged_by_band(total: int, data: st.DataObject) -> None:
    message = data.draw(content(min_bytes=total, max_bytes=total))
    base = data.draw(requests(profile=OPEN))
    params = {**base.request.params, "Message": message.params}
    assert total == content_bytes(params) == message.content_bytes
    expected = {7_000_000: Accept, 7_000_001: Either, 10_485_760: Either, 10_485_761: Reject}
    assert expected[total] is type(expect(SendEmailRequest(params).params, OPEN))


def test_an_11_mb_message_is_built_fast() -> None:
    start = time.perf_counter()
    text = fill_utf8("é日a", 11_000_000)
    assert len(text.encode("utf-8")) == 11_000_000
    assert time.perf_counter() - start < 2.0


@settings(max_examples=2, deadline=5000, database=None, suppress_health_check=list(HealthCheck))
@given(content(min_bytes=11_000_000, max_bytes=11_000_000))
def test_sized_messages_reach_11_mb(message: GeneratedMessage) -> None:
    assert content_bytes({"Message": message.params}) == 11_000_000
