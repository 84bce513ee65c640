"""Source addresses, each knowing whether it is verified by construction (rules.md).

The kinds cover the rule's edges: subdomains at any depth and case variants of a
verified domain (verified), case variants of an address identity and look-alike
domains (not verified), display names (verified as their inner address is).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hypothesis import strategies as st

from conformance.profile import Identities, TargetProfile
from sesconf_strategies.addresses import POOLED_LABELS, POOLED_LOCALS, at_domain

DISPLAY_NAMES: tuple[str, ...] = ("Alice", "Bob Smith", "No Reply", "Team", "Billing Dept")


@dataclass(frozen=True, slots=True)
class Sender:
    """A Source value, its bare address, verified-by-construction and its class label."""

    text: str
    address: str
    verified: bool
    label: str


def verified_by_identities(address: str, identities: Identities) -> bool:
    """The rule, independently of the oracle: exact address identity, or domain at any depth."""
    if address in identities.verified_addresses:
        return True
    domain = address.rpartition("@")[2].lower()
    return any(
        domain == v.lower() or domain.endswith("." + v.lower()) for v in identities.verified_domains
    )


def _sender(address: str, label: str, identities: Identities) -> Sender:
    return Sender(address, address, verified_by_identities(address, identities), label)


def _case_variant_sender(address: str, ids: Identities) -> Sender:
    sender = _sender(address, "sender: case variant of address identity", ids)
    if sender.verified:  # still verified, but only through its domain
        return Sender(sender.text, address, True, f"{sender.label} (at verified domain)")
    return sender


def case_variants(text: str) -> tuple[str, ...]:
    """Other spellings of `text` differing only in letter case (never `text` itself)."""
    variants = [text.upper(), text.swapcase(), text.title(), text.lower()]
    return tuple(v for v in dict.fromkeys(variants) if v != text)


_LOCALS = POOLED_LOCALS
_SUBDOMAIN_LABELS = st.lists(POOLED_LABELS, min_size=1, max_size=4)


def _at(domains: Sequence[str]) -> st.SearchStrategy[str]:
    return st.builds(at_domain, _LOCALS, st.sampled_from(tuple(domains)))


def _labelled(
    strategy: st.SearchStrategy[str], label: str, ids: Identities
) -> st.SearchStrategy[Sender]:
    return strategy.map(lambda a: _sender(a, label, ids))


def _kinds(identities: Identities) -> list[st.SearchStrategy[Sender]]:
    """Every sender kind the identities allow, simple first."""
    ids = identities
    addrs = ids.verified_addresses
    doms = ids.verified_domains
    kinds: list[st.SearchStrategy[Sender]] = []
    if addrs:
        kinds.append(_labelled(st.sampled_from(addrs), "sender: verified address identity", ids))
    if doms:
        kinds.append(_labelled(_at(doms), "sender: at verified domain", ids))
        kinds.append(
            st.builds(_subdomain_sender(ids), _SUBDOMAIN_LABELS, st.sampled_from(doms), _LOCALS)
        )
        cased = [v for d in doms for v in case_variants(d)]
        if cased:
            kinds.append(_labelled(_at(cased), "sender: case variant of verified domain", ids))
    variable = [v for a in addrs for v in case_variants(a)]
    if variable:
        kinds.append(st.sampled_from(variable).map(lambda a: _case_variant_sender(a, ids)))
    kinds.append(_labelled(_at((ids.unverified_domain,)), "sender: unverified domain", ids))
    kinds.extend(_lookalike_kinds(ids))
    return kinds


def _lookalike_kinds(ids: Identities) -> list[st.SearchStrategy[Sender]]:
    """Domains that merely contain a verified domain's text: never verified by it."""
    if not ids.verified_domains:
        return []
    prefix = _at([f"evil{d}" for d in ids.verified_domains])
    suffix = _at([f"{d}.evil.example" for d in ids.verified_domains])
    return [
        _labelled(prefix, "sender: look-alike domain (prefix)", ids),
        _labelled(suffix, "sender: look-alike domain (suffix)", ids),
    ]


def _subdomain_sender(ids: Identities) -> Callable[[list[str], str, str], Sender]:
    def build(labels: list[str], domain: str, local: str) -> Sender:
        address = at_domain(local, ".".join([*labels, domain]))
        label = f"sender: subdomain depth {len(labels)} of verified domain"
        return _sender(address, label, ids)

    return build


_NAMES = st.sampled_from(DISPLAY_NAMES)


def _with_display_name(inner: Sender, name: str) -> Sender:
    label = f"{inner.label}, display name"
    return Sender(f"{name} <{inner.address}>", inner.address, inner.verified, label)


def senders(
    *, profile: TargetProfile, verified: bool | None = None, display_names: bool = True
) -> st.SearchStrategy[Sender]:
    """Senders of every kind; `verified` keeps only (un)verified ones, by construction."""
    if not isinstance(profile, TargetProfile):
        raise TypeError(f"profile: expected a TargetProfile, got {profile!r}")
    if verified not in (None, True, False):
        raise ValueError(f"verified: expected True, False or None, got {verified!r}")
    ids = profile.identities
    if verified is True and not (ids.verified_addresses or ids.verified_domains):
        raise ValueError(f"profile {profile.name!r} declares no verified identity")
    base = st.one_of(_kinds(ids))
    if verified is not None:
        base = base.filter(lambda s: s.verified is verified)
    if not display_names:
        return base
    return st.one_of(base, st.builds(_with_display_name, base, _NAMES))
