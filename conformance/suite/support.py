"""What every conformance test uses: the target session, a per-test context, the judge.

A test draws a case, then calls `ctx.check(case)`: the oracle is evaluated on that very
request (so a shrunk request is judged afresh), the request goes to the target, and the
answer is judged for the test's rule. A broken rule raises that rule's violation class.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import pytest
from hypothesis.control import currently_in_test_context

from conformance.checks.evidence import Verdict, counterexample_of, describe_outcome
from conformance.checks.judge import judge
from conformance.checks.judgements import is_quota_rejection, is_rate_rejection
from conformance.checks.readable import Judged, Tally
from conformance.checks.registry import expectation_for
from conformance.model import (
    Accept,
    Exchange,
    Expectation,
    RawRequest,
    Reject,
    SendEmailRequest,
    TransportFailure,
)
from conformance.profile import TargetProfile
from conformance.protocols.base import Client, TestHookError
from conformance.report.journal import Journal, TestLog
from conformance.suite.breaker import Breaker
from conformance.suite.monitors import Monitors
from conformance.violations import TargetBroken, violation_for

__all__ = [
    "TargetSession",
    "TestContext",
    "configure",
    "configured",
    "current",
    "examples",
    "rule",
]


RATE_WINDOW_S = 1.1  # a send-rate refusal is waited out (a one-second window), then retried


def rule(*rule_ids: str) -> pytest.MarkDecorator:
    """Mark a test with the rule(s) it checks; the catalogue lists the test back."""
    for rule_id in rule_ids:
        violation_for(rule_id)  # unknown ids fail at import, naming the id
    return pytest.mark.rule(*rule_ids)


# --- the session: one target, one client, one circuit breaker per process -----------------


@dataclass(slots=True)
class TargetSession:
    """The target as this process sees it: set up once by the plugin."""

    profile: TargetProfile
    client: Client
    max_examples: int
    breaker: Breaker = field(default_factory=Breaker)
    monitors: Monitors | None = None
    """The run-wide answer rules; None where nobody collects them (replay)."""
    journal: Journal | None = None
    """Where this process appends what it does as it goes (`report.journal`)."""


@dataclass(frozen=True, slots=True)
class RunSettings:
    """What the plugin resolved at configure time (before any target is contacted)."""

    profile: TargetProfile
    embedded: bool
    max_examples: int
    seed: int | None
    latency_s: float | None = None
    """The target's round trip as `sesconf run` measured it, when it found the target
    slow; tests that must run alone fit their sends to it (test_quota.py)."""


@dataclass(slots=True)
class RunState:
    """Everything one pytest run keeps; it lives in `config.stash`, never in a global."""

    settings: RunSettings
    session: TargetSession | None = None
    current: TestContext | None = None
    server: Any = None


STATE = pytest.StashKey[RunState]()
_config: pytest.Config | None = None
"""The config whose stash the suite's modules read at import (one pytest run at a time in
a process; the CLI's two passes each configure their own)."""


def configure(
    config: pytest.Config,
    *,
    profile: TargetProfile,
    embedded: bool,
    max_examples: int,
    seed: int | None,
    latency_s: float | None = None,
) -> None:
    global _config
    settings = RunSettings(profile, embedded, max_examples, seed, latency_s)
    config.stash[STATE] = RunState(settings)
    _config = config


def unconfigure(config: pytest.Config) -> None:
    global _config
    if _config is config:
        _config = None


def state() -> RunState:
    if _config is None or STATE not in _config.stash:
        raise RuntimeError("the sesconf plugin is not configured (use `sesconf run` or pytest)")
    return _config.stash[STATE]


def configured() -> RunSettings:
    """The run's settings; the suite's modules read the profile from here at import."""
    return state().settings


def examples(fraction: float = 1.0, *, at_least: int = 1, at_most: int | None = None) -> int:
    """A share of the run's example budget, for tests whose examples cost more."""
    n = max(at_least, round(configured().max_examples * fraction))
    return min(n, at_most) if at_most is not None else n


def current_session() -> TargetSession | None:
    return state().session if _config is not None and STATE in _config.stash else None


def set_session(session: TargetSession | None) -> None:
    state().session = session


def session() -> TargetSession:
    found = current_session()
    if found is None:
        raise RuntimeError("no target session: run the suite through `sesconf run` or pytest")
    return found


def current() -> TestContext:
    """The context of the test now running (for state machines, which get no fixtures)."""
    found = state().current
    if found is None:
        raise RuntimeError("no conformance test is running")
    return found


@contextmanager
def running(ctx: TestContext) -> Iterator[TestContext]:
    run = state()
    run.current = ctx
    try:
        yield ctx
    finally:
        run.current = None


# --- the per-test context ---------------------------------------------------------------


@dataclass(slots=True)
class TestContext:
    """One conformance test: its rule, the examples it ran and the classes it tried."""

    __test__ = False  # not a pytest test class, despite the name

    nodeid: str
    rules: tuple[str, ...]
    target: TargetSession
    examples: int = 0
    events: Counter[str] = field(default_factory=Counter)
    broken_detail: str | None = None
    unsent: tuple[str, ...] | None = None
    """The classes of the example begun but not sent yet (issue 12: counts are of sends)."""
    last: Exchange | None = None
    """The last answer this test read (replay of a registered test body reports it)."""
    tally: Tally = field(default_factory=Tally)
    """The exchanges this test judged and how many it could read: a pass rests on them."""
    log: TestLog | None = None
    """This test's lines in the process's journal, when it keeps one."""

    def __post_init__(self) -> None:
        if self.target.journal is not None:
            self.log = TestLog(self.target.journal, self.nodeid, self.rules)

    def __repr__(self) -> str:
        return f"<TestContext of {self.nodeid}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Hypothesis shows fixtures in its reports: the context is not worth a page (and
        its profile may hold credentials)."""
        printer.text(repr(self))

    @property
    def profile(self) -> TargetProfile:
        return self.target.profile

    @property
    def rule(self) -> str:
        return self.rules[0]

    def event(self, label: str) -> None:
        """Record an equivalence class for Hypothesis statistics and the report."""
        self.events[label] += 1
        if currently_in_test_context():  # plain tests (the quota walk) have no statistics
            hypothesis.event(label)

    def begin_example(self, labels: tuple[str, ...] = ()) -> None:
        self.examples += 1
        self.unsent = tuple(labels)
        for label in labels:
            self.event(label)

    def _uncount(self) -> None:
        """An example stopped before anything was sent was never run: do not count it."""
        if self.unsent is None:
            return
        self.examples -= 1
        for label in self.unsent:
            self.events[label] -= 1
            if self.events[label] <= 0:
                del self.events[label]
        self.unsent = None

    # sending ----------------------------------------------------------------------------

    def send(self, request: SendEmailRequest | RawRequest) -> Exchange:
        """Send through the breaker; a dead target makes the rule `broken`."""
        self.ready_to_send()
        client = self.target.client
        if isinstance(request, RawRequest):
            return self.record(request, client.send_raw(request))
        return self.record(request, client.send(request))

    def ready_to_send(self) -> None:
        """Raise TargetBroken, uncounting the example, when the target stopped answering."""
        if self.broken_detail is not None or self.target.breaker.tripped:
            detail = self.broken_detail or self.target.breaker.last_detail
            self._uncount()
            raise TargetBroken(f"target stopped answering earlier in this run ({detail})")
        self.unsent = None

    def record(self, request: SendEmailRequest | RawRequest, exchange: Exchange) -> Exchange:
        """One exchange of this test, sent by `send` or in a burst: breaker, tally,
        monitors and journal, as every exchange of a run."""
        self.target.breaker.record(exchange)
        self.last = exchange
        self.tally.note_all(self.rules, exchange)
        judged = Judged()
        if self.target.monitors is not None:
            raw = request if isinstance(request, RawRequest) else None
            params = None if isinstance(request, RawRequest) else request.params
            monitors = self.target.monitors
            judged = monitors.observe(exchange, nodeid=self.nodeid, params=params, raw=raw)
        if self.log is not None:
            outcome = exchange.outcome
            answered = not isinstance(outcome, TransportFailure) or outcome.kind == "too-large"
            self.log.exchange(self.examples, self.events, answered=answered, monitored=judged)
        return exchange

    def send_control(self, params: Mapping[str, Any]) -> Exchange:
        """A control request: one every conformant target accepts, all else equal."""
        self.event("control request sent")
        with self.tally.aside():  # the judgement's means, not an answer it rests on
            return self.send_expecting(SendEmailRequest(params), Accept())

    def send_expecting(self, request: SendEmailRequest, expectation: Expectation) -> Exchange:
        """Send; when a quota rejection hides an expected acceptance, reset and retry once.

        Only the quota state machine judges the quota; other tests must not fail because
        earlier tests used it up (see docs/architecture.md, "Quota"). A send-rate refusal
        (a target may count more strictly than the suite paces) is waited out, then retried.
        """
        exchange = self.send(request)
        if is_rate_rejection(exchange, self.profile):
            time.sleep(RATE_WINDOW_S)
            exchange = self.send(request)
        # A quota refusal hides whether the target would have refused for the rule
        # expected (a defect in one class passed unseen once the quota ran out): retry.
        owed_to_quota = isinstance(expectation, Reject) and "quota.recipients" in expectation.rules
        if (
            not owed_to_quota
            and self.profile.has_quota
            and is_quota_rejection(exchange, self.profile)
        ):
            self.target.client.reset()
            exchange = self.send(request)
            if is_quota_rejection(exchange, self.profile):  # the reset did not reset
                raise TestHookError(
                    "account.reset_url: after a reset the target still refuses for its quota "
                    f"({describe_outcome(exchange)[:200]}); the reset hook does not work"
                )
        return exchange

    def target_params(self, params: Mapping[str, Any]) -> Mapping[str, Any]:
        """The request as the target will see it: a wire may not carry everything (the
        Query form has no types), and the oracle must judge what was really sent."""
        return self.target.client.effective_params(params)

    def expectation(self, params: Mapping[str, Any], *, rule_id: str | None = None) -> Expectation:
        """The rule's oracle (its Check's) on the request as the wire carries it."""
        return expectation_for(rule_id or self.rule, self.target_params(params), self.profile)

    def check(self, case: Any, *, rule_id: str | None = None) -> Exchange:
        """Judge one generated case for this test's rule (or `rule_id`).

        The oracle is evaluated here, on this very request: a shrunk request is judged
        afresh, never by what its generator meant it to violate.
        """
        self.begin_example(tuple(getattr(case, "labels", ())))
        request: SendEmailRequest = getattr(case, "request", case)
        judged = rule_id or self.rule
        expectation = self.expectation(request.params, rule_id=judged)
        exchange = self.send_expecting(request, expectation)
        self.judge(judged, expectation, exchange, params=request.params)
        return exchange

    def judge(
        self,
        rule_id: str,
        expectation: Expectation,
        exchange: Exchange,
        *,
        params: Mapping[str, Any] | None,
    ) -> None:
        """`checks.judge` on one answer, its verdict raised (controls sent by this test)."""
        found = judge(
            rule_id,
            expectation,
            exchange,
            params=params,
            profile=self.profile,
            send_control=self.send_control,
        )
        self.verdict(found)

    # failing ----------------------------------------------------------------------------

    def verdict(self, verdict: Verdict | None) -> None:
        """Raise the exception of a verdict (the rule's violation, or TargetBroken)."""
        if verdict is None:
            return
        if verdict.broken:
            self.broken(verdict.exchange, expected=verdict.expected, params=verdict.params)
        self.fail(
            verdict.rule_id,
            verdict.summary,
            verdict.exchange,
            expected=verdict.expected,
            params=verdict.params,
            raw=verdict.raw,
            problems=verdict.problems,
        )

    def fail(
        self,
        rule_id: str,
        summary: str,
        exchange: Exchange,
        *,
        expected: str,
        params: Mapping[str, Any] | None = None,
        raw: RawRequest | None = None,
        problems: tuple[str, ...] = (),
    ) -> None:
        client = self.target.client
        ce = counterexample_of(
            exchange, client=client, expected=expected, params=params, raw=raw, problems=problems,
            rule_id=rule_id,
        )  # fmt: skip
        if self.log is not None:
            self.log.violation(rule_id, summary, ce)
        raise violation_for(rule_id)(summary, counterexample=ce)

    def broken(self, exchange: Exchange, *, expected: str, params: Any = None) -> None:
        assert isinstance(exchange.outcome, TransportFailure)
        detail = f"{exchange.outcome.kind}: {exchange.outcome.detail}"
        self.broken_detail = detail
        client = self.target.client
        ce = counterexample_of(
            exchange, client=client, expected=expected, params=params, rule_id=self.rule
        )
        if self.log is not None:
            self.log.broken(f"target gave no usable answer: {detail}", ce)
        raise TargetBroken(detail, counterexample=ce)
