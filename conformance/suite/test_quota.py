"""quota.recipients: every recipient counts against the 24-hour quota; rejections count nothing.

A Hypothesis state machine: it resets the target's counter, sends valid and invalid
messages, and keeps its own count of what the target accepted (after an invalid message it
wrongly accepted, recipients.valid's failure, it resets and counts from zero, since whether
the target counted the invalid address is unknowable). A send
that fits must be accepted; a send that would take the count past the quota must be
refused (rules.md). Its messages are found in the outbox by their recipients, each named
by this machine alone, never by their ids: ids need not be unique (envelope.id-unique's
finding) and an outbox may outlive a reset.
"""

from __future__ import annotations

import uuid

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant
from hypothesis.stateful import rule as step

from conformance.checks.burst import counted
from conformance.checks.judgements import Reading, read
from conformance.model import Either, Expectation, Reject, SendEmailRequest
from conformance.oracle import expect
from conformance.outbox_formats import delivered_to
from conformance.suite.reach import note_class
from conformance.suite.support import TestContext, configured, current, examples, rule
from conformance.verification import is_simulator
from conformance.violations import violation_for
from sesconf_strategies.build import deliverable, params_of, verified_sender
from sesconf_strategies.recipients import Recipients

PROFILE = configured().profile
RULE = "quota.recipients"
SHARED = ("success@simulator.amazonses.com", "ooto@simulator.amazonses.com")
"""Simulator mailboxes every send may name: no one message is found by them."""


class SendingQuota(RuleBasedStateMachine):
    """The model: `sent` recipients counted so far against `quota`."""

    def __init__(self) -> None:
        super().__init__()
        self.ctx = current()
        self.quota = PROFILE.account.max_24h_send or 0
        self.sent = 0
        self.serial = 0
        self.first = uuid.uuid4().int >> 64
        """A random first serial: an outbox that outlives resets holds earlier runs' mail."""
        self.ours: set[str] = set()
        """The recipients of the messages accepted since the reset, each named by one send."""

    @initialize()
    def reset(self) -> None:
        if not self.ctx.profile.has_quota:
            pytest.skip("needs account.max_24h_send and account.reset_url in the profile")
        self.ctx.target.client.reset()
        self.sent = 0
        self.ours = set()

    def _recipients(self, n: int, simulator: int) -> list[str]:
        """`n` recipients, at least one of them named by this send alone (the outbox's
        message is found by it): `simulator` bare simulator mailboxes, fewer than `n`."""
        self.serial += 1
        simulator = min(simulator, n - 1)
        first = self.first + self.serial * 100
        plain = [deliverable(PROFILE, first + i) for i in range(n - simulator)]
        # plain mailboxes: a target refusing a +label is sandbox.recipients' failure alone
        sims = list(SHARED[:simulator])
        return plain + sims

    @step(
        n=st.one_of(
            st.just(PROFILE.limits.max_recipients), st.integers(1, PROFILE.limits.max_recipients)
        ),
        simulator=st.integers(0, 2),
    )
    def send_valid(self, n: int, simulator: int) -> None:
        addresses = self._recipients(n, simulator)
        params = params_of(source=verified_sender(PROFILE), recipients=Recipients(tuple(addresses)))
        cost = counted(self.ctx.profile, addresses)
        self.ctx.begin_example((f"quota: {self.sent}+{cost} of {self.quota}",))
        if self.sent + cost <= self.quota:
            expectation = expect(params, PROFILE)  # accept, unless the oracle knows better
        else:
            expectation = Reject(
                frozenset({RULE}), (f"{self.sent}+{cost} would pass the quota {self.quota}",)
            )
        exchange = self.ctx.send(SendEmailRequest(params))
        self.ctx.judge(RULE, expectation, exchange, params=params)
        if read(exchange) is Reading.ACCEPTED:
            self.sent += cost
            self.ours.update(a for a in addresses if a not in SHARED)

    @step()
    def send_invalid(self) -> None:
        """A rejected message must count nothing (recipients.valid's "entire message")."""
        addresses = [*self._recipients(2, 0), "bad..dot@x.example"]
        params = params_of(source=verified_sender(PROFILE), recipients=Recipients(tuple(addresses)))
        self.ctx.begin_example(("quota: rejected message",))
        exchange = self.ctx.send(SendEmailRequest(params))
        self.ctx.judge(RULE, expect(params, PROFILE), exchange, params=params)
        if read(exchange) is Reading.ACCEPTED:
            self._start_over()

    def _start_over(self) -> None:
        """A wrongly accepted invalid message is recipients.valid's failure, and whether the
        target counted its invalid address is unknowable: reset, so it is blamed once."""
        self.ctx.target.client.reset()
        self.sent = 0
        self.ours = set()

    @invariant()
    def send_quota_matches_count(self) -> None:
        """Over the SES protocols the target reports its own count (GetSendQuota)."""
        quota = self.ctx.target.client.get_send_quota() if self.ctx.profile.has_quota else None
        if quota is None:
            return
        reported = quota.sent_last_24h
        if reported != self.sent:
            summary = (
                f"GetSendQuota says SentLast24Hours = {reported:g}; the messages the target "
                f"accepted since the reset had {self.sent} counted recipients"
            )
            raise violation_for(RULE)(
                summary,
                counterexample={
                    "expected": f"SentLast24Hours = {self.sent}",
                    "actual": f"{reported:g}",
                    "problems": [summary],
                    "request": None,
                    "response": None,
                    "curl": "aws ses get-send-quota --endpoint-url " + self.ctx.profile.url,
                },
            )

    @invariant()
    def outbox_matches_count(self) -> None:
        if self.ctx.profile.account.outbox_url is None or not self.ctx.profile.has_quota:
            return
        # only messages the target said it accepted, found by a recipient no other send
        # named: a delivery of a refused message is recipients.valid's finding (atomic
        # rejection), not a quota count
        outbox = self.ctx.target.client.outbox() or []
        messages = [m for m in outbox if self.ours.intersection(delivered_to(m))]
        profile = self.ctx.profile
        delivered = sum(counted(profile, delivered_to(m)) for m in messages)
        if delivered != self.sent:
            summary = (
                f"the outbox holds {delivered} counted recipients; the messages the target "
                f"accepted since the reset had {self.sent}"
            )
            raise violation_for(RULE)(
                summary,
                counterexample={
                    "expected": f"{self.sent} recipients delivered and counted",
                    "actual": f"{delivered} in {self.ctx.profile.account.outbox_url}",
                    "problems": [summary],
                    "request": None,
                    "response": None,
                    "curl": f"curl -s {self.ctx.profile.account.outbox_url}",
                },
            )


STEPS = 25
MIN_STEPS = 5
"""Enough steps to use a quota of four full messages up and send past it."""
ALONE_WAIT_S = 30.0
"""Against a target `sesconf run` found slow, about the most the machine's sends may wait
in all: they run alone and one after another, so nothing overlaps that wait (at 400 ms,
3 examples of 25 steps instead of 12; at 2 s, 3 of 5). The boundary walk still reaches
every class of the rule."""


def machine_examples() -> int:
    """The state machine's examples: a share of the run's budget, fewer against a slow
    target (never under 3)."""
    n = examples(0.2, at_least=3, at_most=15)
    latency = configured().latency_s
    if latency:
        n = min(n, max(3, int(ALONE_WAIT_S / (latency * STEPS))))
    return n


def machine_steps(n: int) -> int:
    """The steps of each of the machine's `n` examples: STEPS, fewer when even the fewest
    examples would wait past ALONE_WAIT_S (never under MIN_STEPS)."""
    latency = configured().latency_s
    if not latency:
        return STEPS
    return max(MIN_STEPS, min(STEPS, int(ALONE_WAIT_S / (latency * n))))


_EXAMPLES = machine_examples()
TestSendingQuota = pytest.mark.exclusive(pytest.mark.rule(RULE)(SendingQuota.TestCase))
TestSendingQuota.settings = settings(
    max_examples=_EXAMPLES, stateful_step_count=machine_steps(_EXAMPLES)
)


@rule(RULE)
@pytest.mark.exclusive
def test_quota_boundary(ctx: TestContext) -> None:
    """The quota, walked exactly: rejected sends count nothing, duplicates count each time,
    simulator recipients as the profile says; the send after the last that fits is refused.
    Every declared class of the rule (conformance/class_quota.py) is reached here."""
    profile = ctx.profile
    if not profile.has_quota:
        pytest.skip("needs account.max_24h_send and account.reset_url in the profile")
    quota = profile.account.max_24h_send or 0
    per_message = profile.limits.max_recipients
    if not profile.identities.verified_domains and not profile.account.quota_counts_simulator:
        pytest.skip("no verified domain to send counted recipients to")
    if quota // per_message > 200:
        pytest.skip(f"a quota of {quota} is too large to use up in a test")
    ctx.target.client.reset()
    walk = _Walk(ctx, quota)
    for _ in range(2):  # refused messages must not use the quota up
        walk.send([*walk.fresh(per_message - 1), "bad..dot@x.example"], "rejected send")
    first = walk.fresh(1)[0]
    if walk.left >= len(PROBE_SIMULATORS) + 2:  # its refusal is other rules' to judge
        walk.send([first, first, *PROBE_SIMULATORS], PROBE, PROBE_EITHER)
    while walk.left > 0:
        if not walk.send(walk.fresh(min(per_message, walk.left)), "accepted send"):
            return
    reason = f"the quota of {quota} recipients is used up"
    walk.send(walk.fresh(1), "past the boundary", Reject(frozenset({RULE}), (reason,)))
    ctx.target.client.reset()


_SEND_CLASS = {
    "rejected send": "rejected send counts nothing",
    "past the boundary": "past the boundary refused",
}
"""The class a send of the walk exercises, by what it is; any other send is accepted."""
PROBE = "duplicates and simulator recipients"
PROBE_SIMULATORS = ("success@simulator.amazonses.com", "ooto+quota@simulator.amazonses.com")
"""A bare and a +labelled simulator mailbox: both count only as the profile says."""
PROBE_EITHER = Either((f"{PROBE}: whether they are taken is other rules' question",))
"""Taken, the probe counts (each duplicate, the simulator as the profile says) and the
walk's end shows a miscount; refused, it must count nothing, and the walk goes on."""


class _Walk:
    """The boundary walk's state: recipients left, and the classes each send exercises."""

    def __init__(self, ctx: TestContext, quota: int) -> None:
        self.ctx, self.left, self.serial = ctx, quota, 1000

    def fresh(self, n: int) -> list[str]:
        self.serial += n
        return [deliverable(self.ctx.profile, self.serial - i) for i in range(n)]

    def _classes(self, addresses: list[str], what: str) -> list[str]:
        names = [_SEND_CLASS.get(what, "accepted send counts its recipients")]
        if len(set(addresses)) < len(addresses):
            names.append("duplicate recipients count each time")
        if any(is_simulator(a) for a in addresses):
            names.append("simulator recipients")
        if any(is_simulator(a) and "+" in a for a in addresses):
            names.append("labelled simulator recipients")
        if what != "past the boundary" and counted(self.ctx.profile, addresses) == self.left:
            names.append("exact boundary accepted")
        return names

    def send(self, addresses: list[str], what: str, expectation: Expectation | None = None) -> bool:
        """Send and judge; True when the walk goes on (refusals other than quota stop it)."""
        ctx = self.ctx
        params = params_of(
            source=verified_sender(ctx.profile), recipients=Recipients(tuple(addresses))
        )
        ctx.begin_example((f"quota walk: {what}, {len(addresses)} recipients, {self.left} left",))
        for name in self._classes(addresses, what):
            note_class(ctx, name)
        exchange = ctx.send(SendEmailRequest(params))
        ctx.judge(RULE, expectation or expect(params, ctx.profile), exchange, params=params)
        accepted = read(exchange) is Reading.ACCEPTED
        if what == PROBE and not accepted:
            return True
        if what == "rejected send":
            if accepted:  # recipients.valid's failure, not this rule's: what it counted is
                ctx.target.client.reset()  # unknowable, so walk from zero
            return True
        if not accepted:  # refused, not for quota: no walk
            ctx.target.client.reset()
            return False
        self.left -= counted(self.ctx.profile, addresses)
        return True
