"""The rule registry: one `Check` per rule, found by id. The tests, the run-wide monitors,
`sesconf replay`, the summary and `sesconf rules` all read it; a new rule is one
`register(Check(...))` (docs/architecture.md, "The rule registry")."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from conformance.checks.judgements import Reading
from conformance.model import Exchange
from conformance.profile import TargetProfile
from conformance.rules import Level, Rule

AnswerCheck = Callable[[Exchange, TargetProfile], tuple[str, ...]]
Control = Callable[[Mapping[str, Any], TargetProfile], dict[str, Any]]
Classes = Callable[[TargetProfile], tuple[str, ...]]


class Replay(StrEnum):
    """What `sesconf replay` re-runs for a rule from one recorded request."""

    CHECKED = "checked"  # the oracle's judgement with its controls, then the answer check
    ATOMIC = "atomic"  # CHECKED, and the witness recipient must not reach the outbox
    ID_UNIQUE = "id-unique"  # the same request twice after a reset: two ids
    NO_5XX = "no-5xx"  # sent as is: an answer, never a 5xx, then CHECKED's judgement
    ERROR_CODES = "error-codes"  # the client's SES code table for the refusal
    BODY = "body"  # the Check's own test body, on the recorded request
    NONE = "none"  # stateful: one request says nothing without the state


def any_answer(reading: Reading) -> bool:
    return reading is not Reading.NO_ANSWER


@dataclass(frozen=True, slots=True)
class Check:
    """Everything about one rule: its text, its classes, and how every part of the suite
    judges it. Only `rule` is required; the rest default to "not this rule's way"."""

    rule: Rule
    classes: Classes | None = None
    """The rule's declared equivalence classes for a profile (None: none declared)."""
    answer: AnswerCheck | None = None
    """The check of one answer, run on every exchange of a run (an answer rule)."""
    judges: Callable[[Reading], bool] = any_answer
    """Which answers `answer` judges."""
    expected: str = ""
    """One line: what `answer` (or the state check) expects."""
    control: Control | None = None
    """The request with the rule's dimension at its control value (a refused accept)."""
    keeping_control: Control | None = None
    """For a count rule: the control that keeps the count and resets the rest."""
    reason_control: Control | None = None
    """The request with only the rule's dimension made acceptable (a refusal's message)."""
    stateful: bool = False
    """Judged over a sequence of sends (the quota): replay cannot judge one request."""
    replay: Replay = Replay.CHECKED
    monitored: bool = False
    """Judged by the run-wide monitors (the answer rules, envelope.id-unique)."""
    strategy: Callable[[TargetProfile], Any] | None = None
    """For a registered rule with its own test: the cases it draws (GeneratedCase)."""
    body: Callable[[Any, Any], None] | None = None
    """For a registered rule with its own test: (ctx, case) -> None, run per example."""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def level(self) -> Level:
        return self.rule.level


REGISTRY: dict[str, Check] = {}
"""Every registered rule, by id, in registration order (the catalogue's first)."""


def register(check: Check) -> Check:
    """Add (or replace, for a reloaded extension module) the check of one rule."""
    REGISTRY[check.id] = check
    return check


def get_check(rule_id: str) -> Check:
    """The check with this id; a clear error naming the id otherwise."""
    try:
        return REGISTRY[rule_id]
    except KeyError:
        known = ", ".join(REGISTRY)
        raise KeyError(f"unknown rule id {rule_id!r}; known ids: {known}") from None


def checks() -> Iterator[Check]:
    return iter(tuple(REGISTRY.values()))


def answer_checks() -> tuple[Check, ...]:
    """The rules judged on every answer of a run, in registry order."""
    return tuple(c for c in REGISTRY.values() if c.answer is not None)
