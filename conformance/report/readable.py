"""A pass rests on answers the suite could read (issue 17): the fold's last word on a rule.

Every record counts, per rule, the exchanges its test judged and how many of them read as
an acceptance or a refusal (`checks.readable`). Each test of a passing rule must have read
`MIN_READABLE` answers, or every example when fewer ran; the run-wide answer rules rest
also on the exchanges their monitors judged over all processes (a 5xx is readable for
robust.no-5xx alone). A pass short of that is `broken`: "no readable answer".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.checks.readable import MIN_READABLE
from conformance.exitcodes import Outcome
from conformance.report.testnames import whole_test

MONITOR = "monitor::"
NO_READABLE_ANSWER = "no readable answer"
"""How the reason of a rule broken for want of readable answers begins."""


@dataclass(frozen=True, slots=True)
class Basis:
    """One part of what a verdict rests on: one test, or the monitors of every process."""

    where: str
    examples: int
    exchanges: int
    readable: int
    sample: str

    @property
    def need(self) -> int:
        """MIN_READABLE; fewer when fewer examples ran, never none."""
        return max(1, min(MIN_READABLE, self.examples))

    @property
    def holds(self) -> bool:
        return self.readable >= self.need


def _count(record: Mapping[str, Any], key: str, rule_id: str) -> int:
    found = record.get(key)
    value = found.get(rule_id, 0) if isinstance(found, Mapping) else 0
    return value if isinstance(value, int) else 0


def _basis(where: str, rule_id: str, records: Sequence[Mapping[str, Any]]) -> Basis:
    samples = (r.get("unreadable") for r in records)
    sample = next((s[rule_id] for s in samples if isinstance(s, Mapping) and rule_id in s), "")
    return Basis(
        where=where,
        examples=sum(int(r.get("examples", 0) or 0) for r in records),
        exchanges=sum(_count(r, "exchanges", rule_id) for r in records),
        readable=sum(_count(r, "readable", rule_id) for r in records),
        sample=str(sample),
    )


def bases(rule_id: str, records: Sequence[Mapping[str, Any]]) -> list[Basis]:
    """What `rule_id`'s verdict rests on: each test that ran, then the monitors (if any)."""
    by_test: dict[str, list[Mapping[str, Any]]] = {}
    for r in records:  # a test's shards rest on their answers together
        nodeid = str(r.get("nodeid", "?"))
        if not nodeid.startswith(MONITOR) and r.get("status") != Outcome.SKIP:
            by_test.setdefault(whole_test(nodeid), []).append(r)
    tests = [_basis(where, rule_id, mine) for where, mine in by_test.items()]
    monitors = [r for r in records if str(r.get("nodeid", "")).startswith(MONITOR)]
    if monitors:
        tests.append(_basis("the run-wide monitor", rule_id, monitors))
    return tests


def readable_counts(rule_id: str, records: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """summary.json's `readable` and `exchanges` of a rule: its monitors' when it has them
    (they judged its tests' exchanges too), else the sum over its tests."""
    found = bases(rule_id, records)
    shown = [b for b in found if b.where == "the run-wide monitor"] or found
    return {
        "readable": sum(b.readable for b in shown),
        "exchanges": sum(b.exchanges for b in shown),
    }


def unreadable_reason(basis: Basis) -> str:
    """Why a pass on `basis` is no pass, naming the test and one answer it could not read."""
    where = basis.where.split("suite/", 1)[-1]
    if basis.exchanges == 0:
        return f"{NO_READABLE_ANSWER}: {where} sent nothing to judge"
    example = f"; one was {basis.sample}" if basis.sample else ""
    if basis.readable == 0:
        read = f"none of the {basis.exchanges} answers {where} judged"
    else:
        read = f"only {basis.readable} of the {basis.exchanges} answers {where} judged"
    return (
        f"{NO_READABLE_ANSWER}: {read} could be read as accepted or rejected "
        f"({basis.need} needed){example}"
    )


def rest_on_readable(entry: dict[str, Any], records: Sequence[Mapping[str, Any]]) -> None:
    """Add the rule's counts to its summary entry; a pass they cannot carry is `broken`,
    and a pass on fewer than MIN_READABLE answers says so."""
    rule_id = str(entry["id"])
    entry.update(readable_counts(rule_id, records))
    if entry["outcome"] != Outcome.PASS:
        return
    found = bases(rule_id, records)
    weak = next((b for b in found if not b.holds), None)
    if weak is not None:
        entry.update(outcome=Outcome.BROKEN.value, reason=unreadable_reason(weak))
        entry["counterexample"] = None
        return
    least = min(found, key=lambda b: b.readable, default=None)
    if least is not None and least.readable < MIN_READABLE:
        where = "" if len(found) == 1 else f" in {least.where.split('suite/', 1)[-1]}"
        entry["reason"] = (
            f"pass on {least.readable} readable answer{'s' * (least.readable != 1)}{where} "
            f"(only {least.examples} example{'s' * (least.examples != 1)} ran)"
        )


def readable_cell(rule: Mapping[str, Any]) -> str:
    """index.html, under a rule's examples: how many answers its verdict rests on."""
    found = rule.get("readable")
    if not isinstance(found, int):  # a summary from before issue 17
        return ""
    title = "answers read as accepted or rejected: the verdict rests on these"
    return f'<br><small class="muted" title="{title}">{found} read</small>'


def readable_detail(rule: Mapping[str, Any]) -> str:
    """index.html, in a rule's details: the answers read of the exchanges judged."""
    found, judged = rule.get("readable"), rule.get("exchanges")
    if not isinstance(found, int) or not isinstance(judged, int):
        return ""
    return (
        f"<h3>Resting on</h3><p>{found} answers read as accepted or rejected, of {judged} "
        "exchanges judged</p>"
    )
