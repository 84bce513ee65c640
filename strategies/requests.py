"""The one table of wrong JSON types the suite sends (robust.no-5xx's test).

Each entry replaces one member by a value of the wrong type and names the rule that
breaks; the request itself is built in strategies/build.py and judged by the oracle.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.model import JSON


@dataclass(frozen=True, slots=True)
class WrongType:
    """A member replaced by a value of the wrong JSON type, and the rule that breaks."""

    path: str
    value: JSON
    rule: str = "robust.no-5xx"


WRONG_TYPES: tuple[WrongType, ...] = (
    WrongType("Source", 5),
    WrongType("Source", True),
    WrongType("Source", ["sender@verified.example"]),
    WrongType("Destination", "a@b.example"),
    WrongType("Destination", []),
    WrongType("Destination", None, "request.required"),  # JSON null counts as missing
    WrongType("Destination.ToAddresses", "a@b.example"),
    WrongType("Destination.ToAddresses", 5),
    WrongType("Destination.ToAddresses", [5]),
    WrongType("Destination.CcAddresses", {"a": "b@c.example"}),
    WrongType("Message", ["Subject", "Body"]),
    WrongType("Message", "hello"),
    WrongType("Message.Subject", "hello"),
    WrongType("Message.Subject.Data", 123),
    WrongType("Message.Subject.Data", ["x"]),
    WrongType("Message.Subject.Charset", 5),
    WrongType("Message.Body", "hello"),
    WrongType("Message.Body", []),
    WrongType("Message.Body.Text.Data", 123),
    WrongType("ReplyToAddresses", "a@b.example"),
    WrongType("ReturnPath", 5),
)
WRONG_TYPE_PATHS: tuple[str, ...] = tuple(dict.fromkeys(w.path for w in WRONG_TYPES))
