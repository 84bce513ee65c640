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
from sesconf_strategies.addresses import ints, pick, strings
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
_PREFIXES = pick(("", "", "ses:"))
_DEFECTS = pick(("empty", "chars", "long", "both"))
_MEMBERS = pick(("Name", "Value"))


@st.composite
def _with_illegal(draw: st.DrawFn, alphabet: str, illegal: str) -> str:
    """A legal string with one illegal character planted at a drawn place."""
    text = draw(strings(alphabet, max_size=10))
    at = draw(ints(0, len(text)))
    return text[:at] + draw(pick(tuple(illegal))) + text[at:]


_ILLEGAL = {
    "Name": _with_illegal(NAME_ALPHABET, ILLEGAL_NAME_CHARS),
    "Value": _with_illegal(VALUE_ALPHABET, ILLEGAL_VALUE_CHARS),
}


@st.composite
def _valid_tags(draw: st.DrawFn) -> dict[str, str]:
    return {"Name": draw(_PREFIXES) + draw(_NAMES), "Value": draw(_VALUES)}


@st.composite
def _invalid_tags(draw: st.DrawFn) -> dict[str, str]:
    tag = draw(_VALID)
    defect, member = draw(_DEFECTS), draw(_MEMBERS)
    if defect == "empty":
        tag[member] = ""
    elif defect == "chars":
        tag[member] = draw(_ILLEGAL[member])
    elif defect == "long":
        tag[member] = "t" * draw(_LONG)
    else:
        tag["Name"] = draw(_ILLEGAL["Name"])
        tag["Value"] = "" if draw(st.booleans()) else draw(_ILLEGAL["Value"])
    return tag


_VALID = _valid_tags()
_INVALID = _invalid_tags()
_TAG_LISTS = st.lists(_VALID, min_size=1, max_size=3)


def valid_tags() -> st.SearchStrategy[dict[str, str]]:
    """A tag real SES accepts: name of letters, digits, `_`, `-` (maybe after `ses:`),
    value of those and `.`, `@`."""
    return _VALID


def invalid_tags() -> st.SearchStrategy[dict[str, str]]:
    """A tag with one planted defect (empty, an illegal character, over 256 characters), or
    a bad name beside a bad or empty value: real SES refuses each."""
    return _INVALID


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
    tags = draw(_TAG_LISTS)
    bad = draw(st.booleans())
    if bad:
        tags[draw(ints(0, len(tags) - 1))] = draw(_INVALID)
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
    *((f"name of {n} characters", _one("n" * n, "v")) for n in (255, 256)),
    *((f"value of {n} characters", _one("n", "v" * n)) for n in (255, 256)),
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
