"""How an address stands to the profile's identities and the mailbox simulator.

The identity relations sender.verified and sandbox.recipients declare as classes
(conformance/classes.py), read off the bare address: exact or case-variant address
identities, verified domains and subdomains, look-alikes, the simulator's mailboxes.
"""

from __future__ import annotations

from conformance.profile import TargetProfile
from conformance.verification import SIMULATOR_DOMAIN

SIMULATOR_BOXES = ("success", "bounce", "ooto", "complaint", "suppressionlist")

IDENTITY_RELATIONS = (
    "exact address identity",
    "address identity with its domain in another case",
    "address identity in another case",
    "address identity with +label",
    "verified domain",
    "verified domain in another case",
    "subdomain depth 1",
    "subdomain depth 2",
    "subdomain depth 3+",
    "xn-- label under a verified domain",
    "prefix look-alike of a verified domain",
    "suffix look-alike of a verified domain",
    "trailing dot after a verified domain",
    "unverified domain",
)
SIMULATOR_RELATIONS = (
    "simulator mailbox",
    "simulator mailbox with +label",
    "simulator mailbox in another case",
    "simulator look-alike mailbox",
    "simulator look-alike domain",
)


def _domain_relation(domain: str, verified: tuple[str, ...]) -> str | None:
    low = domain.lower()
    for v in (d.lower() for d in verified):
        if low == v:
            same = domain == domain.lower()
            return "verified domain" if same else "verified domain in another case"
        if low == v + ".":
            return "trailing dot after a verified domain"
        if low.endswith("." + v):
            sub = low[: -len(v) - 1].split(".")
            if any(label.startswith("xn--") for label in sub):
                return "xn-- label under a verified domain"
            return f"subdomain depth {len(sub)}" if len(sub) < 3 else "subdomain depth 3+"
        if low.endswith(v):
            return "prefix look-alike of a verified domain"
        if low.startswith(v + "."):
            return "suffix look-alike of a verified domain"
    return None


def _simulator_relation(local: str, domain: str) -> str | None:
    low = domain.lower()
    if low != SIMULATOR_DOMAIN:
        sim = SIMULATOR_DOMAIN
        return "simulator look-alike domain" if sim in low or low.endswith(sim[4:]) else None
    box, plus, _ = local.partition("+")
    if box in SIMULATOR_BOXES and domain == SIMULATOR_DOMAIN:
        return "simulator mailbox with +label" if plus else "simulator mailbox"
    if box.lower() in SIMULATOR_BOXES:
        return "simulator mailbox in another case"
    return "simulator look-alike mailbox"


def _domain_case_only(address: str, identities: tuple[str, ...]) -> bool:
    """`Mixed.Case@OTHER.example` for `Mixed.Case@other.example`: the local part exact, the
    domain in another case (rules.md: not verified, the identity is case-sensitive whole)."""
    local, _, domain = address.rpartition("@")
    return any(
        local == known_local and domain != known_domain and domain.lower() == known_domain.lower()
        for known_local, _, known_domain in (a.rpartition("@") for a in identities)
    )


def identity_relation(address: str, profile: TargetProfile) -> str | None:
    """How a bare address stands to the profile's identities and the simulator."""
    ids = profile.identities
    local, at, domain = address.rpartition("@")
    if not at:
        return None
    if address in ids.verified_addresses:
        return "exact address identity"
    if domain.lower().rstrip(".") == ids.unverified_domain.lower():
        return "unverified domain"
    relation = _domain_relation(domain, ids.verified_domains)
    if relation is not None and "look-alike" not in relation and "trailing" not in relation:
        return relation  # verified through its domain, whatever the local part
    if _domain_case_only(address, ids.verified_addresses):
        return "address identity with its domain in another case"
    lowered = {a.lower() for a in ids.verified_addresses}
    if address.lower() in lowered:
        return "address identity in another case"
    if "+" in local and f"{local.split('+', 1)[0]}@{domain}".lower() in lowered:
        return "address identity with +label"
    if relation is not None:
        return relation
    return _simulator_relation(local, domain)
