"""What a conformance test raises when a target breaks a rule, or cannot be judged.

One exception class per rule id, so Hypothesis (which tells bugs apart by exception type
and line) reports distinct rules as distinct bugs. Each violation carries the
counterexample that reports and `sesconf replay` need.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from conformance.rules import get_rule


class RuleViolation(AssertionError):
    """A target answered against a rule. `counterexample` is JSON-ready."""

    rule_id: str = ""

    def __init__(self, summary: str, *, counterexample: Mapping[str, Any]) -> None:
        super().__init__(summary)
        self.summary = summary
        self.counterexample = dict(counterexample)

    def __str__(self) -> str:
        rule = get_rule(self.rule_id)
        ce = self.counterexample
        lines = [
            f"[{rule.level}] {rule.id}: {self.summary}",
            f'  documentation: "{rule.quote}"',
            f"  expected: {ce.get('expected')}",
            f"  actual:   {ce.get('actual')}",
        ]
        for problem in ce.get("problems") or ():
            lines.append(f"  problem:  {problem}")
        request = ce.get("request") or {}
        lines.append(f"  request:  {request.get('method')} {request.get('url')}")
        lines.append(f"            {_clip(request.get('body', ''))}")
        response = ce.get("response")
        if response:
            lines.append(f"  response: HTTP {response.get('status')}")
            lines.append(f"            {_clip(response.get('body', ''))}")
        elif ce.get("transport"):
            lines.append(f"  response: none ({ce['transport']})")
        lines.append(f"  replay:   {ce.get('curl')}")
        return "\n".join(lines)


class TargetBroken(Exception):
    """The target gave no usable answer (hang, reset): the rule is `broken`, not failed."""

    def __init__(self, detail: str, *, counterexample: Mapping[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.counterexample = dict(counterexample or {})


def _clip(text: str, limit: int = 600) -> str:
    text = text if isinstance(text, str) else repr(text)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


@cache
def violation_for(rule_id: str) -> type[RuleViolation]:
    """The exception class for one rule, e.g. `RecipientsMaxViolation`."""
    get_rule(rule_id)  # unknown ids fail here, naming the id
    name = "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", rule_id)) + "Violation"
    return type(name, (RuleViolation,), {"rule_id": rule_id, "__module__": __name__})
