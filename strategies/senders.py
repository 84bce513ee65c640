"""Source addresses, each knowing whether it is verified by construction (rules.md).

The kinds cover the rule's edges: subdomains at any depth and case variants of a
verified domain (verified), case variants of an address identity and look-alike
domains (not verified), display names (verified as their inner address is).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import strategies as st

from conformance.profile import Identities, TargetProfile
from strategies.addresses import dns_labels, local_parts

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


def _case_variants(text: str) -> st.SearchStrategy[str]:
    """Another spelling of `text` differing only in letter case (never `text` itself)."""
    variants = [text.upper(), text.swapcase(), text.title(), text.lower()]
    return st.sampled_from([v for v in dict.fromkeys(variants) if v != text])


@st.composite
def _at_domain(draw: st.DrawFn, domain: str) -> str:
    return f"{draw(local_parts(max_length=min(64, 253 - len(domain))))}@{domain}"


def _kinds(identities: Identities) -> list[st.SearchStrategy[Sender]]:
    """Every sender kind the identities allow, simple first."""
    ids = identities
    addrs = ids.verified_addresses
    doms = ids.verified_domains
    kinds: list[st.SearchStrategy[Sender]] = []
    if addrs:
        kinds.append(
            st.sampled_from(addrs).map(
                lambda a: _sender(a, "sender: verified address identity", ids)
            )
        )
    if doms:
        dom = st.sampled_from(doms)
        kinds.append(
            dom.flatmap(_at_domain).map(lambda a: _sender(a, "sender: at verified domain", ids))
        )
        kinds.append(dom.flatmap(_subdomain_sender(ids)))
        cased = [d for d in doms if d.lower() != d.upper()]
        if cased:
            kinds.append(
                st.sampled_from(cased)
                .flatmap(_case_variants)
                .flatmap(_at_domain)
                .map(lambda a: _sender(a, "sender: case variant of verified domain", ids))
            )
    variable = [a for a in addrs if a.lower() != a.upper()]
    if variable:
        kinds.append(
            st.sampled_from(variable)
            .flatmap(_case_variants)
            .map(lambda a: _case_variant_sender(a, ids))
        )
    kinds.append(
        _at_domain(ids.unverified_domain).map(
            lambda a: _sender(a, "sender: unverified domain", ids)
        )
    )
    kinds.extend(_lookalike_kinds(ids))
    return kinds


def _lookalike_kinds(ids: Identities) -> list[st.SearchStrategy[Sender]]:
    """Domains that merely contain a verified domain's text: never verified by it."""
    if not ids.verified_domains:
        return []
    dom = st.sampled_from(ids.verified_domains)
    prefix = dom.map(lambda d: f"evil{d}").flatmap(_at_domain)
    suffix = dom.map(lambda d: f"{d}.evil.example").flatmap(_at_domain)
    return [
        prefix.map(lambda a: _sender(a, "sender: look-alike domain (prefix)", ids)),
        suffix.map(lambda a: _sender(a, "sender: look-alike domain (suffix)", ids)),
    ]


def _subdomain_sender(ids: Identities) -> Callable[[str], st.SearchStrategy[Sender]]:
    def build(domain: str) -> st.SearchStrategy[Sender]:
        @st.composite
        def draw_one(draw: st.DrawFn) -> Sender:
            depth = draw(st.integers(1, 4))
            labels = draw(st.lists(dns_labels(max_length=20), min_size=depth, max_size=depth))
            address = draw(_at_domain(".".join([*labels, domain])))
            return _sender(address, f"sender: subdomain depth {depth} of verified domain", ids)

        return draw_one()

    return build


@st.composite
def _with_display_name(draw: st.DrawFn, inner: Sender) -> Sender:
    name = draw(st.sampled_from(DISPLAY_NAMES))
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
    return st.one_of(base, base.flatmap(_with_display_name))


def lookalike_senders(*, profile: TargetProfile) -> st.SearchStrategy[Sender]:
    """Only look-alike domains (`evilverified.example`, `verified.example.evil.example`)."""
    kinds = [k.filter(lambda s: not s.verified) for k in _lookalike_kinds(profile.identities)]
    if not kinds:
        raise ValueError(f"profile {profile.name!r} declares no verified domain to imitate")
    return st.one_of(kinds)
