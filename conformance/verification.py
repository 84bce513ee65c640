"""Which addresses a profile's identities verify, and which are the mailbox simulator's.

The suite's side of it (the oracle, the classes, the strategies); the reference server
keeps its own (`server/checks.py`), so a mistake here is not mirrored there.
"""

from __future__ import annotations

import re

from conformance.addresses import AddressVerdict, bare_address, comments_removed
from conformance.profile import Identities

__all__ = [
    "SIMULATOR_DOMAIN",
    "is_simulator",
    "is_verified",
    "simulator_in_other_case",
    "subdomain_depth",
    "verified_as_read",
]

SIMULATOR_DOMAIN = "simulator.amazonses.com"
_SIMULATOR = re.compile(
    r"(?:success|bounce|ooto|complaint|suppressionlist)"
    r"(?:\+[A-Za-z0-9!#$%&'*/=?^_`{|}~+-]+(?:\.[A-Za-z0-9!#$%&'*/=?^_`{|}~+-]+)*)?"
    r"@simulator\.amazonses\.com"
)


def is_verified(address: str, identities: Identities) -> bool | None:
    """True, False, or None (gray: a +label on an address-only identity).

    Address identities compare case-sensitively and whole; domain identities
    case-insensitively, and cover subdomains at any depth but not look-alikes.
    """
    bare = bare_address(address)
    if "@" not in bare:
        return False
    local, _, domain = bare.rpartition("@")
    if bare in identities.verified_addresses:
        return True
    lowered = domain.lower()
    if any(lowered == verified.lower() for verified in identities.verified_domains):
        return True
    if subdomain_depth(domain, identities.verified_domains) is not None:
        return True
    if "+" in local and f"{local.split('+', 1)[0]}@{domain}" in identities.verified_addresses:
        return None
    return False


def subdomain_depth(domain: str, verified_domains: tuple[str, ...]) -> tuple[int, str] | None:
    """How many labels `domain` has above the verified domain it is a subdomain of (case
    folded), and that domain; None when it is under none (or is one)."""
    lowered = domain.lower()
    for verified in verified_domains:
        if lowered.endswith("." + verified.lower()):
            return lowered[: -len(verified) - 1].count(".") + 1, verified
    return None


def verified_as_read(verdict: AddressVerdict, identities: Identities) -> bool | None:
    """`is_verified` of the address inside a verdict, however a target may read it.

    A (comment) may be dropped, a quoted local part unquoted and a non-ASCII domain read
    in Punycode: verified in any reading is not False. A domain IDNA cannot encode leaves
    it open (None).
    """
    readings = {verdict.address, comments_removed(verdict.address).strip(" ")}
    for address in list(readings):
        local, _, domain = address.rpartition("@")
        if len(local) > 1 and local[0] == local[-1] == '"':  # `"a.b"@x` may be read as a.b@x
            readings.add(re.sub(r"\\(.)", r"\1", local[1:-1]) + "@" + domain)
        if local and not domain.isascii():
            try:
                readings.add(f"{local}@{domain.encode('idna').decode('ascii')}")
            except UnicodeError:
                return None
    found = [is_verified(address, identities) for address in sorted(readings)]
    if True in found:
        return True
    return None if None in found else False


def is_simulator(address: str) -> bool:
    """A mailbox-simulator address, exactly as documented (lower case, optional +label)."""
    return _SIMULATOR.fullmatch(bare_address(address)) is not None


def simulator_in_other_case(address: str) -> bool:
    """A simulator address in another case (`Success@...`): not the documented mailbox."""
    bare = bare_address(address)
    return not is_simulator(bare) and _SIMULATOR.fullmatch(bare.lower()) is not None
