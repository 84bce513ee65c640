"""Hypothesis strategies for SendEmail requests (docs/architecture.md, "Strategies")."""

from sesconf_strategies.addresses import (
    GrayAddress,
    PlantedAddress,
    defect_label,
    gray_addresses,
    invalid_addresses,
    valid_addresses,
)
from sesconf_strategies.cases import GeneratedCase
from sesconf_strategies.content import (
    GeneratedMessage,
    content,
    fill_utf8,
)
from sesconf_strategies.recipients import (
    Recipients,
    deliverable_recipients,
    recipient_counts,
    recipient_lists,
    sandbox_violating_recipients,
    simulator_addresses,
)
from sesconf_strategies.requests import (
    WRONG_TYPES,
)
from sesconf_strategies.senders import Sender, senders

__all__ = [
    "WRONG_TYPES",
    "GeneratedCase",
    "GeneratedMessage",
    "GrayAddress",
    "PlantedAddress",
    "Recipients",
    "Sender",
    "content",
    "defect_label",
    "deliverable_recipients",
    "fill_utf8",
    "gray_addresses",
    "invalid_addresses",
    "recipient_counts",
    "recipient_lists",
    "sandbox_violating_recipients",
    "senders",
    "simulator_addresses",
    "valid_addresses",
]
