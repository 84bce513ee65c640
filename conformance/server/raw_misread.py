"""How seven planted raw faults (server/raw_faults.py) misread a message: each is a reading
of `conformance.raw` that a mutant made and no example told from the reference's.

The reference passes every message through `misread`; with none of these faults planted
it returns the message unchanged. Out of the mutation scope (tools/mutation/scope.py), as
all the fault machinery is.
"""

from __future__ import annotations

from dataclasses import replace

from conformance.raw import RECIPIENT_HEADERS, RawMessage, unclosed, unquoted_boundary

_RECIPIENTS = frozenset(h.lower() for h in RECIPIENT_HEADERS)
_PLAIN_PARENS = str.maketrans("()", "[]")


def misread(message: RawMessage, data: bytes, on: frozenset[str]) -> RawMessage:
    """`message` as the planted faults in `on` read it."""
    if "raw-nested-unread" in on and message.multipart_depth > 1:
        message = replace(message, boundary_missing=False)  # the outer boundary was found
    if "raw-deep-unread" in on and message.multipart_depth > 10:
        message = replace(message, boundary_missing=False)  # read 10 levels deep, no more
    if "raw-unquoted-unread" in on and unquoted_boundary(message):
        message = replace(message, boundary_missing=True)  # only `boundary="..."` is read
    if "raw-bare-cr-splits" in on:
        message = replace(message, longest_line=max(map(len, data.splitlines()), default=0))
    if "raw-unclosed-refused" in on and unclosed(message, data):
        message = replace(message, boundary_missing=True)
    last_unread = "raw-unclosed-last-unread" in on and message.multipart_depth > 1
    if last_unread and unclosed(message, data):
        message = replace(message, boundary_missing=False)  # its last part never read
    if "raw-comments-unread" in on:
        headers = tuple(
            (name, value.translate(_PLAIN_PARENS) if name.lower() in _RECIPIENTS else value)
            for name, value in message.headers
        )
        message = replace(message, headers=headers)
    return message
