"""tags.valid's declared classes (rules.md "Message tags"), read off a request's Tags.

Each class has an explicit example sent by every default run
(`sesconf_strategies.tags.tag_class_cases`); docs/classes.md says what each one owes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.addresses import AddressClass, classify_address
from conformance.oracle_tags import well_typed_tags
from conformance.profile import TargetProfile
from conformance.tags import (
    MAX_TAG_CHARS,
    NAME_CHARS,
    NAME_DEFECTS,
    SES_PREFIX,
    UNPROBED_TAG_CHARS,
    VALUE_CHARS,
    classify_tag,
)
from conformance.verification import is_verified

POSITIONS = ("first", "middle", "last")
TAG_CLASSES = (
    "valid name and value",
    "value with . and @",
    "ses: name",
    "empty name",
    "empty value",
    "name with ':' outside ses:",
    "name with a space",
    "name with '@'",
    "name with non-ASCII",
    "value with an illegal character",
    *(f"{what} of {n} characters" for what in ("name", "value") for n in (255, 256)),
    "name over 256 characters",
    "value over 256 characters",
    "both invalid",
    *(f"one bad tag of 3, {position}" for position in POSITIONS),
    "bad tag, unverified sender",
)
"""256 characters is gray (rules.md: the boundary was not probed on real SES)."""


def tags_declared(profile: TargetProfile) -> list[str]:
    return list(TAG_CLASSES)


def _text_classes(text: str, *, name: bool) -> list[str]:
    what = "name" if name else "value"
    found = [f"{what} of {len(text)} characters"] if len(text) >= MAX_TAG_CHARS else []
    if len(text) > UNPROBED_TAG_CHARS:
        found.append(f"{what} over 256 characters")
    body = text[len(SES_PREFIX) :] if name and text.startswith(SES_PREFIX) else text
    if not body or (NAME_CHARS if name else VALUE_CHARS).fullmatch(body):
        return found
    if not name:
        return [*found, "value with an illegal character"]
    found += ["name with ':' outside ses:"] if ":" in body else []
    found += ["name with a space"] if " " in body else []
    found += ["name with '@'"] if "@" in body else []
    found += ["name with non-ASCII"] if not body.isascii() else []
    return found


def _tag_classes(tag: Mapping[str, Any]) -> list[str]:
    name, value = tag.get("Name"), tag.get("Value")
    found: list[str] = []
    verdict = classify_tag(tag)
    if verdict.valid and isinstance(name, str) and isinstance(value, str):
        found.append("valid name and value")
        found += ["value with . and @"] if "." in value and "@" in value else []
        found += ["ses: name"] if name.startswith(SES_PREFIX) else []
    found += ["empty name"] if name == "" else []
    found += ["empty value"] if value == "" else []
    found += _text_classes(name, name=True) if isinstance(name, str) else []
    found += _text_classes(value, name=False) if isinstance(value, str) else []
    in_name = {d in NAME_DEFECTS for d in verdict.defects}
    found += ["both invalid"] if in_name == {True, False} else []
    return found


def tags_observed(params: Mapping[str, Any], profile: TargetProfile) -> list[str]:
    tags = well_typed_tags(params)
    if not tags:
        return []
    found = [c for tag in tags for c in _tag_classes(tag)]
    bad = [i for i, tag in enumerate(tags) if classify_tag(tag).defects]
    if len(tags) == 3 and len(bad) == 1:
        found.append(f"one bad tag of 3, {POSITIONS[bad[0]]}")
    source = params.get("Source")
    if bad and isinstance(source, str):
        verdict = classify_address(source, role="source")
        unverified = is_verified(verdict.address, profile.identities) is False
        if verdict.cls is AddressClass.VALID and unverified:
            found.append("bad tag, unverified sender")
    return found
