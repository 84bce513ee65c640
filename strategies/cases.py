"""The value every request strategy returns (docs/architecture.md, "Strategies")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conformance.model import SendEmailRequest
from conformance.rules import RULES


@dataclass(frozen=True, slots=True, repr=False)
class GeneratedCase:
    """A request, the rule ids it violates by construction, and its equivalence classes.

    `violates` is a hint for reports and events only: after shrinking, the oracle judges
    the request again (rules.md), so nothing may trust it blindly.
    """

    request: SendEmailRequest
    violates: frozenset[str]
    labels: tuple[str, ...]

    def __post_init__(self) -> None:
        unknown = sorted(rule for rule in self.violates if rule not in RULES)
        if unknown:
            raise ValueError(f"violates: unknown rule ids {unknown!r}")

    def __repr__(self) -> str:  # the request clips its own long values
        return (
            f"GeneratedCase(request={self.request!r}, violates={set(self.violates) or '{}'}, "
            f"labels={self.labels!r})"
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


@dataclass(frozen=True, slots=True)
class Deferred:
    """A written-out case built only when its test runs.

    The size examples are 10 MB (40 MB over SESv2) each: built up front as `@example`s,
    they would sit in every process of a run from import on, several hundred MB in all.
    """

    label: str
    build: Callable[[], GeneratedCase]

    def case(self) -> GeneratedCase:
        return self.build()

    def __repr__(self) -> str:
        return f"Deferred({self.label!r})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


def built(case: GeneratedCase | Deferred) -> GeneratedCase:
    """The case itself, a Deferred one built now."""
    return case.case() if isinstance(case, Deferred) else case
