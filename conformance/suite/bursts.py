"""Running a burst against the target (rules.md, "State under concurrency"): the state set
up (a reset; for the quota, the quota used up to `left`), the sends released together on
sibling clients, every answer recorded as the test's own, the judgement of
`checks.burst`, and the shrink. The burst tests and `sesconf replay` run bursts here.

A burst's outcome is not deterministic: a shrunk burst replaces the one found only when a
rerun of it still breaks the rule, and replay re-sends a burst several times ("reproduced
k of n").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from conformance.checks.burst import Burst, counted, judge_burst, smaller, with_fresh_witnesses
from conformance.checks.evidence import Verdict, counterexample_of
from conformance.checks.judgements import Reading, read
from conformance.errors import BurstNotSetUp
from conformance.model import Exchange, SendEmailRequest, TransportFailure
from conformance.oracle import recipients_of
from conformance.protocols.burst import send_together
from conformance.protocols.limits import SendBudget
from conformance.suite.support import TestContext
from conformance.violations import violation_for
from sesconf_strategies.build import deliverable, params_of, verified_sender
from sesconf_strategies.recipients import Recipients

SHRINK_TRIES = 3
"""Reruns of a smaller burst before the shrink gives it up: a race shows only sometimes."""
REPLAY_TIMES = 5
"""How often `sesconf replay` re-sends a burst counterexample."""
MAX_PREFILL_SENDS = 200
"""Sends the quota burst may spend using the quota up; a larger quota is not burst-tested."""


def first_serial() -> int:
    """A random first recipient serial: an outbox that outlives resets holds earlier mail."""
    return uuid.uuid4().int >> 64


def skip_reason(ctx: TestContext, burst: Burst) -> str | None:
    """Why this target may not be sent `burst` (None: it may): the profile's rate or send
    budget forbids it, or the quota cannot be brought to the boundary."""
    profile, n = ctx.profile, len(burst.sends)
    rate = profile.send_rate
    if rate is not None and rate < n:
        return (
            f"the send rate ({rate:g} a second: safety.rate_per_s, account.max_send_rate, or "
            f"the account's MaxSendRate with safety.rate_from_quota) forbids {n} sends "
            "released together "
            f"(account.burst_size = {profile.account.burst_size})"
        )
    if burst.kind == "quota":
        why = _quota_reason(ctx, burst)
        if why is not None:
            return why
    return _budget_reason(ctx, _sends_needed(ctx, burst))


def _quota_reason(ctx: TestContext, burst: Burst) -> str | None:
    profile = ctx.profile
    if not profile.has_quota:
        return "needs account.max_24h_send and account.reset_url in the profile"
    if not profile.identities.verified_domains and not profile.account.quota_counts_simulator:
        return "no verified domain to send counted recipients to"
    if _prefill_sends(ctx, burst) > MAX_PREFILL_SENDS:
        quota = profile.account.max_24h_send
        return f"a quota of {quota} is too large to use up before a burst"
    return None


def _budget_reason(ctx: TestContext, needed: int) -> str | None:
    budget = getattr(ctx.target.client, "budget", None)
    if not isinstance(budget, SendBudget) or budget.max_sends is None:
        return None
    left = budget.max_sends - budget.used
    if left >= needed:
        return None
    return f"safety.max_sends leaves {left} sends; the burst and its set-up need {needed}"


def _prefill_sends(ctx: TestContext, burst: Burst) -> int:
    if burst.kind != "quota":
        return 0
    to_use = (ctx.profile.account.max_24h_send or 0) - burst.left
    return -(-max(0, to_use) // ctx.profile.limits.max_recipients)


def _sends_needed(ctx: TestContext, burst: Burst) -> int:
    return len(burst.sends) + _prefill_sends(ctx, burst)


# --- one burst --------------------------------------------------------------------------


def send_burst(ctx: TestContext, requests: list[SendEmailRequest]) -> list[Exchange]:
    """The requests released together, each on a sibling of the test's client; every
    answer is then recorded as one of the test's own exchanges."""
    ctx.ready_to_send()
    clients = [ctx.target.client.sibling() for _ in requests]
    try:
        answers = send_together(clients, requests)
    finally:
        for client in clients:
            client.close()
    return [ctx.record(request, answer) for request, answer in zip(requests, answers, strict=True)]


def _prepare(ctx: TestContext, burst: Burst) -> None:
    """Reset; for the quota, use it up until `left` recipients are left. BurstNotSetUp when
    the target refused a send that fit (the quota's own tests judge that)."""
    ctx.target.client.reset()
    if burst.kind != "quota":
        return
    profile = ctx.profile
    to_use, serial = (profile.account.max_24h_send or 0) - burst.left, first_serial()
    while to_use > 0:
        n = min(profile.limits.max_recipients, to_use)
        addresses = tuple(deliverable(profile, serial + i) for i in range(n))
        serial += n
        params = params_of(source=verified_sender(profile), recipients=Recipients(addresses))
        answer = ctx.send(SendEmailRequest(params))
        if read(answer) is not Reading.ACCEPTED:
            raise BurstNotSetUp(
                "the target refused a send that fit the quota while it was being used up "
                "to the burst's boundary (the quota's own tests judge that)"
            )
        to_use -= counted(profile, recipients_of(params))


def run_once(ctx: TestContext, burst: Burst) -> Verdict | None:
    """Set the state up, send the burst, judge it (a burst with no answer is `broken`).
    An atomic burst names new witnesses each time: an outbox may outlive a reset."""
    _prepare(ctx, burst)
    if burst.kind == "atomic":
        burst = with_fresh_witnesses(burst, ctx.profile)
    ctx.begin_example((f"burst: {burst.kind}, {burst.described()}",))
    answers = send_burst(ctx, [SendEmailRequest(p) for p in burst.sends])
    for params, answer in zip(burst.sends, answers, strict=True):
        if isinstance(answer.outcome, TransportFailure):
            return Verdict(burst.rule_id, "no answer", answer, "an answer", params, broken=True)
    outbox = ctx.target.client.outbox() if burst.kind == "atomic" else None
    return judge_burst(burst, answers, ctx.profile, outbox)


def _rerun_breaks(ctx: TestContext, burst: Burst) -> Verdict | None:
    """A rerun of `burst` that breaks its rule (up to SHRINK_TRIES), else None."""
    for _ in range(SHRINK_TRIES):
        if _budget_reason(ctx, _sends_needed(ctx, burst)) is not None:
            return None
        try:
            found = run_once(ctx, burst)
        except BurstNotSetUp:
            return None
        if found is not None and not found.broken:
            return found
    return None


def shrunk(ctx: TestContext, burst: Burst, verdict: Verdict) -> tuple[Burst, Verdict]:
    """The smallest burst (fewer sends, fewer recipients) whose rerun still breaks it."""
    progress = True
    while progress:
        progress = False
        for candidate in smaller(burst, ctx.profile, first_serial()):
            found = _rerun_breaks(ctx, candidate)
            if found is not None:
                burst, verdict, progress = candidate, found, True
                break
    return burst, verdict


@dataclass(frozen=True, slots=True)
class Reproduced:
    """Replay's count: how many of `times` re-sends broke the rule, and the first that did."""

    k: int
    times: int
    first: Verdict | None


def reproduce(ctx: TestContext, burst: Burst, times: int = REPLAY_TIMES) -> Reproduced:
    """Send `burst` `times` times over, each from a fresh state, judged as the run did."""
    k, first = 0, None
    for _ in range(times):
        found = run_once(ctx, burst)
        if found is not None and not found.broken:
            k, first = k + 1, first or found
    return Reproduced(k, times, first)


def fail_burst(ctx: TestContext, burst: Burst, verdict: Verdict) -> None:
    """Raise the burst's verdict: the counterexample carries the whole burst."""
    if verdict.broken:
        ctx.verdict(verdict)
    ce = counterexample_of(
        verdict.exchange, client=ctx.target.client, expected=verdict.expected,
        params=verdict.params, problems=verdict.problems, rule_id=verdict.rule_id,
    )  # fmt: skip
    ce["burst"] = burst.record()
    summary = f"{verdict.summary} (a burst of {burst.described()})"
    if ctx.log is not None:
        ctx.log.violation(verdict.rule_id, summary, ce)
    raise violation_for(verdict.rule_id)(summary, counterexample=ce)
