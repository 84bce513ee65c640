"""The SendEmail request model's members, in one table (the documentation's request syntax).

The oracle, the class declarations, the reference server and its planted faults all ask
"is this member known, required, optional, and of which JSON type?"; they read it here, so
a member added to the API is added once. `MEMBERS` is the table; the tuples below it are
read off it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeAlias

JsonType: TypeAlias = Literal["string", "object", "list"]
STRING: Final = "string"
OBJECT: Final = "object"
LIST: Final = "list"
ITEM = "[]"
"""Suffix of a list's path naming one of its items: `Tags[].Name` is each tag's Name."""


@dataclass(frozen=True, slots=True)
class Member:
    """One member of the request: where it sits, its JSON type, whether it must be there."""

    path: str
    """Dotted from the request: `Message.Subject.Data`; `Tags[].Name` inside list items."""
    type: JsonType
    required: bool = False
    """Required whenever its parent is there (Message.Body needs Text or Html besides)."""
    items: JsonType | None = None
    """A list's item type; None for strings and objects."""

    @property
    def parent(self) -> str:
        """The enclosing member's path; "" for a top-level member."""
        return self.path.rpartition(".")[0]

    @property
    def name(self) -> str:
        return self.path.rpartition(".")[2]

    @property
    def depth(self) -> int:
        """0 for a top-level member, 1 inside Destination or Message, and so on."""
        return self.path.count(".")


def _content(part: str, *, required: bool) -> tuple[Member, ...]:
    """A Content object (Subject, Text, Html): Data a string, Charset an optional string."""
    return (
        Member(part, OBJECT, required),
        Member(f"{part}.Data", STRING, True),
        Member(f"{part}.Charset", STRING),
    )


MEMBERS: Mapping[str, Member] = {
    m.path: m
    for m in (
        Member("Source", STRING, True),
        Member("Destination", OBJECT, True),
        Member("Destination.ToAddresses", LIST, items=STRING),
        Member("Destination.CcAddresses", LIST, items=STRING),
        Member("Destination.BccAddresses", LIST, items=STRING),
        Member("Message", OBJECT, True),
        *_content("Message.Subject", required=True),
        Member("Message.Body", OBJECT, True),
        *_content("Message.Body.Text", required=False),
        *_content("Message.Body.Html", required=False),
        Member("ReplyToAddresses", LIST, items=STRING),
        Member("ReturnPath", STRING),
        Member("Tags", LIST, items=OBJECT),
        Member("Tags[].Name", STRING, True),
        Member("Tags[].Value", STRING, True),
        Member("ConfigurationSetName", STRING),
        Member("SourceArn", STRING),
        Member("ReturnPathArn", STRING),
    )
}
"""Every member by path, in the order of the documentation's request syntax."""


def children(parent: str) -> tuple[str, ...]:
    """The names of the members directly inside `parent` ("" for the request itself)."""
    return tuple(m.name for m in MEMBERS.values() if m.parent == parent)


def is_type(value: object, type_: JsonType) -> bool:
    """Whether a decoded JSON value is of `type_` (its items are not looked at)."""
    if type_ == STRING:
        return isinstance(value, str)
    if type_ == LIST:
        return isinstance(value, list)
    return isinstance(value, Mapping)


def holds(path: str, value: object) -> bool:
    """Whether `value` is of the type the table gives `path`; a list's items are too."""
    member = MEMBERS[path]
    if member.items is not None and isinstance(value, list):
        return all(is_type(item, member.items) for item in value)
    return is_type(value, member.type)


TOP_LEVEL_REQUIRED = tuple(n for n in children("") if MEMBERS[n].required)
TOP_LEVEL_OPTIONAL = tuple(n for n in children("") if not MEMBERS[n].required)
TOP_LEVEL = frozenset(children(""))
DESTINATION_LISTS = children("Destination")
"""("ToAddresses", "CcAddresses", "BccAddresses"): the recipients, in this order."""
MESSAGE_MEMBERS = children("Message")
BODY_PARTS = children("Message.Body")
CONTENT_MEMBERS = children("Message.Subject")
TAG_MEMBERS = children("Tags" + ITEM)

KNOWN: Mapping[str, frozenset[str]] = {
    "top level": TOP_LEVEL,
    "Destination": frozenset(DESTINATION_LISTS),
    "Message": frozenset(MESSAGE_MEMBERS),
    "Message.Body": frozenset(BODY_PARTS),
    "Message.Subject": frozenset(CONTENT_MEMBERS),
}
"""The members known at each level of a request, by where an unknown one is placed."""


def _shape(path: str) -> Any:
    member = MEMBERS[path]
    if member.type == LIST:
        item = path + ITEM
        return (LIST, {n: _shape(f"{item}.{n}") for n in children(item)} or member.items)
    if member.type == OBJECT:
        return {n: _shape(f"{path}.{n}") for n in children(path)}
    return STRING


SEND_EMAIL_SHAPE: Mapping[str, Any] = {n: _shape(n) for n in children("")}
"""The table as nested shapes: "string", ("list", item shape) or {member: shape}, the
form the Query form's serialiser walks (conformance/wire/query_form.py)."""
