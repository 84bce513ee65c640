"""What a conformance test raises when a target breaks a rule, or cannot be judged.

One exception class per rule id, so Hypothesis (which tells bugs apart by exception type
and line) reports distinct rules as distinct bugs. Each violation carries the
counterexample that reports and `sesconf replay` need.
"""

from __future__ import annotations

import re
from functools import cache

from conformance.errors import RuleViolation, TargetBroken
from conformance.rules import get_rule

__all__ = ["RuleViolation", "TargetBroken", "violation_for"]
"""RuleViolation and TargetBroken are defined in conformance.errors, with the whole tree."""


@cache
def violation_for(rule_id: str) -> type[RuleViolation]:
    """The exception class for one rule, e.g. `RecipientsMaxViolation`."""
    get_rule(rule_id)  # unknown ids fail here, naming the id
    name = "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", rule_id)) + "Violation"
    return type(name, (RuleViolation,), {"rule_id": rule_id, "__module__": __name__})
