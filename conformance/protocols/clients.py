"""The protocol name -> client class table, above the three clients.

`base` cannot know the clients (each subclasses its `HttpClient`), so the table and what
needs it (`make_client`, `provision_identities`) live here, importing them at the top.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from conformance.errors import ProfileError, ProtocolUnavailable
from conformance.profile import TargetProfile
from conformance.protocols.base import Client
from conformance.protocols.envelope import EnvelopeClient
from conformance.protocols.query import QueryClient
from conformance.protocols.sesv2 import SesV2Client, switch_sandbox

__all__ = ["CLIENTS", "make_client", "provision_identities", "rate_from_quota"]

CLIENTS: Mapping[str, Callable[[TargetProfile], Client]] = {
    "envelope": EnvelopeClient,
    "ses-query": QueryClient,
    "sesv2": SesV2Client,
}
"""`profile.protocol` -> the client class, each built as `cls(profile)`."""


def make_client(profile: TargetProfile) -> Client:
    """The client for `profile.protocol`."""
    if not isinstance(profile, TargetProfile):
        raise TypeError(f"make_client: expected a TargetProfile, got {type(profile).__name__}")
    if profile.protocol not in CLIENTS:
        known = ", ".join(CLIENTS)
        raise ProtocolUnavailable(f"protocol: unknown {profile.protocol!r}; known: {known}")
    return CLIENTS[profile.protocol](profile)


def provision_identities(profile: TargetProfile) -> None:
    """Verify the profile's identities on the target first, when it asks for that.

    Only with `identities.provision = true` (the emulator profiles): on real SES,
    VerifyEmailIdentity sends a verification email, so nothing is provisioned by default.
    With `account.sandbox_switch`, the target's sandbox is then set as `account.sandbox` says.
    """
    if profile.identities.provision:
        client = make_client(profile)
        try:
            client.provision_identities()
        finally:
            client.close()
    if profile.account.sandbox_switch:
        switch_sandbox(profile)


def rate_from_quota(profile: TargetProfile) -> TargetProfile:
    """With `safety.rate_from_quota`, pace sends at the target's own MaxSendRate."""
    if not profile.safety.rate_from_quota or profile.safety.rate_per_s is not None:
        return profile
    client = make_client(profile)
    try:
        quota = client.get_send_quota()
        if quota is None:
            raise ProfileError(
                f"safety.rate_from_quota: the {profile.protocol} protocol has no GetSendQuota"
            )
        rate = quota.max_send_rate
    finally:
        client.close()
    if rate <= 0:
        return profile
    return replace(profile, safety=replace(profile.safety, rate_per_s=rate))
