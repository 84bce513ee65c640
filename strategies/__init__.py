"""Hypothesis strategies for SendEmail requests (docs/architecture.md, "Strategies").

Installed as `sesconf_strategies`. Every strategy of the package is exported here, and
tests/test_strategies_api.py keeps `__all__` complete: a strategy written anywhere else (a
suite module, a check) is one a newcomer cannot find.
"""

# Importing any `conformance` module runs that package's face (conformance/__init__.py)
# first, and the face loads the checks, which build their control requests with these
# strategies. A knowledge module loaded here, before any strategy module starts, lets the
# face load the strategies whole; without it, `import sesconf_strategies` on its own met a
# half-built sesconf_strategies.addresses (tests/test_architecture.py imports every module
# first, each from a fresh start).
import conformance.model  # noqa: F401
from sesconf_strategies.addresses import (
    GrayAddress,
    PlantedAddress,
    defect_label,
    dns_labels,
    domain_names,
    gray_addresses,
    ints,
    invalid_addresses,
    local_parts,
    pick,
    strings,
    tlds,
    valid_addresses,
)
from sesconf_strategies.build import explicit, faulty_requests, requests
from sesconf_strategies.cases import GeneratedCase
from sesconf_strategies.content import GeneratedMessage, content, fill_utf8
from sesconf_strategies.controls import CONTROL_MESSAGE, control_recipient, control_sender
from sesconf_strategies.malformed import explicit_malformed, malformed_bodies
from sesconf_strategies.raw import raw_requests, raw_sizes
from sesconf_strategies.raw_cases import raw_class_cases
from sesconf_strategies.recipient_cases import no_recipients, one_invalid_recipient
from sesconf_strategies.recipients import (
    Recipients,
    deliverable_recipients,
    recipient_counts,
    recipient_lists,
    sandbox_violating_recipients,
    simulator_addresses,
)
from sesconf_strategies.requests import WRONG_TYPES
from sesconf_strategies.senders import Sender, senders
from sesconf_strategies.shape_cases import body_shapes, missing_member, wrong_types
from sesconf_strategies.tags import invalid_tags, tag_class_cases, tag_requests, valid_tags

__all__ = [
    "CONTROL_MESSAGE",
    "WRONG_TYPES",
    "GeneratedCase",
    "GeneratedMessage",
    "GrayAddress",
    "PlantedAddress",
    "Recipients",
    "Sender",
    "body_shapes",
    "content",
    "control_recipient",
    "control_sender",
    "defect_label",
    "deliverable_recipients",
    "dns_labels",
    "domain_names",
    "explicit",
    "explicit_malformed",
    "faulty_requests",
    "fill_utf8",
    "gray_addresses",
    "ints",
    "invalid_addresses",
    "invalid_tags",
    "local_parts",
    "malformed_bodies",
    "missing_member",
    "no_recipients",
    "one_invalid_recipient",
    "pick",
    "raw_class_cases",
    "raw_requests",
    "raw_sizes",
    "recipient_counts",
    "recipient_lists",
    "requests",
    "sandbox_violating_recipients",
    "senders",
    "simulator_addresses",
    "strings",
    "tag_class_cases",
    "tag_requests",
    "tlds",
    "valid_addresses",
    "valid_tags",
    "wrong_types",
]
