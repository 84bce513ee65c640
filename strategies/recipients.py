"""Recipient addresses and Destination lists: counts at the limits, drawn splits, duplicates.

In the sandbox only verified addresses, verified domains (any depth) and the mailbox
simulator may receive; `deliverable_recipients` keeps to those so that a "valid" request
stays valid there, and `sandbox_violating_recipients` gives the ones that break the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hypothesis import strategies as st

from conformance.profile import TargetProfile
from conformance.verification import SIMULATOR_DOMAIN
from sesconf_strategies.addresses import (
    POOLED_LABELS,
    POOLED_LOCALS,
    at_domain,
    ints,
    strings,
    valid_addresses,
)
from sesconf_strategies.senders import verified_by_identities

SIMULATOR_MAILBOXES = ("success", "bounce", "ooto", "complaint", "suppressionlist")
Field = Literal["ToAddresses", "CcAddresses", "BccAddresses"]
FIELDS: tuple[Field, ...] = ("ToAddresses", "CcAddresses", "BccAddresses")
_SHORT = {"ToAddresses": "To", "CcAddresses": "Cc", "BccAddresses": "Bcc"}
_DISTINCT_MAX = 8


@dataclass(frozen=True, slots=True)
class Recipients:
    """The three Destination lists; empty lists are left out of `params()`."""

    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return len(self.to) + len(self.cc) + len(self.bcc)

    def lists(self) -> dict[str, tuple[str, ...]]:
        return {"ToAddresses": self.to, "CcAddresses": self.cc, "BccAddresses": self.bcc}

    def params(self) -> dict[str, list[str]]:
        """The Destination member: only the non-empty lists (empty ones break SES Query)."""
        return {key: list(items) for key, items in self.lists().items() if items}

    def label(self) -> str:
        """`51 recipients over To+Bcc`, plus `, with duplicates` when an address repeats."""
        used = "+".join(_SHORT[k] for k, items in self.lists().items() if items)
        everyone = [*self.to, *self.cc, *self.bcc]
        noun = "recipient" if self.count == 1 else "recipients"
        text = f"{self.count} {noun}" + (f" over {used}" if used else "")
        return text + (", with duplicates" if len(set(everyone)) < len(everyone) else "")

    def with_address(self, field: Field, address: str, position: int) -> Recipients:
        """A copy with `address` inserted into `field` at `position` (clamped)."""
        if field not in FIELDS:
            raise ValueError(f"field: expected one of {', '.join(FIELDS)}, got {field!r}")
        items = list(self.lists()[field])
        items.insert(max(0, min(position, len(items))), address)
        lists = {**self.lists(), field: tuple(items)}
        return Recipients(lists["ToAddresses"], lists["CcAddresses"], lists["BccAddresses"])


def simulator_addresses() -> st.SearchStrategy[str]:
    """`success|bounce|ooto|complaint|suppressionlist[+label]@simulator.amazonses.com`."""
    label = st.one_of(st.just(""), strings("abc123", max_size=6))
    return st.builds(
        lambda box, lab: f"{box}{'+' + lab if lab else ''}@{SIMULATOR_DOMAIN}",
        st.sampled_from(SIMULATOR_MAILBOXES),
        label,
    )


_LOCALS = POOLED_LOCALS
_SUBDOMAIN_LABELS = st.lists(POOLED_LABELS, min_size=1, max_size=3)
UNUSUAL_LOCALS = (
    "john.doe",
    "x+tag",
    "UPPER.Case",
    "o'neil",
    "first_last",
    "a1-b2",
    "!#$%&'*+/=?^_`{|}~-",
    "l" * 64,
    "a.b.c.d",
)
"""Local parts every deliverable pool holds: valid, yet unusual enough to trip a target."""


def _at(domains: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.builds(at_domain, _LOCALS, st.sampled_from(domains))


def _under(domains: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda labels, domain, local: at_domain(local, ".".join([*labels, domain])),
        _SUBDOMAIN_LABELS,
        st.sampled_from(domains),
        _LOCALS,
    )


def _sandbox_safe(profile: TargetProfile) -> list[st.SearchStrategy[str]]:
    ids = profile.identities
    kinds: list[st.SearchStrategy[str]] = []
    if ids.verified_domains:
        kinds.append(_at(ids.verified_domains))
        pool = [f"{local}@{d}" for d in ids.verified_domains for local in UNUSUAL_LOCALS]
        kinds.append(st.sampled_from(pool))
    if ids.verified_addresses:
        kinds.append(st.sampled_from(ids.verified_addresses))
    kinds.append(simulator_addresses())
    if ids.verified_domains:
        kinds.append(_under(ids.verified_domains))
    return kinds


def deliverable_recipients(*, profile: TargetProfile) -> st.SearchStrategy[str]:
    """Valid recipients a conformant target must accept (sandbox-safe when in the sandbox)."""
    if not isinstance(profile, TargetProfile):
        raise TypeError(f"profile: expected a TargetProfile, got {profile!r}")
    safe = _sandbox_safe(profile)
    if profile.account.sandbox:
        return st.one_of(safe)
    return st.one_of(*safe, valid_addresses())


def sandbox_violating_recipients(*, profile: TargetProfile) -> st.SearchStrategy[str]:
    """Valid addresses that are neither verified nor the simulator: refused in the sandbox."""
    ids = profile.identities
    kinds = [
        _at((ids.unverified_domain,)),
        st.sampled_from(("other", "info", "successful", "bounces")).map(
            lambda local: f"{local}@{SIMULATOR_DOMAIN}"
        ),
    ]
    if ids.verified_domains:
        kinds.append(_at(tuple(f"evil{d}" for d in ids.verified_domains)))
    return st.one_of(kinds).filter(lambda a: not verified_by_identities(a, ids))


def recipient_counts(
    *, max_recipients: int, band: Literal["within", "over", "any"] = "within"
) -> st.SearchStrategy[int]:
    """Counts: `within` 1..max (small first, max itself often), `over` max+1 and beyond."""
    limit = max_recipients
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"max_recipients: expected an integer >= 1, got {max_recipients!r}")
    within = st.one_of(
        st.integers(1, min(3, max_recipients)),
        st.just(max_recipients),
        st.integers(1, max_recipients),
    )
    over = st.one_of(
        st.just(max_recipients + 1),
        st.integers(max_recipients + 1, max_recipients + 10),
        st.integers(max_recipients + 1, 2 * max_recipients + 1),
    )
    match band:
        case "within":
            return within
        case "over":
            return over
        case "any":
            return st.one_of(st.just(0), within, over)
    raise ValueError(f"band: expected 'within', 'over' or 'any', got {band!r}")


def recipient_lists(
    *, count: int | st.SearchStrategy[int], addresses: st.SearchStrategy[str]
) -> st.SearchStrategy[Recipients]:
    """`count` addresses split over To/Cc/Bcc by a drawn split, sometimes with duplicates."""
    if not isinstance(addresses, st.SearchStrategy):
        raise TypeError(f"addresses: expected a strategy, got {addresses!r}")
    if not isinstance(count, st.SearchStrategy):
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"count: expected an integer >= 0 or a strategy, got {count!r}")
        count = st.just(count)
    return _recipient_lists(count, addresses)


@st.composite
def _recipient_lists(
    draw: st.DrawFn, count: st.SearchStrategy[int], addresses: st.SearchStrategy[str]
) -> Recipients:
    n = draw(count)
    if n == 0:
        return Recipients()
    # Drawing an address costs dozens of choices: draw at most 8 distinct ones and fill
    # the rest with repeats (duplicates count each time), so 51 recipients stay cheap.
    # The distinct 51 are covered by the conformance tests' explicit class examples.
    distinct = draw(ints(1, min(n, _DISTINCT_MAX)))
    pool = [draw(addresses) for _ in range(distinct)]
    if distinct < n and draw(ints(0, 1)):  # repeats in order, or each a drawn pick
        everyone = pool + [pool[i % distinct] for i in range(n - distinct)]
    else:
        everyone = pool + [pool[draw(ints(0, distinct - 1))] for _ in range(n - distinct)]
    cc = draw(ints(0, n))
    bcc = draw(ints(0, n - cc))
    to = n - cc - bcc  # shrinks towards everyone in To
    return Recipients(
        tuple(everyone[:to]), tuple(everyone[to : to + cc]), tuple(everyone[to + cc :])
    )
