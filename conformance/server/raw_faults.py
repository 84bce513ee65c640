"""The planted faults of raw messages (server/raw.py, server/raw_misread.py): only the
SES wires carry raw messages (protocols.md §4), so each shows there alone.

Kept apart from server/faults.py, which lists them with the rest, as the class faults are.
"""

from __future__ import annotations

from conformance.server.fault_type import Fault

_RAW = ("ses-query", "sesv2")
"""The wires that carry raw messages (protocols.md §4)."""

# A table of facts, one Fault per planted fault: its rows are alike in shape only.
RAW_FAULTS: tuple[Fault, ...] = (
    Fault(
        "raw-from-header-ignored",
        "sender.verified",
        "a raw message without Source is sent from whatever its From: header says: the "
        "From address is never checked against the identities",
        effects=frozenset({"raw-from-ignored"}),
        shows_on=_RAW,
    ),
    Fault(
        "raw-group-list-not-counted",
        "recipients.max",
        "the members of a group list in To/Cc/Bcc are not counted toward the 50 recipients",
        effects=frozenset({"raw-groups-uncounted"}),
        shows_on=_RAW,
    ),
    Fault(
        "raw-line-length-unchecked",
        "raw.line-length",
        "accepts raw messages with lines over 1,000 characters",
        effects=frozenset({"raw-lines-unchecked"}),
        shows_on=_RAW,
    ),
    Fault(
        "raw-no-blank-line-accepted",
        "raw.mime",
        "accepts body text right after the headers, with no blank line between",
        effects=frozenset({"raw-stray-lines-accepted"}),
        shows_on=_RAW,
    ),
    Fault(
        "raw-size-counted-base64-strict",
        "size.max",
        "counts a raw message as base64 with a CRLF every 76 characters: a message of 3/4 of "
        "the limit, which every reading of the limit allows, is refused as too long",
        effects=frozenset({"raw-size-base64-lines"}),
        shows_on=_RAW,
    ),
    Fault(
        "raw-destinations-ignored",
        "recipients.max",
        "reads the recipients from the To/Cc/Bcc headers even when Destinations is given "
        "(Destinations never read): 51 Destinations pass, an invalid one passes, a message "
        "whose recipients are all in Destinations has none, an unverified To is refused in "
        "the sandbox though Destinations are verified, a Destinations of the wrong type passes",
        effects=frozenset({"raw-destinations-ignored"}),
        breaks=frozenset(
            {
                "recipients.max",
                "recipients.min",
                "recipients.valid",
                "sandbox.recipients",
                "robust.no-5xx",
            }
        ),
        shows_on=_RAW,
    ),
    Fault(
        "raw-destinations-type-unchecked",
        "robust.no-5xx",
        "a Destinations that is not a list (one string) is not refused: it is left unread "
        "and the recipients come from the headers",
        effects=frozenset({"raw-destinations-type-unchecked"}),
        breaks=frozenset({"robust.no-5xx"}),
        shows_on=_RAW,
    ),
    Fault(
        "raw-size-text-part-only",
        "size.max",
        "counts only the text part of a raw message against the size limit: a message over "
        "the limit whose bulk is an attachment is accepted",
        effects=frozenset({"raw-size-text-only"}),
        shows_on=_RAW,
    ),
    Fault(
        "raw-bcc-unvalidated",
        "recipients.valid",
        "never checks the syntax of the addresses in a raw message's Bcc: header",
        effects=frozenset({"raw-bcc-unchecked"}),
        shows_on=_RAW,
    ),
    Fault(
        "raw-mime-code-rejected",
        "ses.error-codes",
        "answers a raw message refused for its MIME form with MessageRejected (real SES: "
        "InvalidParameterValue over v1, BadRequestException over v2)",
        effects=frozenset({"raw-mime-rejected"}),
        shows_on=_RAW,
    ),
    # found by the mutation run: each is a reading of conformance/raw.py that a mutant
    # made and no example could tell from the reference's (server/raw_misread.py)
    Fault(
        "raw-nested-boundary-unread",
        "raw.mime",
        "reads a multipart's own boundary only: a nested multipart whose boundary never "
        "appears is accepted",
        effects=frozenset({"raw-nested-unread"}),
        shows_on=_RAW,
    ),
    Fault(
        "raw-deep-parts-unread",
        "raw.mime",
        "reads multiparts 10 levels deep, no deeper: a boundary missing 15 levels down is not seen",
        effects=frozenset({"raw-deep-unread"}),
        shows_on=_RAW,
    ),
    Fault(
        "raw-unquoted-boundary-refused",
        "raw.mime",
        'reads only a quoted boundary parameter (`boundary="b"`): a message whose '
        "boundary is unquoted (`boundary=b01`) is refused as if its boundary never appeared",
        effects=frozenset({"raw-unquoted-unread"}),
        shows_on=_RAW,
    ),
    Fault(
        "raw-unclosed-refused",
        "raw.mime",
        "refuses a multipart whose close delimiter never appears (JavaMail, which real SES "
        "runs on, ignores a missing end boundary)",
        effects=frozenset({"raw-unclosed-refused"}),
        shows_on=_RAW,
    ),
    Fault(
        "raw-unclosed-last-part-unread",
        "raw.mime",
        "in a multipart whose close delimiter never appears, the last part is not read: a "
        "multipart there whose own boundary never appears passes",
        effects=frozenset({"raw-unclosed-last-unread"}),
        shows_on=_RAW,
    ),
    Fault(
        "raw-comments-unread",
        "recipients.valid",
        "reads parentheses in To/Cc/Bcc as plain characters: a comma inside a group name's "
        "comment (`Staff (EU, UK): d@...;`) splits an address, and the message is refused",
        effects=frozenset({"raw-comments-unread"}),
        shows_on=_RAW,
    ),
    Fault(
        "raw-bare-cr-ends-lines",
        "raw.line-length",
        "counts a bare CR as a line end: a line of 1,201 characters with a CR in its middle "
        "passes as two short ones",
        effects=frozenset({"raw-bare-cr-splits"}),
        shows_on=_RAW,
    ),
)
