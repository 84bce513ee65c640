"""How many examples each test of `sesconf run` gets, and how long the run may take.

A test's generated examples wait for the target one after another, so against a target
answering in 2 s a budget of 60 per test is two minutes of waiting per test whatever the
number of processes. The budget is scaled to the round trip `--concurrency auto` measured
before the run: each test's generated examples wait about `GENERATED_WAIT_S` in all, never
fewer than `MIN_EXAMPLES` and never more than the profile's budget. A fast target (under
`LATENCY_FLOOR_S`) keeps the profile's budget exactly; `--max-examples N` pins the budget.
The explicit examples (every boundary, every declared class) run whatever the budget, so
class reach does not depend on it.

The default run deadline follows from the budget chosen: what its sends should take, with
room to spare, not `max_sends x timeout_s`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from conformance.checks.registry import rules
from conformance.classes import declared
from conformance.commands.concurrency import CPU_PER_EXAMPLE_S, LATENCY_FLOOR_S
from conformance.profile import TargetProfile

__all__ = ["GENERATED_WAIT_S", "MIN_EXAMPLES", "Budget", "choose_budget", "run_deadline"]

GENERATED_WAIT_S = 20.0
"""About the most one test's generated examples wait for the target in all. At 400 ms
that is 50 examples a test, at 2 s 10; under 333 ms the profile's 60 stay."""
MIN_EXAMPLES = 10
"""Never fewer generated examples a test: Hypothesis still explores, and every answer
rule's test still reads its 3 answers."""
DEADLINE_BASE_S = 300.0
"""Start-up, collection and the reports, on a loaded machine."""
DEADLINE_MARGIN = 3.0
"""How much slower than expected a run may be before the deadline stops it."""


@dataclass(frozen=True, slots=True)
class Budget:
    """The examples per test this run uses, and why (summary.json's `budget`)."""

    max_examples: int
    base: int
    """The budget before scaling: the profile's, else the suite's default."""
    latency_ms: float | None
    """The target's round trip as measured before the run; None when not measured."""
    pinned: bool
    why: str

    @property
    def scaled(self) -> bool:
        return self.max_examples != self.base

    def as_dict(self) -> dict[str, Any]:
        return {
            "max_examples": self.max_examples,
            "base": self.base,
            "scaled": self.scaled,
            "pinned": self.pinned,
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms),
            "why": self.why,
        }


def choose_budget(*, base: int, pinned: int | None, latency_s: float | None) -> Budget:
    """The budget: `pinned` (`--max-examples`) as given; else `base`, scaled down so a
    test's generated examples wait about GENERATED_WAIT_S against a slow target."""
    ms = None if latency_s is None else latency_s * 1000
    if pinned is not None:
        return Budget(pinned, pinned, ms, True, f"--max-examples {pinned}: pinned, not scaled")
    if latency_s is None:
        why = "the round trip was not measured (--concurrency N, or not yet): not scaled"
        return Budget(base, base, ms, False, why)
    if latency_s < LATENCY_FLOOR_S:
        return Budget(base, base, ms, False, f"the target answers in {ms:.0f} ms: not scaled")
    fitted = max(MIN_EXAMPLES, math.floor(GENERATED_WAIT_S / latency_s))
    if fitted >= base:
        why = f"the target answers in {ms:.0f} ms: {base} examples a test wait"
        return Budget(base, base, ms, False, f"{why} under {GENERATED_WAIT_S:g} s; not scaled")
    why = (
        f"the target answers in {ms:.0f} ms: {fitted} examples a test "
        f"(max({MIN_EXAMPLES}, {GENERATED_WAIT_S:g} s / latency)) instead of {base}; "
        f"pin with --max-examples"
    )
    return Budget(fitted, base, ms, False, why)


def estimated_sends(budget: int, selected: Sequence[str], profile: TargetProfile) -> int:
    """About how many SendEmail calls the selected rules make: each test its budget, and
    one explicit example per declared class."""
    catalogue = rules()
    tests = {test for rule_id in selected for test in catalogue[rule_id].tests}
    classes = sum(len(declared(rule_id, profile)) for rule_id in selected)
    return len(tests) * budget + classes


def run_deadline(
    *,
    budget: int,
    selected: Sequence[str],
    profile: TargetProfile,
    latency_s: float | None,
    processes: int,
) -> float:
    """The default `--run-timeout`: DEADLINE_BASE_S, plus DEADLINE_MARGIN times what the
    budget's sends should take over the processes (each at the measured round trip plus
    the suite's own CPU; at the call deadline `timeout_s` when not measured), plus one
    call deadline per test (a hang ends a test's sending, `suite/breaker.py`), the tests
    shared over the processes as the sends are."""
    sends = estimated_sends(budget, selected, profile)
    if profile.safety.max_sends is not None:
        sends = min(sends, profile.safety.max_sends)
    per_call = profile.timeout_s if latency_s is None else latency_s + CPU_PER_EXAMPLE_S
    tests = len({test for rule_id in selected for test in rules()[rule_id].tests})
    workers = max(1, processes)
    waiting = sends * per_call / workers + math.ceil(tests / workers) * profile.timeout_s
    return DEADLINE_BASE_S + DEADLINE_MARGIN * waiting
