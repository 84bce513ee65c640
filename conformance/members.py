"""The SendEmail request model's members, in one table (the documentation's request syntax).

The oracle, the class declarations, the reference server and its planted faults all ask
"is this member known, required, optional?"; they read it here, so a member added to the
API is added once.
"""

from __future__ import annotations

from collections.abc import Mapping

TOP_LEVEL_REQUIRED = ("Source", "Destination", "Message")
TOP_LEVEL_OPTIONAL = (
    "ReplyToAddresses",
    "ReturnPath",
    "Tags",
    "ConfigurationSetName",
    "SourceArn",
    "ReturnPathArn",
)
TOP_LEVEL = frozenset((*TOP_LEVEL_REQUIRED, *TOP_LEVEL_OPTIONAL))
DESTINATION_LISTS = ("ToAddresses", "CcAddresses", "BccAddresses")
MESSAGE_MEMBERS = ("Subject", "Body")
BODY_PARTS = ("Text", "Html")
CONTENT_MEMBERS = ("Data", "Charset")

KNOWN: Mapping[str, frozenset[str]] = {
    "top level": TOP_LEVEL,
    "Destination": frozenset(DESTINATION_LISTS),
    "Message": frozenset(MESSAGE_MEMBERS),
    "Message.Body": frozenset(BODY_PARTS),
    "Message.Subject": frozenset(CONTENT_MEMBERS),
}
"""The members known at each level of a request, by where an unknown one is placed."""
