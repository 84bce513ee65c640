"""What the reference engine answers one send: accepted, or refused for a kind of reason.

Its own module so that the engine, the request-dependent variants and the three wires all
import it from below, and none of them imports another to read a result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Kind(StrEnum):
    """Why a send was refused; each wire maps it to its own code and status."""

    MISSING_MEMBER = "missing-member"
    WRONG_TYPE = "wrong-type"
    INVALID_ADDRESS = "invalid-address"
    INVALID_TAG = "invalid-tag"
    TOO_MANY_RECIPIENTS = "too-many-recipients"
    NO_RECIPIENTS = "no-recipients"
    TOO_LARGE = "too-large"
    NOT_VERIFIED = "not-verified"
    THROTTLED = "throttled"
    MALFORMED = "malformed"
    INTERNAL = "internal"
    """Only planted faults answer this (a 5xx)."""


# The engine's two outcomes: small frozen records, alike in shape to other modules' records.
@dataclass(frozen=True, slots=True)
class Accepted:
    id: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Refused:
    kind: Kind
    message: str
    status: int | None = None
    """A planted fault's own HTTP status; None for the wire's usual one."""


Result = Accepted | Refused
