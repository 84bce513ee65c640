"""The reference's tag check, worded as real SES words it (ses-ground-truth.md §3.10).

Written apart from `conformance.tags` on purpose (the oracle is tested against the
server). Real SES checks tags before identities, the name of a tag before its value, and
stops at the first bad tag; the messages are the recorded ones, double space included.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from conformance.server.results import Kind, Refused

LIMIT = 255
SES_PREFIX = "ses:"
_NAME = re.compile(r"[A-Za-z0-9_-]*")
_VALUE = re.compile(r"[A-Za-z0-9_.@-]*")
NAME_CHARS = "only alphanumeric ASCII characters, '_',  '-' are allowed."
VALUE_CHARS = "only alphanumeric ASCII characters, '_',  '-' , '.', '@' are allowed."


def _problem(text: str, what: str) -> str | None:
    """Real SES's message for one tag name (`what` = "name") or value, or None."""
    if text == "":
        return f"The tag {what} must be specified."
    if len(text) > LIMIT:
        return f"Tag {what} cannot exceed {LIMIT} characters."
    if what == "name":
        body = text[len(SES_PREFIX) :] if text.startswith(SES_PREFIX) else text
        if not _NAME.fullmatch(body):
            return f"Invalid tag name <{text}>: {NAME_CHARS}"
    elif not _VALUE.fullmatch(text):
        return f"Invalid tag value <{text}>: {VALUE_CHARS}"
    return None


def tag_problem(params: Mapping[str, Any]) -> str | None:
    """The message for the first invalid tag of a request whose members are well typed
    (a missing Name or Value is a ValidationError, found before), or None."""
    for tag in params.get("Tags") or ():
        for key, what in (("Name", "name"), ("Value", "value")):
            problem = _problem(tag[key], what)
            if problem is not None:
                return problem
    return None


def tag_refusal(params: Mapping[str, Any]) -> Refused | None:
    """The engine's refusal for the first invalid tag (InvalidParameterValue on the wire)."""
    problem = tag_problem(params)
    return None if problem is None else Refused(Kind.INVALID_TAG, problem)
