"""Message tags as rules.md's `tags.valid` reads them: valid, invalid (why) or gray (why).

Pure and shared by the oracle, the classes and the strategies. The reference server reads
tags its own way (`conformance/server/tags.py`): the oracle is tested against the server,
so the two never share their reading of the rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from conformance.model import JSON

MAX_TAG_CHARS = 255
"""Real SES: "cannot exceed 255 characters" (ses-ground-truth.md §3.10)."""
UNPROBED_TAG_CHARS = 256
"""The model says 256 or fewer, real SES 255: the boundary was never probed, so gray."""
SES_PREFIX = "ses:"
NAME_CHARS = re.compile(r"[A-Za-z0-9_-]+")
VALUE_CHARS = re.compile(r"[A-Za-z0-9_.@-]+")


class TagDefect(StrEnum):
    """Why a tag is invalid; each has a recorded real-SES message but `MISSING_*`."""

    EMPTY_NAME = "empty name"
    EMPTY_VALUE = "empty value"
    MISSING_NAME = "missing name"
    MISSING_VALUE = "missing value"
    NAME_CHARS = "name with an illegal character"
    VALUE_CHARS = "value with an illegal character"
    LONG_NAME = "name over 256 characters"
    LONG_VALUE = "value over 256 characters"


NAME_DEFECTS = frozenset(
    {TagDefect.EMPTY_NAME, TagDefect.MISSING_NAME, TagDefect.NAME_CHARS, TagDefect.LONG_NAME}
)
RECORDED_DEFECTS = frozenset(TagDefect) - {TagDefect.MISSING_NAME, TagDefect.MISSING_VALUE}
"""Defects real SES was recorded refusing with InvalidParameterValue (a missing member is
refused by the SDKs before it is sent)."""


@dataclass(frozen=True, slots=True)
class TagVerdict:
    """One tag: its defects (invalid when any) and gray reasons (the 256 boundary)."""

    defects: tuple[TagDefect, ...] = ()
    gray: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.defects and not self.gray


def _text_defects(text: str, *, name: bool) -> tuple[list[TagDefect], list[str]]:
    what = "name" if name else "value"
    if len(text) > UNPROBED_TAG_CHARS:
        return [TagDefect.LONG_NAME if name else TagDefect.LONG_VALUE], []
    gray = [f"{what} of {len(text)} characters"] if len(text) > MAX_TAG_CHARS else []
    body = text[len(SES_PREFIX) :] if name and text.startswith(SES_PREFIX) else text
    pattern = NAME_CHARS if name else VALUE_CHARS
    if body and not pattern.fullmatch(body):
        return [TagDefect.NAME_CHARS if name else TagDefect.VALUE_CHARS], gray
    return [], gray


def classify_tag(tag: Mapping[str, JSON]) -> TagVerdict:
    """A tag whose Name and Value are strings or absent (null is absent); other types are
    robust.no-5xx's and must be filtered out before."""
    defects: list[TagDefect] = []
    gray: list[str] = []
    for key, name in (("Name", True), ("Value", False)):
        text = tag.get(key)
        if text is None:
            defects.append(TagDefect.MISSING_NAME if name else TagDefect.MISSING_VALUE)
        elif not isinstance(text, str):
            raise TypeError(f"Tags[].{key}: expected a string or null, got {text!r}")
        elif text == "":
            defects.append(TagDefect.EMPTY_NAME if name else TagDefect.EMPTY_VALUE)
        else:
            found, grays = _text_defects(text, name=name)
            defects += found
            gray += grays
    return TagVerdict(tuple(defects), tuple(gray))


def tag_findings(tags: Sequence[Mapping[str, JSON]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(invalid reasons, gray reasons) of a list of well-typed tags, each naming its tag."""
    invalid: list[str] = []
    gray: list[str] = []
    for index, tag in enumerate(tags):
        verdict = classify_tag(tag)
        invalid += [f"Tags[{index}]: {defect} (tags.valid)" for defect in verdict.defects]
        gray += [f"Tags[{index}]: {reason} (tags.valid)" for reason in verdict.gray]
    return tuple(invalid), tuple(gray)


def recorded_only(tags: Sequence[Mapping[str, JSON]]) -> bool:
    """Whether every defect of these tags is one real SES was recorded refusing (so its
    code and its place before the identity check are known)."""
    defects = [d for tag in tags for d in classify_tag(tag).defects]
    return bool(defects) and all(d in RECORDED_DEFECTS for d in defects)
