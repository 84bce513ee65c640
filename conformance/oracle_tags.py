"""tags.valid's own oracle: rules.md's, read at the SHOULD level.

At the MUST level an invalid tag is gray (`oracle.expect`); tags.valid's test judges what
real SES does: an invalid tag is refused, whatever else the request holds. Kept apart from
the oracle so that every other rule's judgement stays the MUST one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from conformance.addresses import AddressClass, classify_address
from conformance.members import holds
from conformance.model import JSON, Either, Expectation, Reject
from conformance.oracle import expect
from conformance.profile import TargetProfile
from conformance.tags import recorded_only, tag_findings

RULE = "tags.valid"
VALID = AddressClass.VALID


def well_typed_tags(params: Mapping[str, Any]) -> Sequence[Mapping[str, JSON]] | None:
    """The request's tags when they are a list of objects of strings (null members
    allowed); None when absent or of a wrong type (robust.no-5xx's)."""
    tags = params.get("Tags") if isinstance(params, Mapping) else None
    if tags is None or not holds("Tags", tags) or not isinstance(tags, list):
        return None
    for tag in tags:
        if not isinstance(tag, Mapping):
            return None
        if any(not (v is None or isinstance(v, str)) for v in tag.values()):
            return None
    return tags


def expect_tags(params: Mapping[str, Any], profile: TargetProfile) -> Expectation:
    """`expect`, with every invalid tag a violation of tags.valid instead of gray."""
    base = expect(params, profile)
    tags = well_typed_tags(params)
    invalid = tag_findings(tags)[0] if tags is not None else ()
    if not invalid:
        return base
    if isinstance(base, Reject):
        gray = tuple(reason for reason in base.gray if reason not in invalid)
        return Reject(base.rules | {RULE}, (*base.reasons, *invalid), gray)
    assert isinstance(base, Either)  # an invalid tag made it gray at least
    gray = tuple(reason for reason in base.reasons if reason not in invalid)
    return Reject(frozenset({RULE}), invalid, gray)


def tag_error_owed(expectation: Expectation, params: Mapping[str, Any]) -> bool:
    """Whether the refusal must be the tag error: the tags hold only defects real SES was
    recorded refusing, and nothing else is wrong but the identities (checked after tags,
    ses-ground-truth.md §3.15) and no gray reason leaves the refusal open."""
    if not isinstance(expectation, Reject) or RULE not in expectation.rules:
        return False
    if expectation.gray or not expectation.rules <= IDENTITY_OR_TAGS:
        return False
    source = params.get("Source")
    if not isinstance(source, str) or classify_address(source, role="source").cls is not VALID:
        return False  # tags against address syntax: the order is unconfirmed
    tags = well_typed_tags(params)
    return tags is not None and recorded_only(tags)


IDENTITY_OR_TAGS = frozenset({RULE, "sender.verified", "sandbox.recipients"})


def without_tags(params: Mapping[str, Any], profile: TargetProfile) -> dict[str, Any]:
    """tags.valid's control: the same request with no Tags, which every target accepts
    when it accepts the rest."""
    return {key: value for key, value in params.items() if key != "Tags"}
