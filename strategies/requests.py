"""Whole SendEmail requests: valid ones, and ones with named faults planted on purpose.

Each strategy returns a `GeneratedCase` whose `violates` holds the rule ids broken by
construction, in step with the oracle (rules.md): a missing member breaks
`request.required`, a wrong type `robust.no-5xx`, an invalid recipient `recipients.valid`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from conformance.model import JSON, SendEmailRequest
from conformance.profile import TargetProfile
from strategies.addresses import defect_label, invalid_addresses, valid_addresses
from strategies.cases import GeneratedCase
from strategies.content import content
from strategies.recipients import (
    FIELDS,
    Recipients,
    deliverable_recipients,
    recipient_counts,
    recipient_lists,
    sandbox_violating_recipients,
)
from strategies.senders import lookalike_senders, senders

MISSING_PATHS: tuple[str, ...] = (
    "Source",
    "Destination",
    "Message",
    "Message.Subject",
    "Message.Body",
    "Message.Subject.Data",
    "Message.Body.Text.Data",
    "Message.Body.Html.Data",
    "Message.Body.Text+Html",
)


@dataclass(frozen=True, slots=True)
class WrongType:
    """A member replaced by a value of the wrong JSON type, and the rule that breaks."""

    path: str
    value: JSON
    rule: str = "robust.no-5xx"


WRONG_TYPES: tuple[WrongType, ...] = (
    WrongType("Source", 5),
    WrongType("Source", True),
    WrongType("Source", ["sender@verified.example"]),
    WrongType("Destination", "a@b.example"),
    WrongType("Destination", []),
    WrongType("Destination", None, "request.required"),  # JSON null counts as missing
    WrongType("Destination.ToAddresses", "a@b.example"),
    WrongType("Destination.ToAddresses", 5),
    WrongType("Destination.ToAddresses", [5]),
    WrongType("Destination.CcAddresses", {"a": "b@c.example"}),
    WrongType("Message", ["Subject", "Body"]),
    WrongType("Message", "hello"),
    WrongType("Message.Subject", "hello"),
    WrongType("Message.Subject.Data", 123),
    WrongType("Message.Subject.Data", ["x"]),
    WrongType("Message.Subject.Charset", 5),
    WrongType("Message.Body", "hello"),
    WrongType("Message.Body", []),
    WrongType("Message.Body.Text.Data", 123),
    WrongType("ReplyToAddresses", "a@b.example"),
    WrongType("ReturnPath", 5),
)
WRONG_TYPE_PATHS: tuple[str, ...] = tuple(dict.fromkeys(w.path for w in WRONG_TYPES))

SENDER_FAULTS = ("unverified-sender", "lookalike-sender")
COUNT_FAULTS = ("too-many-recipients", "no-recipients")
RECIPIENT_FAULTS = ("invalid-recipient-to", "invalid-recipient-cc", "invalid-recipient-bcc")
COMPOSABLE_FAULTS: tuple[str, ...] = (
    *SENDER_FAULTS,
    *RECIPIENT_FAULTS,
    *COUNT_FAULTS,
    "oversized",
    "sandbox-recipient",
)
FAULTS: tuple[str, ...] = (
    *COMPOSABLE_FAULTS,
    *(f"missing-member:{p}" for p in MISSING_PATHS),
    *(f"wrong-type:{p}" for p in WRONG_TYPE_PATHS),
)
FAULT_RULES: Mapping[str, str] = {
    "unverified-sender": "sender.verified",
    "lookalike-sender": "sender.verified",
    **{f: "recipients.valid" for f in RECIPIENT_FAULTS},
    "too-many-recipients": "recipients.max",
    "no-recipients": "recipients.min",
    "oversized": "size.max",
    "sandbox-recipient": "sandbox.recipients",
}
_FIELD_OF = dict(zip(RECIPIENT_FAULTS, FIELDS, strict=True))
_EMPTY_DESTINATIONS: tuple[tuple[str, dict[str, list[str]]], ...] = (
    ("no lists", {}),
    ("empty To", {"ToAddresses": []}),
    ("three empty lists", {"ToAddresses": [], "CcAddresses": [], "BccAddresses": []}),
)


def _check_profile(profile: TargetProfile) -> None:
    if not isinstance(profile, TargetProfile):
        raise TypeError(f"profile: expected a TargetProfile, got {profile!r}")


def faults_for(profile: TargetProfile) -> tuple[str, ...]:
    """The fault kinds that make sense for `profile` (sandbox-recipient only in the sandbox)."""
    _check_profile(profile)
    return tuple(f for f in FAULTS if f != "sandbox-recipient" or profile.account.sandbox)


@st.composite
def _compose(draw: st.DrawFn, *, profile: TargetProfile, faults: frozenset[str]) -> GeneratedCase:
    """A request with every fault of `faults` (composable ones) planted, else valid."""
    labels: list[str] = [f"fault: {f}" for f in sorted(faults)]
    if "lookalike-sender" in faults:
        sender = draw(lookalike_senders(profile=profile))
    else:
        sender = draw(senders(profile=profile, verified="unverified-sender" not in faults))
    labels.insert(0, sender.label)

    limit = profile.limits.max_recipients
    extras = [f for f in faults if f in RECIPIENT_FAULTS or f == "sandbox-recipient"]
    safe = deliverable_recipients(profile=profile)
    if "too-many-recipients" in faults:
        count = recipient_counts(max_recipients=limit, band="over").map(
            lambda n: max(0, n - len(extras))
        )
    else:
        count = recipient_counts(max_recipients=max(1, limit - len(extras)))
    recipients = Recipients()
    if "no-recipients" not in faults:
        recipients = draw(recipient_lists(count=count, addresses=safe))
    for fault in sorted(extras):
        if fault == "sandbox-recipient":
            address = draw(sandbox_violating_recipients(profile=profile))
            field = draw(st.sampled_from(FIELDS))
            labels.append("sandbox: unverified recipient")
        else:
            planted = draw(invalid_addresses())
            address, field = planted.text, _FIELD_OF[fault]
            labels.append(defect_label(planted.defect))
        position = draw(st.integers(0, len(recipients.lists()[field])))
        recipients = recipients.with_address(field, address, position)  # type: ignore[arg-type]

    if "no-recipients" in faults:
        form, destination = draw(st.sampled_from(_EMPTY_DESTINATIONS))
        labels.append(f"0 recipients: {form}")
    else:
        destination = recipients.params()
        labels.append(recipients.label())

    limit_bytes = profile.limits.max_message_bytes
    if "oversized" in faults:
        message = draw(content(min_bytes=limit_bytes + 1, max_bytes=limit_bytes + 1024))
    else:
        message = draw(content(min_bytes=3, max_bytes=max(3, min(1024, limit_bytes))))
    labels.extend(message.labels)

    params: dict[str, Any] = {
        "Source": sender.text,
        "Destination": destination,
        "Message": message.params,
    }
    if draw(st.booleans()):
        params["ReplyToAddresses"] = draw(st.lists(valid_addresses(), min_size=1, max_size=2))
        labels.append("with ReplyToAddresses")
    if draw(st.booleans()):
        return_path = draw(senders(profile=profile, verified=True, display_names=False))
        params["ReturnPath"] = return_path.address
        labels.append("with ReturnPath")
    violates = frozenset(FAULT_RULES[f] for f in faults)
    return GeneratedCase(SendEmailRequest(params), violates, tuple(labels))


def valid_requests(*, profile: TargetProfile) -> st.SearchStrategy[GeneratedCase]:
    """Requests a conformant target must accept: every required member, nothing gray."""
    _check_profile(profile)
    return _compose(profile=profile, faults=frozenset())


def _at_path(params: Mapping[str, JSON], path: str) -> tuple[dict[str, JSON], dict[str, JSON], str]:
    """A deep copy of `params`, the parent dict of `path`'s last key (made if missing), the key."""
    root = copy.deepcopy(dict(params))
    *parents, last = path.split(".")
    node = root
    for key in parents:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    return root, node, last


@st.composite
def _missing(draw: st.DrawFn, *, profile: TargetProfile, path: str) -> GeneratedCase:
    base = draw(valid_requests(profile=profile))
    as_null = draw(st.booleans())
    if path == "Message.Body.Text+Html":
        params, parent, _ = _at_path(base.request.params, "Message.Body")
        parent["Body"] = {}
        as_null = False
    else:
        params, parent, last = _at_path(base.request.params, path)
        if as_null:
            parent[last] = None
        else:
            parent.pop(last, None)
    how = " (null)" if as_null else ""
    labels = (f"fault: missing-member:{path}", f"missing: {path}{how}")
    # No Destination is also no recipients (rules.md: missing lists count as zero).
    rules = (
        {"request.required", "recipients.min"} if path == "Destination" else {"request.required"}
    )
    return GeneratedCase(SendEmailRequest(params), frozenset(rules), labels)


def missing_member_requests(
    *, profile: TargetProfile, path: str | None = None
) -> st.SearchStrategy[GeneratedCase]:
    """Every required member removed in turn (or set to null), incl. a Body with neither part."""
    _check_profile(profile)
    if path is not None and path not in MISSING_PATHS:
        raise ValueError(f"path: expected one of {', '.join(MISSING_PATHS)}, got {path!r}")
    paths = MISSING_PATHS if path is None else (path,)
    return st.sampled_from(paths).flatmap(lambda p: _missing(profile=profile, path=p))


@st.composite
def _wrong(draw: st.DrawFn, *, profile: TargetProfile, wrong: WrongType) -> GeneratedCase:
    base = draw(valid_requests(profile=profile))
    params, parent, last = _at_path(base.request.params, wrong.path)
    parent[last] = copy.deepcopy(wrong.value)
    labels = (f"fault: wrong-type:{wrong.path}", f"wrong type: {wrong.path}={wrong.value!r}")
    rules = {wrong.rule}
    if wrong.path == "Destination" and wrong.value is None:  # null: missing, so no recipients
        rules.add("recipients.min")
    return GeneratedCase(SendEmailRequest(params), frozenset(rules), labels)


def wrong_type_requests(
    *, profile: TargetProfile, path: str | None = None
) -> st.SearchStrategy[GeneratedCase]:
    """A member with a value of the wrong JSON type (Source=5, Data=123, Message=[...])."""
    _check_profile(profile)
    chosen = tuple(w for w in WRONG_TYPES if path is None or w.path == path)
    if not chosen:
        raise ValueError(f"path: expected one of {', '.join(WRONG_TYPE_PATHS)}, got {path!r}")
    return st.sampled_from(chosen).flatmap(lambda w: _wrong(profile=profile, wrong=w))


def requests_with_fault(
    *, profile: TargetProfile, fault: str | None = None
) -> st.SearchStrategy[GeneratedCase]:
    """A request with ONE planted fault of kind `fault` (drawn from `faults_for` when None)."""
    allowed = faults_for(profile)
    if fault is None:
        return st.sampled_from(allowed).flatmap(
            lambda f: requests_with_fault(profile=profile, fault=f)
        )
    if fault not in allowed:
        why = " (the profile is not in the sandbox)" if fault in FAULTS else ""
        raise ValueError(f"fault: unknown kind {fault!r}{why}; known: {', '.join(allowed)}")
    kind, _, path = fault.partition(":")
    if kind == "missing-member":
        return _missing(profile=profile, path=path)
    if kind == "wrong-type":
        return wrong_type_requests(profile=profile, path=path)
    return _compose(profile=profile, faults=frozenset({fault}))


def requests_with_faults(*, profile: TargetProfile) -> st.SearchStrategy[GeneratedCase]:
    """Two or more compatible composable faults at once; `violates` is their union."""
    _check_profile(profile)
    return _several(profile)


@st.composite
def _several(draw: st.DrawFn, profile: TargetProfile) -> GeneratedCase:
    chosen: set[str] = set()
    sender = draw(st.sampled_from((None, *SENDER_FAULTS)))
    count = draw(st.sampled_from((None, *COUNT_FAULTS)))
    chosen |= {f for f in (sender, count) if f}
    if count != "no-recipients":
        chosen |= {f for f in RECIPIENT_FAULTS if draw(st.booleans())}
        if profile.account.sandbox and draw(st.booleans()):
            chosen.add("sandbox-recipient")
    if draw(st.booleans()):
        chosen.add("oversized")
    assume(len(chosen) >= 2)
    return draw(_compose(profile=profile, faults=frozenset(chosen)))
