"""One planted fault of the reference server: its rule, its switches, its wires.

The type lives apart from the registries (faults.py, class_faults.py) so that both build
their faults from it and the registry of all of them imports the class faults one way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

PROTOCOLS = ("envelope", "ses-query", "sesv2")
RULE_PROTOCOLS = {
    "envelope.created-at": ("envelope",),
    "http.content-type": ("envelope",),
    "ses.error-codes": ("ses-query", "sesv2"),
}
"""Rules judged over some protocols only (conformance.checks.applies says the same)."""


@dataclass(frozen=True, slots=True)
class Fault:
    name: str
    rule_id: str | None
    """The one rule it breaks; None for a correct-but-different variant."""
    description: str
    effects: frozenset[str] = field(default=frozenset(), kw_only=True)
    """Behaviour switches it turns on; empty means the switch named like the fault."""
    wire: str | None = field(default=None, kw_only=True)
    """Only this protocol shows the fault; None for every protocol."""
    breaks: frozenset[str] | None = field(default=None, kw_only=True)
    """The exact rules a run against it fails; None means {rule_id} (nothing if None)."""
    also_on: Mapping[str, frozenset[str]] = field(default_factory=dict, kw_only=True)
    """Rules it breaks over one protocol only, beside `breaks` (real SES's messages)."""
    shows_on: tuple[str, ...] | None = field(default=None, kw_only=True)
    """The protocols whose wire can carry what the fault mishandles; None: `wire`'s, or all."""

    @property
    def broken_rules(self) -> frozenset[str]:
        if self.breaks is not None:
            return self.breaks
        return frozenset({self.rule_id}) if self.rule_id else frozenset()

    @property
    def protocols(self) -> tuple[str, ...]:
        """The protocols whose runs show it (or, for a variant, must pass)."""
        if self.shows_on is not None:
            return self.shows_on
        return (self.wire,) if self.wire else PROTOCOLS

    def expected_failures(self, protocol: str) -> frozenset[str]:
        """`broken_rules` less the rules that cannot be judged over `protocol`."""
        rules = self.broken_rules | self.also_on.get(protocol, frozenset())
        return frozenset(rule for rule in rules if protocol in RULE_PROTOCOLS.get(rule, PROTOCOLS))

    @property
    def switches(self) -> frozenset[str]:
        return self.effects or frozenset({self.name})

    def switches_on(self, protocol: str) -> frozenset[str]:
        """The switches this fault turns on for a request on `protocol`."""
        return self.switches if self.wire is None or self.wire == protocol else frozenset()
