"""The control request: the values every conformant target accepts, all in one place.

A rule's judgement sends its control (the same request with the rule's own dimension at
these values) to tell a refusal owed to the rule from a target's reason of its own
(conformance/checks/judgements.py). They are requests, so they are built here.
"""

from __future__ import annotations

from typing import Any

from conformance.profile import TargetProfile
from sesconf_strategies.build import verified_sender

CONTROL_MESSAGE: dict[str, Any] = {
    "Subject": {"Data": "Hello", "Charset": "UTF-8"},
    "Body": {
        "Text": {"Data": "plain text", "Charset": "UTF-8"},
        "Html": {"Data": "<p>html</p>", "Charset": "UTF-8"},
    },
}
"""A message every conformant target accepts: both bodies, small, ASCII."""


def control_sender(profile: TargetProfile) -> str:
    """The sender of every control request: the strategies' own verified sender."""
    return verified_sender(profile)


def control_recipient(profile: TargetProfile) -> str:
    """One recipient every conformant target accepts, sandbox or not."""
    domains = profile.identities.verified_domains
    return f"control@{domains[0]}" if domains else "success@simulator.amazonses.com"
