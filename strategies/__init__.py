"""Hypothesis strategies for SendEmail requests (docs/architecture.md, "Strategies")."""

from strategies.addresses import (
    GrayAddress,
    PlantedAddress,
    defect_label,
    gray_addresses,
    invalid_addresses,
    valid_addresses,
)
from strategies.cases import GeneratedCase
from strategies.content import (
    SIZE_EDGES,
    GeneratedMessage,
    content,
    fill_utf8,
    size_edge_messages,
    sized_messages,
)
from strategies.recipients import (
    Recipients,
    deliverable_recipients,
    recipient_counts,
    recipient_lists,
    sandbox_violating_recipients,
    simulator_addresses,
)
from strategies.requests import (
    FAULTS,
    MISSING_PATHS,
    WRONG_TYPES,
    faults_for,
    missing_member_requests,
    requests_with_fault,
    requests_with_faults,
    valid_requests,
    wrong_type_requests,
)
from strategies.senders import Sender, lookalike_senders, senders

__all__ = [
    "FAULTS",
    "MISSING_PATHS",
    "SIZE_EDGES",
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
    "faults_for",
    "fill_utf8",
    "gray_addresses",
    "invalid_addresses",
    "lookalike_senders",
    "missing_member_requests",
    "recipient_counts",
    "recipient_lists",
    "requests_with_fault",
    "requests_with_faults",
    "sandbox_violating_recipients",
    "senders",
    "simulator_addresses",
    "size_edge_messages",
    "sized_messages",
    "valid_addresses",
    "valid_requests",
    "wrong_type_requests",
]
