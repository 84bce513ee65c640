"""rate.max-send-rate: a target that promises a strict send rate throttles sends beyond it.

Only for a profile that declares the rate and that its target enforces it
(`account.max_send_rate`, `account.rate_enforced = true`): real SES allows short bursts,
so no profile of it opts in. Sends sustained at three times the rate for three seconds must
see throttling refusals; sends spaced at half the rate must all be taken (rules.md, "Send
rate"). The test runs alone (exclusive): any other send would use the target's rate too.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import pytest

from conformance.checks.evidence import describe_outcome
from conformance.checks.judgements import Reading, is_rate_rejection, read
from conformance.model import Accept, Either, Exchange, SendEmailRequest
from conformance.profile import TargetProfile
from conformance.suite.support import TestContext, rule
from sesconf_strategies.build import params_of, verified_sender
from sesconf_strategies.controls import control_recipient
from sesconf_strategies.recipients import Recipients

RULE = "rate.max-send-rate"
BURST_FACTOR, BURST_S = 3.0, 3.0
"""The burst: three times the rate, sustained for three seconds (rules.md)."""
CALM_FACTOR, CALM_S = 0.5, 3.0
"""The calm: half the rate, for three seconds; every send must be taken."""
REACHED_FACTOR = 2.0
"""The burst is evidence only when the suite really sent at twice the rate or more: under
it, a one-second bucket need refuse nothing (a busy machine sends late)."""
REFILL_S = 2.0
"""Between the two phases: the target's window (one second for a strict limit) refills."""
SIMULATOR = "success@simulator.amazonses.com"
BURST_EITHER = Either(("over the send rate: taken or throttled",))


def enforced_rate(profile: TargetProfile) -> float:
    """The rate the target promises to enforce; skips, saying why, where none is declared."""
    account, safety = profile.account, profile.safety
    if not account.rate_enforced or account.max_send_rate is None:
        pytest.skip(
            "needs account.max_send_rate and account.rate_enforced = true in the profile "
            "(a target that promises a strict limit; real SES allows bursts)"
        )
    rate = account.max_send_rate
    if safety.rate_per_s is not None and safety.rate_per_s < BURST_FACTOR * rate:
        pytest.skip(
            f"safety.rate_per_s = {safety.rate_per_s:g} keeps sends under three times "
            f"account.max_send_rate ({rate:g})"
        )
    return rate


def recipient(profile: TargetProfile) -> str:
    """The simulator where it uses no quota; else the control recipient (the quota is
    reset before each phase, and a burst that would use it up is not sent)."""
    return SIMULATOR if not profile.account.quota_counts_simulator else control_recipient(profile)


@dataclass(slots=True)
class Phase:
    """The sends of one phase, and how long they took from the first to the last."""

    exchanges: list[Exchange] = field(default_factory=list)
    elapsed_s: float = 0.0

    def rate(self) -> float:
        """Sends a second reached (the first send starts the clock)."""
        return (len(self.exchanges) - 1) / self.elapsed_s if self.elapsed_s > 0 else math.inf


def send_paced(ctx: TestContext, rate: float, n: int, label: str, accept: bool) -> Phase:
    """`n` sends spaced at `rate` a second, each judged (no answer: broken; at the calm's
    pace, a throttling refusal fails the rule)."""
    profile = ctx.profile
    params = params_of(
        source=verified_sender(profile), recipients=Recipients((recipient(profile),))
    )
    expectation = Accept() if accept else BURST_EITHER
    if profile.has_quota:
        ctx.target.client.reset()
    phase = Phase()
    ctx.begin_example((label,))
    with ctx.target.client.paced(rate):
        start = time.monotonic()
        for _ in range(n):
            exchange = ctx.send(SendEmailRequest(params))
            phase.exchanges.append(exchange)
            ctx.judge(RULE, expectation, exchange, params=params)
        phase.elapsed_s = time.monotonic() - start
    return phase


@rule(RULE)
@pytest.mark.exclusive
def test_max_send_rate(ctx: TestContext) -> None:
    """Three seconds at three times the rate see throttling; three at half see none."""
    rate = enforced_rate(ctx.profile)
    burst_n = max(3, math.ceil(BURST_FACTOR * rate * BURST_S))
    quota = ctx.profile.account.max_24h_send
    if ctx.profile.account.quota_counts_simulator and quota is not None and 0 <= quota < burst_n:
        pytest.skip(f"a burst of {burst_n} sends would use up the daily quota of {quota}")
    burst = send_paced(ctx, BURST_FACTOR * rate, burst_n, "rate: three times the rate", False)
    if burst.rate() < REACHED_FACTOR * rate:
        pytest.skip(
            f"the suite reached only {burst.rate():.1f} sends a second of the "
            f"{BURST_FACTOR * rate:g} planned (the machine is busy): no evidence either way"
        )
    judge_burst(ctx, rate, burst)
    time.sleep(REFILL_S)
    calm_n = max(3, math.ceil(CALM_FACTOR * rate * CALM_S))
    send_paced(ctx, CALM_FACTOR * rate, calm_n, "rate: half the rate", True)


def judge_burst(ctx: TestContext, rate: float, burst: Phase) -> None:
    """Some send of the burst must be refused with a throttling error."""
    profile = ctx.profile
    if any(is_rate_rejection(e, profile) for e in burst.exchanges):
        return
    refused = [e for e in burst.exchanges if read(e) is Reading.REJECTED]
    summary = (
        f"{len(burst.exchanges)} sends at {burst.rate():.1f} a second for "
        f"{burst.elapsed_s:.1f} s (account.max_send_rate = {rate:g}): none refused with a "
        "throttling error"
    )
    if refused:
        summary += f"; {len(refused)} refused otherwise, e.g. {describe_outcome(refused[0])}"
    shown = refused[0] if refused else burst.exchanges[-1]
    params = params_of(
        source=verified_sender(profile), recipients=Recipients((recipient(profile),))
    )
    ctx.fail(
        RULE,
        summary,
        shown,
        expected=f"some sends over {rate:g} a second refused with a throttling error",
        params=params,
    )
