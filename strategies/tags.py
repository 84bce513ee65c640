"""Message tags (rules.md `tags.valid`): valid ones, ones with a planted defect, and the
requests that carry them, drawn or written out one per declared class.

The base request is a verified sender's baseline message, so a tag is the one thing in
question; the order class sends it from an unverified sender (real SES checks tags first).
"""

from __future__ import annotations

import string
from typing import Any

from hypothesis import strategies as st

from conformance.profile import TargetProfile
from sesconf_strategies.addresses import pick, strings
from sesconf_strategies.build import case_of, explicit
from sesconf_strategies.cases import GeneratedCase

NAME_ALPHABET = string.ascii_letters + string.digits + "_-"
VALUE_ALPHABET = NAME_ALPHABET + ".@"
ILLEGAL_NAME_CHARS = ": @.+/=é\t"
"""`:` outside `ses:`, a space, `@` and `.` (legal in values only), non-ASCII, a tab."""
ILLEGAL_VALUE_CHARS = ": +/=é,"
VALID_TAG = {"Name": "campaign", "Value": "spring"}

_NAMES = strings(NAME_ALPHABET, max_size=20)
_VALUES = strings(VALUE_ALPHABET, max_size=20)
_LONG = st.integers(257, 600)


@st.composite
def _with_illegal(draw: st.DrawFn, alphabet: str, illegal: str) -> str:
    """A legal string with one illegal character planted at a drawn place."""
    text = draw(strings(alphabet, max_size=10))
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(pick(tuple(illegal))) + text[at:]


@st.composite
def valid_tags(draw: st.DrawFn) -> dict[str, str]:
    """A tag real SES accepts: name of letters, digits, `_`, `-` (maybe after `ses:`),
    value of those and `.`, `@`."""
    prefix = draw(pick(("", "", "ses:")))
    return {"Name": prefix + draw(_NAMES), "Value": draw(_VALUES)}


@st.composite
def invalid_tags(draw: st.DrawFn) -> dict[str, str]:
    """A tag with one planted defect (or two, both invalid) that real SES refuses."""
    tag = draw(valid_tags())
    defect = draw(pick(("empty", "chars", "long", "both")))
    member = draw(pick(("Name", "Value")))
    illegal = ILLEGAL_NAME_CHARS if member == "Name" else ILLEGAL_VALUE_CHARS
    alphabet = NAME_ALPHABET if member == "Name" else VALUE_ALPHABET
    if defect == "empty":
        tag[member] = ""
    elif defect == "chars":
        tag[member] = draw(_with_illegal(alphabet, illegal))
    elif defect == "long":
        tag[member] = "t" * draw(_LONG)
    else:
        tag["Name"] = draw(_with_illegal(NAME_ALPHABET, ILLEGAL_NAME_CHARS))
        tag["Value"] = draw(pick(("", draw(_with_illegal(VALUE_ALPHABET, ILLEGAL_VALUE_CHARS)))))
    return tag


def unverified_sender(profile: TargetProfile) -> str:
    return f"tagged@{profile.identities.unverified_domain}"


def _tagged(
    profile: TargetProfile, tags: list[Any], label: str, *, source: str | None = None
) -> GeneratedCase:
    params = dict(explicit(profile, source=source).request.params)
    params["Tags"] = tags
    return case_of(params, f"tags: {label}")


@st.composite
def tag_requests(draw: st.DrawFn, *, profile: TargetProfile) -> GeneratedCase:
    """A baseline message with 1-3 tags, none or one of them invalid, sometimes from an
    unverified sender."""
    tags = draw(st.lists(valid_tags(), min_size=1, max_size=3))
    bad = draw(st.booleans())
    if bad:
        tags[draw(st.integers(0, len(tags) - 1))] = draw(invalid_tags())
    source = unverified_sender(profile) if bad and draw(st.booleans()) else None
    label = ("invalid" if bad else "valid") + (", unverified sender" if source else "")
    return _tagged(profile, tags, label, source=source)


def _one(name: str, value: str) -> list[dict[str, str]]:
    return [{"Name": name, "Value": value}]


_CLASS_TAGS: tuple[tuple[str, list[dict[str, str]]], ...] = (
    ("valid name and value", _one("Campaign_2-x", "Spring_25-b")),
    ("value with . and @", _one("reply", "a.b@c-d_e")),
    ("ses: name", _one("ses:feedback-id-a", "x")),
    ("empty name", _one("", "test")),
    ("empty value", _one("test", "")),
    ("empty name and value", _one("", "")),
    ("name with ':' outside ses:", _one("test_invalid_name:123", "x")),
    ("name with a space", _one("two words", "x")),
    ("name with '@'", _one("test_invalid_name@123", "x")),
    ("name with non-ASCII", _one("caf\u00e9", "x")),
    ("value with an illegal character", _one("test", "test_invalid_value:123")),
    *(
        (f"{what} of {n} characters", _one(*(("n" * n, "v") if what == "name" else ("n", "v" * n))))
        for what in ("name", "value")
        for n in (255, 256)
    ),
    ("name over 256 characters", _one("test_invalid_name_len" * 100, "x")),
    ("value over 256 characters", _one("test", "test_invalid_value_len" * 100)),
    ("both invalid", _one("test_invalid_name:123", "test_invalid_value:123")),
    ("name invalid, value too long", _one("test_invalid_name@123", "v" * 2200)),
    *(
        (
            f"one bad tag of 3, {where}",
            [
                dict(VALID_TAG, Name=f"t{i}") if i != at else {"Name": "bad:name", "Value": "x"}
                for i in range(3)
            ],
        )
        for at, where in enumerate(("first", "middle", "last"))
    ),
)
"""One written-out request per declared class (conformance/class_tags.py), and the
recorded real-SES inputs of ses-ground-truth.md §3.10."""


def tag_class_cases(profile: TargetProfile) -> list[GeneratedCase]:
    """Every declared class of tags.valid as one request; the order class (a bad tag from an
    unverified sender) for a bad name and for a bad value."""
    cases = [_tagged(profile, tags, label) for label, tags in _CLASS_TAGS]
    unverified = unverified_sender(profile)
    for label, tags in (("bad name", _one("bad:name", "x")), ("bad value", _one("n", "b:v"))):
        cases.append(_tagged(profile, tags, f"{label}, unverified sender", source=unverified))
    return cases
