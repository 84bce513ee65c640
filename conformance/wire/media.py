"""What each wire's request body looks like: its media type, and a body of another wire.

The robustness strategies send bodies no wire can read; which bytes are "foreign" to a
target depends on its wire, and that is wire knowledge, kept here rather than in a test.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Final

from conformance.model import JSON

FORM: Final = "application/x-www-form-urlencoded"
JSON_MEDIA: Final = "application/json"
REQUEST_MEDIA_TYPES: Final[Mapping[str, str]] = {
    "envelope": JSON_MEDIA,
    "ses-query": FORM,
    "sesv2": JSON_MEDIA,
}
"""The media type a SendEmail request carries on each wire."""


def request_media_type(protocol: str) -> str:
    return REQUEST_MEDIA_TYPES.get(protocol, JSON_MEDIA)


def foreign_body(protocol: str, params: Mapping[str, JSON]) -> bytes:
    """A well-formed SendEmail body of the other family of wires (a JSON body for the Query
    wire, a Query form for the JSON wires): readable, but not by this target."""
    if request_media_type(protocol) == FORM:
        return json.dumps(dict(params)).encode()
    source = str(params.get("Source", ""))
    return b"Action=SendEmail&Version=2010-12-01&Source=" + source.encode()
