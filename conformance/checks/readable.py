"""Which answers a verdict can rest on (issue 17): a rule passes only on answers read.

A test whose every request got a 500 page or a redirect judged nothing: `judge` has no
verdict for an answer that is neither an acceptance nor a refusal, so without a count the
test would pass. Each test and each process's run-wide monitor keeps a `Tally` of the
exchanges it judged per rule and how many of them it could read (the rule's
`Check.readable`); the summary refuses a pass resting on fewer than `MIN_READABLE`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from conformance.checks.evidence import describe_outcome
from conformance.checks.judgements import Reading, read, status_of
from conformance.checks.registry import REGISTRY, accepted_or_rejected
from conformance.model import Exchange

MIN_READABLE = 3
"""Readable answers a passing test must have judged (fewer only when fewer examples ran)."""
SAMPLE_CHARS = 200


def is_readable(rule_id: str, exchange: Exchange, reading: Reading | None = None) -> bool:
    """Whether `exchange` is an answer `rule_id`'s verdict can rest on."""
    check = REGISTRY.get(rule_id)
    readable = check.readable if check is not None else accepted_or_rejected
    return readable(read(exchange) if reading is None else reading)


def described(exchange: Exchange) -> str:
    """One short line for an unreadable answer, its HTTP status always in it."""
    text = describe_outcome(exchange)
    status = status_of(exchange)
    if status is not None and f"HTTP {status}" not in text:
        text = f"HTTP {status}, {text}"
    return text if len(text) <= SAMPLE_CHARS else text[:SAMPLE_CHARS] + "..."


@dataclass(slots=True)
class Tally:
    """Per rule: the exchanges judged, how many were readable, one unreadable answer."""

    exchanges: Counter[str] = field(default_factory=Counter)
    readable: Counter[str] = field(default_factory=Counter)
    unreadable: dict[str, str] = field(default_factory=dict)
    _aside: int = 0

    @contextmanager
    def aside(self) -> Iterator[None]:
        """Exchanges sent meanwhile are not counted (a test's controls)."""
        self._aside += 1
        try:
            yield
        finally:
            self._aside -= 1

    def note_all(self, rule_ids: tuple[str, ...], exchange: Exchange) -> None:
        """One exchange a test sent for its rules, unless set aside."""
        if not self._aside:
            for rule_id in rule_ids:
                self.note(rule_id, exchange)

    def note(self, rule_id: str, exchange: Exchange, reading: Reading | None = None) -> bool:
        """Count one exchange `rule_id` judged; whether it could read it."""
        self.exchanges[rule_id] += 1
        if is_readable(rule_id, exchange, reading):
            self.readable[rule_id] += 1
            return True
        if rule_id not in self.unreadable:
            self.unreadable[rule_id] = described(exchange)
        return False

    def of(self, rule_id: str) -> dict[str, Any]:
        """One rule's counts, as a record carries them."""
        return record_counts(
            {rule_id: self.exchanges[rule_id]},
            {rule_id: self.readable[rule_id]},
            {rule_id: self.unreadable[rule_id]} if rule_id in self.unreadable else {},
        )

    def record(self) -> dict[str, Any]:
        """Every rule's counts, as a test's record carries them."""
        return record_counts(dict(self.exchanges), dict(self.readable), dict(self.unreadable))


@dataclass(frozen=True, slots=True)
class Judged:
    """What the run-wide monitors made of one exchange, as the process's journal keeps it:
    the rules that judged it, those that could read it, and a rule's first unreadable
    answer in this process (the sample its "no readable answer" reason quotes)."""

    rules: tuple[str, ...] = ()
    readable: tuple[str, ...] = ()
    first_unreadable: Mapping[str, str] = field(default_factory=dict)


def record_counts(
    exchanges: dict[str, int], readable: dict[str, int], unreadable: dict[str, str]
) -> dict[str, Any]:
    """The record keys `report.readable` folds: {rule: n} each, and {rule: one answer}."""
    return {"exchanges": exchanges, "readable": readable, "unreadable": unreadable}
