"""Who the reference takes as verified: Source and Return-Path, and recipients in the sandbox;
and the one gray Source real SES was recorded accepting.

The engine asks `unverified` for the identities that fail and words the refusal itself.
Faults and class faults (server/faults.py, server/class_hooks.py) bend the answer here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from conformance.addresses import AddressClass, AddressVerdict, Gray, classify_address
from conformance.profile import TargetProfile
from conformance.server.checks import IdentityRules, is_simulator, is_verified
from conformance.server.class_hooks import (
    identity_skipped,
    is_simulator_override,
    verified_override,
)


def unverified(
    params: Mapping[str, Any],
    recipients: list[str],
    on: frozenset[str],
    profile: TargetProfile,
    addresses: Collection[str],
    domains: Collection[str],
) -> list[str]:
    """The Source, Return-Path and (in the sandbox) recipients that are not verified."""
    rules = IdentityRules(
        address_case_sensitive="address-case-insensitive" not in on,
        domain_case_insensitive="domain-case-sensitive" not in on,
        subdomains="subdomain-not-verified" not in on,
        lookalike_domains="lookalike-domain-verified" in on,
        plus_label_on_addresses="plus-label" in on,
    )

    def verified(address: str, role: str = "recipient") -> bool:
        planted = verified_override(address, role, on, addresses, domains)
        if planted is not None:
            return planted
        return is_verified(address, addresses=addresses, domains=domains, rules=rules)

    failed: list[str] = []
    source = params.get("Source")
    if source is not None:
        bare = source if "display-name-unverified" in on else bare_address_of(source)
        skipped = identity_skipped(source, "source", on)
        if not skipped and not verified(bare, "source"):
            failed.append(source)
    return_path = params.get("ReturnPath")
    if return_path is not None and not verified(return_path):
        failed.append(return_path)
    if profile.account.sandbox and "sandbox-ignored" not in on:
        allow_label = "simulator-label-refused" not in on
        failed += [
            address
            for address in recipients
            if not is_simulator(address, allow_label=allow_label)
            and not is_simulator_override(address, on)
            and not identity_skipped(address, "recipient", on)
            and not verified(bare_address_of(address))
        ]
    return failed


def bare_address_of(text: str) -> str:
    """The address inside a `Name <address>` (the text itself when there is no name)."""
    return classify_address(text, role="source").address


def raw_name_accepted(text: Any, verdict: AddressVerdict) -> bool:
    """A Source whose display name is plain but for raw non-ASCII letters: gray by
    rules.md, and accepted by real SES (aws-ses-wp-mail#46, `Blog 한국어 <...>`)."""
    if verdict.gray != (Gray.UNUSUAL_DISPLAY_NAME,) or not isinstance(text, str):
        return False
    ascii_name = "".join(ch if ord(ch) < 128 else "a" for ch in text)
    if ascii_name == text:
        return False
    return classify_address(ascii_name, role="source").cls is AddressClass.VALID
