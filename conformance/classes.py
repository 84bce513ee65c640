"""Declared equivalence classes of each rule (rules.md), and which ones a request falls in.

`declared(rule, profile)` lists the classes every default run must reach; `observed(rule,
params, profile)` says which of them one request exercises, read from the request itself
(never from what its generator meant), so a shrunk request is counted as what it is.
The run records them as `class: ...` events; summary.json folds them per rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from conformance.addresses import AddressClass, Defect, Gray, bare_address, classify_address
from conformance.class_identity import (
    IDENTITY_RELATIONS,
    SIMULATOR_RELATIONS,
    identity_relation,
)
from conformance.class_names import address_classes, name
from conformance.class_quota import quota_declared, quota_observed
from conformance.class_raw import CLASSES as RAW_CLASSES
from conformance.class_raw import raw_declared, raw_observed
from conformance.class_shape import (
    request_shape_declared,
    request_shape_observed,
    robust_declared,
    robust_observed,
)
from conformance.class_size import size_declared, size_observed
from conformance.class_tags import tags_declared, tags_observed
from conformance.members import DESTINATION_LISTS
from conformance.profile import Identities, TargetProfile
from conformance.raw import is_raw
from conformance.verification import is_simulator, is_verified, verified_as_read

EVENT_PREFIX = "class: "
FIELDS = dict(zip(DESTINATION_LISTS, ("To", "Cc", "Bcc"), strict=True))
"""Each recipient list by the short name its classes use."""
POSITIONS = ("first", "middle", "last", "past 5", "past 50")

_NAME_ONLY_GRAY = (Gray.RECIPIENT_DISPLAY_NAME, Gray.ENCODED_WORD_NAME, Gray.UNUSUAL_DISPLAY_NAME)
SOURCE_BARE_GRAY = tuple(g for g in Gray if g not in _NAME_ONLY_GRAY)
SOURCE_NAMED_GRAY = (Gray.ENCODED_WORD_NAME, Gray.UNUSUAL_DISPLAY_NAME, Gray.QUOTED_LOCAL)
SOURCE_NAMED_DEFECTS = tuple(d for d in Defect if d is not Defect.EMPTY)


def _kind(classes: tuple[str, ...]) -> str:
    return classes[0].split(":", 1)[0]


# --- per rule -------------------------------------------------------------------------------


def _sender_declared(profile: TargetProfile) -> list[str]:
    found = ["Source bare: valid", "Source with display name: valid"]
    found += [f"Source bare: invalid: {name(d)}" for d in Defect]
    found += [f"Source bare: gray: {name(g)}" for g in SOURCE_BARE_GRAY]
    found += [f"Source with display name: invalid: {name(d)}" for d in SOURCE_NAMED_DEFECTS]
    found += [f"Source with display name: gray: {name(g)}" for g in SOURCE_NAMED_GRAY]
    found += [f"identity: {r}" for r in IDENTITY_RELATIONS if _applies(r, profile)]
    found += ["identity: verified, with display name", "identity: not verified, with display name"]
    found += [NAME_HOLDS_VERIFIED, SOURCE_UNICODE_SPACE]
    found += [f"identity: {v}, {g}" for g in GRAY_IDENTITY for v in ("verified", "not verified")]
    return found


SOURCE_UNICODE_SPACE = "Source bare: invalid: a non-ASCII space"
"""`s\u2003ender@verified.example` (the mutation run found it missing): a target that reads
only ASCII whitespace as whitespace, or swaps non-ASCII letters for ASCII ones to judge a
display name, takes it for a verified address."""


def _unicode_space(source: str) -> bool:
    return any(not ch.isascii() and ch.isspace() for ch in source)


NAME_HOLDS_VERIFIED = "identity: not verified, a verified address as display name"
"""`"sender@verified.example" <x@unverified.example>`: only the address in `<>` is the
Source's (rules.md), so a target that reads the display name's address is wrong."""


def _name_holds_verified(source: str, verdict_verified: bool | None, ids: Identities) -> bool:
    """Whether the display name of `source` is a verified address while the Source is not."""
    lt = source.find("<")
    if lt <= 0 or verdict_verified is not False:
        return False
    name = source[:lt].strip().strip('"').strip()
    return "@" in name and is_verified(name, ids) is True


GRAY_IDENTITY = ("with gray display name", "gray address")
"""A gray Source is gray for its syntax only: the address inside is still verified or not."""


def _gray_identity(text: str, role: str, profile: TargetProfile) -> str | None:
    """`verified, gray address` and the like, for a gray address; None otherwise."""
    verdict = classify_address(text, role="source" if role == "source" else "recipient")
    if verdict.cls is not AddressClass.GRAY:
        return None
    verified = verified_as_read(verdict, profile.identities)
    if verified is None:
        return None
    named = all(g in _NAME_ONLY_GRAY for g in verdict.gray)
    kind = GRAY_IDENTITY[0] if named and role == "source" else GRAY_IDENTITY[1]
    return f"{'verified' if verified else 'not verified'}, {kind}"


def _applies(relation: str, profile: TargetProfile) -> bool:
    ids = profile.identities
    if "address identity" in relation:
        return bool(ids.verified_addresses)
    if relation == "unverified domain":
        return True
    return bool(ids.verified_domains)


def _sender_observed(params: Mapping[str, Any], profile: TargetProfile) -> list[str]:
    source = params.get("Source")
    if not isinstance(source, str):
        return []
    bare = bare_address(source)
    named = bare != source or source.find("<") > 0
    where = "Source with display name" if named else "Source bare"
    classes = address_classes(source, "source")
    found = [f"{where}: {c}" for c in classes]
    gray = _gray_identity(source, "source", profile)
    if gray is not None:
        found.append(f"identity: {gray}")
    verdict = classify_address(source, role="source")
    if not named and verdict.cls is AddressClass.INVALID and _unicode_space(source):
        found.append(SOURCE_UNICODE_SPACE)
    if named and _name_holds_verified(
        source, verified_as_read(verdict, profile.identities), profile.identities
    ):
        found.append(NAME_HOLDS_VERIFIED)
    relation = identity_relation(bare, profile)
    if relation is not None and relation in IDENTITY_RELATIONS:
        if not named:
            found.append(f"identity: {relation}")
        elif classes == ("valid",):
            ok = relation in ("exact address identity", "verified domain") or "depth" in relation
            found.append(f"identity: {'verified' if ok else 'not verified'}, with display name")
    return found


def _sandbox_declared(profile: TargetProfile) -> list[str]:
    if not profile.account.sandbox:
        return []
    relations = [r for r in IDENTITY_RELATIONS if _applies(r, profile)]
    relations.remove("trailing dot after a verified domain")  # invalid: recipients.valid's
    return [f"recipient: {r}" for r in (*relations, *SIMULATOR_RELATIONS)] + [
        "recipient: gray address",
        "recipient: verified, gray address",
        "recipient: not verified, gray address",
    ]


def _sandbox_observed(params: Mapping[str, Any], profile: TargetProfile) -> list[str]:
    found: list[str] = []
    for _field, items in _lists(params):
        for address in items:
            classes = address_classes(address, "recipient")
            if _kind(classes) == "gray":
                found.append("recipient: gray address")
                gray = _gray_identity(address, "recipient", profile)
                if gray is not None and not is_simulator(address):
                    found.append(f"recipient: {gray}")
            relation = identity_relation(bare_address(address), profile)
            if relation is not None:
                found.append(f"recipient: {relation}")
    return found


def _lists(params: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    destination = params.get("Destination")
    if not isinstance(destination, Mapping):
        return []
    found = []
    for key, short in FIELDS.items():
        items = destination.get(key)
        if isinstance(items, list):
            found.append((short, [i for i in items if isinstance(i, str)]))
    return found


def _valid_declared(profile: TargetProfile) -> list[str]:
    found: list[str] = []
    for field in FIELDS.values():
        found.append(f"valid in {field}")
        found += [f"invalid: {name(d)} in {field}" for d in Defect]
        found += [f"gray: {name(g)} in {field}" for g in Gray]
        found += [f"{k} at {p} of {field}" for k in ("invalid", "gray") for p in POSITIONS]
        found += [f"{LINE_BREAK_AT_END}, at {p} of {field}" for p in POSITIONS]
    found += ["invalid: whitespace at an end", "invalid: CR or LF", AFTER_RAW_NAME_SOURCE]
    return [*found, AT_EVERY_LIMIT]


AT_EVERY_LIMIT = "valid: at every length limit (local part 64, label 63, address 254)"
"""The longest valid address (the mutation run found no example at the limits): a target
counting one character too few refuses it."""


def _at_every_limit(address: str) -> bool:
    local, _, domain = address.rpartition("@")
    return len(address) == 254 and len(local) == 64 and 63 in map(len, domain.split("."))


AFTER_RAW_NAME_SOURCE = "invalid recipient after a Source with a raw non-ASCII display name"
"""`Blog 한국어 <sender@verified.example>` and an invalid recipient (the mutation run found
it missing): a target may accept such a Source, as real SES did, and must still read every
recipient after it."""


def raw_name_source(source: Any) -> bool:
    """A Source gray only for raw non-ASCII letters in its display name."""
    if not isinstance(source, str) or source.isascii():
        return False
    return classify_address(source, role="source").gray == (Gray.UNUSUAL_DISPLAY_NAME,)


LINE_BREAK_AT_END = "invalid: line break at the end"
"""`a@verified.example\n` (or `\r\n`, `\r`): a target that strips a trailing line break
(as a line reader does) takes it for the valid address before it."""


def _positions(index: int, size: int) -> list[str]:
    found = ["first"] if index == 0 else (["last"] if index == size - 1 else ["middle"])
    if index >= 5:
        found.append("past 5")
    if index >= 50:
        found.append("past 50")
    return found


def _valid_observed(params: Mapping[str, Any], profile: TargetProfile) -> list[str]:
    found: list[str] = []
    for field, items in _lists(params):
        for index, address in enumerate(items):
            classes = address_classes(address, "recipient")
            found += [f"{c} in {field}" for c in classes]
            kind = _kind(classes)
            if kind != "valid":
                found += [f"{kind} at {p} of {field}" for p in _positions(index, len(items))]
            elif _at_every_limit(address):
                found.append(AT_EVERY_LIMIT)
            if kind == "invalid" and raw_name_source(params.get("Source")):
                found.append(AFTER_RAW_NAME_SOURCE)
            if kind == "invalid" and address != address.strip():
                found.append("invalid: whitespace at an end")
            if "\r" in address or "\n" in address:
                found.append("invalid: CR or LF")
            if address.endswith(("\r", "\n")):
                where = _positions(index, len(items))
                found += [f"{LINE_BREAK_AT_END}, at {p} of {field}" for p in where]
    return found


def count_buckets(limit: int) -> tuple[str, ...]:
    return ("1", "limit - 1", "limit", "limit + 1", "far beyond")


def _bucket(n: int, limit: int) -> str | None:
    named = {1: "1", limit - 1: "limit - 1", limit: "limit", limit + 1: "limit + 1"}
    if n in named:
        return named[n]
    return "far beyond" if n > 2 * limit else None


LAYOUTS = ("To only", "Cc only", "Bcc only", "spread")


def _max_declared(profile: TargetProfile) -> list[str]:
    buckets = count_buckets(profile.limits.max_recipients)
    found = ["count 0"] + [f"count {b}, {lay}" for b in buckets for lay in LAYOUTS]
    found.remove("count 1, spread")  # one recipient sits in one list
    for bucket in ("limit", "limit + 1", "far beyond"):
        found += [f"count {bucket}, with duplicates", f"count {bucket}, all distinct"]
    return found


def _max_observed(params: Mapping[str, Any], profile: TargetProfile) -> list[str]:
    lists = [(f, items) for f, items in _lists(params) if items]
    everyone = [a for _, items in lists for a in items]
    if not everyone:
        return ["count 0"]
    bucket = _bucket(len(everyone), profile.limits.max_recipients)
    if bucket is None:
        return []
    layout = f"{lists[0][0]} only" if len(lists) == 1 else "spread"
    dup = "with duplicates" if len(set(everyone)) < len(everyone) else "all distinct"
    return [f"count {bucket}, {layout}", f"count {bucket}, {dup}"]


MIN_SHAPES = ("no Destination member", "no lists", "empty lists", "null lists")


def _min_declared(profile: TargetProfile) -> list[str]:
    return [f"0 recipients: {s}" for s in MIN_SHAPES] + [f"1 recipient in {f}" for f in LAYOUTS[:3]]


def _min_observed(params: Mapping[str, Any], profile: TargetProfile) -> list[str]:
    destination = params.get("Destination")
    if "Destination" not in params:
        return ["0 recipients: no Destination member"]
    if not isinstance(destination, Mapping):
        return []
    lists = _lists(params)
    total = sum(len(items) for _, items in lists)
    if total == 1:
        return [f"1 recipient in {next(f for f, items in lists if items)} only"]
    if total:
        return []
    if not destination:
        return ["0 recipients: no lists"]
    if any(v is None for v in destination.values()):
        return ["0 recipients: null lists"]
    return ["0 recipients: empty lists"]


Declared = Callable[[TargetProfile], list[str]]
Observed = Callable[[Mapping[str, Any], TargetProfile], list[str]]
_RULES: dict[str, tuple[Declared, Observed]] = {
    "sender.verified": (_sender_declared, _sender_observed),
    "sandbox.recipients": (_sandbox_declared, _sandbox_observed),
    "recipients.valid": (_valid_declared, _valid_observed),
    "recipients.max": (_max_declared, _max_observed),
    "recipients.min": (_min_declared, _min_observed),
    "size.max": (size_declared, size_observed),
    "request.required": (request_shape_declared, request_shape_observed),
    "robust.no-5xx": (robust_declared, robust_observed),
    "quota.recipients": (quota_declared, quota_observed),
    "tags.valid": (tags_declared, tags_observed),
}


def _with_raw(rule_id: str, entry: tuple[Declared, Observed]) -> tuple[Declared, Observed]:
    """The rule's classes plus its raw-message ones (declared on the SES wires only); a
    raw request is read for its raw classes alone."""
    own_declared, own_observed = entry

    def both_declared(profile: TargetProfile) -> list[str]:
        return [*own_declared(profile), *raw_declared(rule_id, profile)]

    def either_observed(params: Mapping[str, Any], profile: TargetProfile) -> list[str]:
        if is_raw(params):
            return raw_observed(rule_id, params, profile)
        return own_observed(params, profile)

    return both_declared, either_observed


def _none_declared(profile: TargetProfile) -> list[str]:
    return []


def _none_observed(params: Mapping[str, Any], profile: TargetProfile) -> list[str]:
    return []


for _id in RAW_CLASSES:
    _RULES[_id] = _with_raw(_id, _RULES.get(_id, (_none_declared, _none_observed)))


def declared(rule_id: str, profile: TargetProfile) -> tuple[str, ...]:
    """The classes of `rule_id` every default run against `profile` must reach."""
    entry = _RULES.get(rule_id)
    return tuple(dict.fromkeys(entry[0](profile))) if entry else ()


def observed(rule_id: str, params: Mapping[str, Any], profile: TargetProfile) -> tuple[str, ...]:
    """The declared classes of `rule_id` that this one request exercises."""
    entry = _RULES.get(rule_id)
    if entry is None or not isinstance(params, Mapping):
        return ()
    wanted = _wanted(rule_id, profile)
    return tuple(c for c in dict.fromkeys(entry[1](params, profile)) if c in wanted)


_WANTED: dict[tuple[str, int], tuple[TargetProfile, frozenset[str]]] = {}


def _wanted(rule_id: str, profile: TargetProfile) -> frozenset[str]:
    """`declared` as a set, computed once per profile (profiles are not hashable)."""
    key = (rule_id, id(profile))
    hit = _WANTED.get(key)
    if hit is None or hit[0] is not profile:
        hit = (profile, frozenset(declared(rule_id, profile)))
        _WANTED[key] = hit
    return hit[1]


def events_of(
    rule_ids: tuple[str, ...], params: Mapping[str, Any], profile: TargetProfile
) -> list[str]:
    """The `class: ...` event labels for one request sent by a test of `rule_ids`."""
    return [EVENT_PREFIX + c for r in rule_ids for c in observed(r, params, profile)]
