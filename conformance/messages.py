"""How the suite reads an SES error message's text: one way, everywhere.

Real SES lists the identities that failed verification in no stable order
(ses-ground-truth.md §3.4: four recordings of one request, the sender first once) and
names the region it runs in. So the identities compare as a set and the region is
ignored; every check of message text goes through here, and so does the test holding
the reference to real SES's recorded answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypeGuard

NOT_VERIFIED_PREFIX = "Email address is not verified"
"""What real SES's verification error starts with, then and now (§3.4)."""
_FAILED = re.compile(
    r"^(?P<head>Email address is not verified\. The following identities failed the check"
    r" in region )(?P<region>[A-Za-z0-9-]+): (?P<identities>.*)$",
    re.S,
)


@dataclass(frozen=True, slots=True)
class FailedIdentities:
    """A "failed the check" message read: its region and its identities, as a set."""

    region: str
    identities: frozenset[str]


def failed_identities(message: str | None) -> FailedIdentities | None:
    """The region and identities of real SES's "not verified" message; None for any other."""
    if not isinstance(message, str):
        return None
    found = _FAILED.match(message)
    if found is None:
        return None
    names = frozenset(n.strip() for n in found["identities"].split(", ") if n.strip())
    return FailedIdentities(found["region"], names)


def says_not_verified(message: str | None) -> TypeGuard[str]:
    """The documented words ("Email address not verified") are in the message, any case."""
    return isinstance(message, str) and "not verified" in message.lower()


def says_quota(message: str | None) -> bool:
    """The message names the daily quota (real SES: "Daily message quota exceeded.")."""
    return isinstance(message, str) and "quota" in message.lower()


def starts_like(message: str | None, prefix: str) -> bool:
    """`message` begins with `prefix`; its identity list and region never matter."""
    return isinstance(message, str) and message.startswith(prefix)


def same_message(expected: str, actual: str | None, *, region: str | None = None) -> bool:
    """`actual` says what `expected` says: word for word, but a "failed the check" list
    compares its identities as a set, and its region only when `region` is given (then
    it must be that region, upper-cased, as real SES writes it)."""
    if not isinstance(expected, str):
        raise TypeError(f"expected: a message string, got {expected!r}")
    want, got = failed_identities(expected), failed_identities(actual)
    if want is None or got is None:
        return expected == actual
    if region is not None and got.region != region.upper():
        return False
    return want.identities == got.identities
