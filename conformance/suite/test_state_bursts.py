"""The state rules under concurrency (rules.md, "State under concurrency"): bursts of
`account.burst_size` sends released together from a barrier, each on its own connection.

The quota tests, the id checks and the atomic test send one request at a time, so a target
that checks its quota and counts in a second step, takes ids from an unlocked counter or
delivers part of a refused message while other sends run passes them all. These tests
judge a burst as the rules define it: the accepted recipients, added up, never pass the
quota; all ids distinct; a refused message delivers nothing. A burst that breaks its rule
is shrunk (fewer sends, fewer recipients) while a rerun still breaks it, and reported
whole (summary.json's `counterexample.burst`; `sesconf replay` re-sends it several times).
They reset the target and count its state: they run in the exclusive pass.
"""

from __future__ import annotations

import pytest

from conformance.checks.burst import Burst, atomic_burst, id_burst, quota_burst
from conformance.errors import BurstNotSetUp
from conformance.suite.bursts import (
    fail_burst,
    first_serial,
    run_once,
    shrunk,
    skip_reason,
)
from conformance.suite.support import TestContext, rule

ROUNDS = 2
"""Bursts sent before a test passes: a race shows only sometimes (the correct target
passes every one)."""


def _burst_test(ctx: TestContext, burst: Burst) -> None:
    """Send the burst (up to ROUNDS times); shrink and report the first that breaks."""
    why = skip_reason(ctx, burst)
    if why is not None:
        pytest.skip(why)
    for _ in range(ROUNDS):
        try:
            found = run_once(ctx, burst)
        except BurstNotSetUp as exc:
            pytest.skip(str(exc))
        if found is not None and found.broken:
            ctx.verdict(found)
        if found is not None:
            fail_burst(ctx, *shrunk(ctx, burst, found))


@rule("quota.recipients")
@pytest.mark.exclusive
def test_quota_burst(ctx: TestContext) -> None:
    """Concurrent sends that each fit alone, released when only one fits: the accepted
    ones, added up, never pass the quota."""
    profile = ctx.profile
    _burst_test(ctx, quota_burst(profile, profile.account.burst_size, first_serial()))


@rule("envelope.id-unique")
@pytest.mark.exclusive
def test_id_burst(ctx: TestContext) -> None:
    """Concurrent acceptances each get an id of their own."""
    profile = ctx.profile
    _burst_test(ctx, id_burst(profile, profile.account.burst_size, first_serial()))


@rule("recipients.valid")
@pytest.mark.exclusive
def test_atomic_burst(ctx: TestContext) -> None:
    """A message refused for an invalid recipient delivers nothing, also while other sends
    run (each names a witness recipient of its own)."""
    profile = ctx.profile
    if profile.account.outbox_url is None:
        pytest.skip("the profile declares no account.outbox_url to observe deliveries")
    _burst_test(ctx, atomic_burst(profile, profile.account.burst_size, first_serial()))
