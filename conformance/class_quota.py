"""quota.recipients' declared classes (rules.md): state, not a request, decides them.

A request alone cannot say whether it was refused or where the count stood, so the quota
tests name the class they exercise (`suite.reach.note_class`) as they send, and
`quota_observed` reads nothing off the request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.profile import TargetProfile

QUOTA_CLASSES = (
    "accepted send counts its recipients",
    "rejected send counts nothing",
    "duplicate recipients count each time",
    "simulator recipients",
    "labelled simulator recipients",
    "exact boundary accepted",
    "past the boundary refused",
)
"""Simulator recipients count or not as the profile says (`account.quota_counts_simulator`),
with a `+label` too (the mutation run found that class missing: only bare ones were sent)."""


def quota_declared(profile: TargetProfile) -> list[str]:
    return list(QUOTA_CLASSES) if profile.has_quota else []


def quota_observed(params: Mapping[str, Any], profile: TargetProfile) -> list[str]:
    return []
