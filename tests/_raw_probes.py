"""Probes of the planted raw-message faults (tests/test_server_faults.py): one SendRawEmail
over the Query wire each, answered (status, error code or None)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from defusedxml import ElementTree

from conformance.profile import SES_SIZE_LIMIT, load_builtin_profile
from conformance.raw import encode_data
from sesconf_strategies.raw import attachment_padded, message_of, padded
from sesconf_strategies.raw_cases import nested_multiparts

NS = "{http://ses.amazonaws.com/doc/2010-12-01/}"
VERIFIED = "sender@verified.example"
TO = "to@verified.example"
REFERENCE = load_builtin_profile("reference")


def raw_outcome(
    message: bytes, destinations: tuple[str, ...] | str = ()
) -> Callable[[str], tuple[int, str | None]]:
    """A probe; `destinations` as one string is sent as a bare `Destinations` field."""

    def probe(url: str) -> tuple[int, str | None]:
        fields = {"Action": "SendRawEmail", "RawMessage.Data": encode_data(message)}
        if isinstance(destinations, str):
            fields["Destinations"] = destinations
        else:
            fields |= {f"Destinations.member.{i}": d for i, d in enumerate(destinations, 1)}
        response = requests.post(url, data=fields, timeout=60)
        root = ElementTree.fromstring(response.content)
        return response.status_code, root.findtext(f"{NS}Error/{NS}Code")

    return probe


_TEN = [f"r{i}@verified.example" for i in range(10)]
_GROUP = "team: " + ", ".join(f"r{i}@verified.example" for i in range(10, 51)) + ";"
"""51 recipients, 41 of them in a group (in Cc: a line under 1,000 characters)."""
_STRAY = message_of(sender=VERIFIED, to=[TO]).replace(b"\r\n\r\n", b"\r\nstray body\r\n", 1)
_NESTED = message_of(sender=VERIFIED, to=[TO], kind="nested")
_INNER = _NESTED.split(b'boundary="', 2)[2].split(b'"', 1)[0]
_NO_INNER_BOUNDARY = _NESTED.replace(b"--" + _INNER, b"--not-the-boundary")
REFUSED = (400, "InvalidParameterValue")
_UNCLOSED_BROKEN = message_of(sender=VERIFIED, to=[TO]).split(b"Content-Type")[0] + (
    b'Content-Type: multipart/mixed; boundary="o"\r\n\r\n--o\r\nContent-Type: text/plain\r\n'
    b'\r\nHi.\r\n--o\r\nContent-Type: multipart/alternative; boundary="i"\r\n\r\n--x\r\n'
    b"Content-Type: text/plain\r\n\r\nLost.\r\n"
)


_DEEP = nested_multiparts(REFERENCE, 15, broken=True)
_UNQUOTED = nested_multiparts(REFERENCE, 1, broken=False)

RAW_PROBES: dict[str, tuple[Callable[[str], Any], Any]] = {
    "raw-from-header-ignored": (
        raw_outcome(message_of(sender="x@unverified.example", to=[TO])),
        (400, "MessageRejected"),
    ),
    "raw-group-list-not-counted": (
        raw_outcome(message_of(sender=VERIFIED, to=_TEN, cc=[_GROUP])),
        REFUSED,
    ),
    "raw-line-length-unchecked": (
        raw_outcome(message_of(sender=VERIFIED, to=[TO]) + b"x" * 1001 + b"\r\n"),
        REFUSED,
    ),
    "raw-no-blank-line-accepted": (raw_outcome(_STRAY), REFUSED),
    "raw-size-counted-base64-strict": (
        raw_outcome(padded(message_of(sender=VERIFIED, to=[TO]), SES_SIZE_LIMIT * 3 // 4)),
        (200, None),
    ),
    "raw-destinations-ignored": (
        raw_outcome(
            message_of(sender=VERIFIED, to=[TO]), tuple(f"d{i}@verified.example" for i in range(51))
        ),
        REFUSED,
    ),
    "raw-size-text-part-only": (
        raw_outcome(
            attachment_padded(
                message_of(sender=VERIFIED, to=[TO], kind="attachment"), SES_SIZE_LIMIT + 1
            )
        ),
        REFUSED,
    ),
    "raw-bcc-unvalidated": (
        raw_outcome(message_of(sender=VERIFIED, to=[TO], bcc=["a..b@verified.example"])),
        REFUSED,
    ),
    "raw-mime-code-rejected": (raw_outcome(_STRAY), REFUSED),
    "raw-destinations-type-unchecked": (
        raw_outcome(message_of(sender=VERIFIED, to=[TO]), destinations=TO),
        (400, "ValidationError"),
    ),
    "raw-nested-boundary-unread": (raw_outcome(_NO_INNER_BOUNDARY), REFUSED),
    "raw-deep-parts-unread": (raw_outcome(_DEEP), REFUSED),
    "raw-unquoted-boundary-refused": (raw_outcome(_UNQUOTED), (200, None)),
    "raw-unclosed-refused": (raw_outcome(_NESTED.rsplit(b"--", 2)[0]), (200, None)),
    "raw-unclosed-last-part-unread": (raw_outcome(_UNCLOSED_BROKEN), REFUSED),
    "raw-comments-unread": (
        raw_outcome(message_of(sender=VERIFIED, to=["Staff (EU, UK): to@verified.example;"])),
        (200, None),
    ),
    "raw-bare-cr-ends-lines": (
        raw_outcome(
            message_of(sender=VERIFIED, to=[TO]) + b"x" * 600 + b"\r" + b"x" * 600 + b"\r\n"
        ),
        REFUSED,
    ),
}
"""The faithful reference's answer to each; the fault's must differ."""
