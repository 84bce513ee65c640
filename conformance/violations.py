"""What a conformance test raises when a target breaks a rule, or cannot be judged.

One exception class per rule id, so Hypothesis (which tells bugs apart by exception type
and line) reports distinct rules as distinct bugs. Each violation carries the
counterexample that reports and `sesconf replay` need.
"""

from __future__ import annotations

import re

from conformance.checks.registry import get_check
from conformance.errors import RuleViolation, TargetBroken

__all__ = ["RuleViolation", "TargetBroken", "violation_for"]
"""RuleViolation and TargetBroken are defined in conformance.errors, with the whole tree."""


_CLASSES: dict[str, type[RuleViolation]] = {}


def violation_for(rule_id: str) -> type[RuleViolation]:
    """The exception class for one rule, e.g. `RecipientsMaxViolation` (one per id, so
    Hypothesis tells rules apart; cached only once the id is registered)."""
    found = _CLASSES.get(rule_id)
    if found is not None:
        return found
    get_check(rule_id)  # unknown ids fail here, naming the id (registered rules too)
    name = "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", rule_id)) + "Violation"
    made = type(name, (RuleViolation,), {"rule_id": rule_id, "__module__": __name__})
    return _CLASSES.setdefault(rule_id, made)
