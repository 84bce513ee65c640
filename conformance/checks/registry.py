"""The rule registry: one `Check` per rule, found by id. The tests, the run-wide monitors,
`sesconf replay`, the summary and `sesconf rules` all read it; a new rule is one
`register(Check(...))` (docs/architecture.md, "The rule registry")."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from importlib import import_module
from typing import Any

from conformance.checks.judgements import Reading
from conformance.errors import UsageError
from conformance.model import Exchange, Expectation
from conformance.oracle_raw import expect_any
from conformance.profile import TargetProfile
from conformance.rules import Level, Rule

AnswerCheck = Callable[[Exchange, TargetProfile], tuple[str, ...]]
Control = Callable[[Mapping[str, Any], TargetProfile], dict[str, Any]]
Classes = Callable[[TargetProfile], tuple[str, ...]]
Oracle = Callable[[Mapping[str, Any], TargetProfile], Expectation]


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


def accepted_or_rejected(reading: Reading) -> bool:
    """An answer a verdict can rest on: read as an acceptance or a refusal (issue 17)."""
    return reading in (Reading.ACCEPTED, Reading.REJECTED)


@dataclass(frozen=True, slots=True)
class Check:
    """Everything about one rule: its text, its classes, and how every part of the suite
    judges it. Only `rule` is required; the rest default to "not this rule's way"."""

    rule: Rule
    classes: Classes | None = None
    """The rule's declared equivalence classes for a profile (None: none declared)."""
    oracle: Oracle = expect_any
    """The oracle's question: what a conformant target must answer to a request (as the
    wire carries it). The catalogue's rules share rules.md's oracle (SendEmail's and raw
    messages'); a registered rule may bring its own."""
    answer: AnswerCheck | None = None
    """The check of one answer, run on every exchange of a run (an answer rule)."""
    judges: Callable[[Reading], bool] = any_answer
    """Which answers `answer` judges."""
    readable: Callable[[Reading], bool] = accepted_or_rejected
    """Which answers count as read for this rule: a pass must rest on at least a few of
    them (`checks.readable`); a 5xx or a redirect is no acceptance and no refusal."""
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
    replay: Replay | None = None
    """What replay re-runs; None: the test body when there is one, else CHECKED."""
    monitored: bool = False
    """Judged by the run-wide monitors (the answer rules, envelope.id-unique)."""
    strategy: Callable[[TargetProfile], Any] | None = None
    """For a registered rule with its own test: the cases it draws (GeneratedCase)."""
    body: Callable[[Any, Any], None] | None = None
    """For a registered rule with its own test: (ctx, case) -> None, run per example."""

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def level(self) -> Level:
        return self.rule.level


REGISTRY: dict[str, Check] = {}
"""Every registered rule, by id, in registration order (the catalogue's first)."""


def registered_test_name(rule_id: str) -> str:
    """The name of the generic test (suite/test_registered.py) of a rule with a body."""
    return "test_" + re.sub(r"[^0-9A-Za-z]+", "_", rule_id).strip("_")


def register(check: Check) -> Check:
    """Add (or replace, for a reloaded extension module) the check of one rule; a rule with
    a test body and no tests named is checked by its generic test."""
    if check.body is not None and not check.rule.tests:
        test = f"test_registered.py::{registered_test_name(check.id)}"
        check = replace(check, rule=replace(check.rule, tests=(test,)))
    if check.replay is None:
        check = replace(check, replay=Replay.BODY if check.body is not None else Replay.CHECKED)
    REGISTRY[check.id] = check
    return check


def get_check(rule_id: str) -> Check:
    """The check with this id; a clear error naming the id otherwise."""
    try:
        return REGISTRY[rule_id]
    except KeyError:
        known = ", ".join(REGISTRY)
        raise KeyError(f"unknown rule id {rule_id!r}; known ids: {known}") from None


def expectation_for(rule_id: str, params: Mapping[str, Any], profile: TargetProfile) -> Expectation:
    """The rule's oracle on one request (rules.md's oracle for a rule nobody registered)."""
    check = REGISTRY.get(rule_id)
    return (check.oracle if check is not None else expect_any)(params, profile)


def checks() -> Iterator[Check]:
    return iter(tuple(REGISTRY.values()))


def answer_checks() -> tuple[Check, ...]:
    """The rules judged on every answer of a run, in registry order."""
    return tuple(c for c in REGISTRY.values() if c.answer is not None)


def rules() -> dict[str, Rule]:
    """Every registered rule's text, by id, in registry order (the catalogue's first)."""
    return {c.id: c.rule for c in REGISTRY.values()}


ENV_CHECKS = "SESCONF_CHECKS"
"""Extension modules (comma-separated) the CLI hands to its pytest runs and xdist workers."""


def module_names(spec: str | Iterable[str] | None) -> tuple[str, ...]:
    """`a,b` (or several such) as module names, in order, each once."""
    parts = [spec] if isinstance(spec, str) else list(spec or ())
    names = (name.strip() for part in parts for name in part.split(","))
    return tuple(dict.fromkeys(name for name in names if name))


def load_extensions(spec: str | Iterable[str] | None) -> tuple[str, ...]:
    """Import each extension module (it registers its checks on import); the names loaded.

    An unknown module raises ModuleNotFoundError naming it (the CLI makes it a usage error).
    """
    names = module_names(spec)
    for name in names:
        import_module(name)
    return names


def use_extensions(spec: str | Iterable[str] | None = None) -> tuple[str, ...]:
    """Load the extension modules of `--checks` and of SESCONF_CHECKS, and hand them on
    through SESCONF_CHECKS (pytest runs in this process; xdist workers inherit it)."""
    names = module_names([os.environ.get(ENV_CHECKS, ""), *module_names(spec)])
    try:
        load_extensions(names)
    except ModuleNotFoundError as exc:
        raise UsageError(
            f"--checks: cannot import the module {exc.name!r} (is its folder on PYTHONPATH?)"
        ) from None
    if names:
        os.environ[ENV_CHECKS] = ",".join(names)
    return names
