"""The rules registered with a test of their own (`Check.strategy` and `Check.body`): one
Hypothesis test per such check, so an extension module needs no test module of its own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import given

from conformance.checks.registry import REGISTRY, Check, registered_test_name
from conformance.suite.support import TestContext, configured, rule

PROFILE = configured().profile


def _test_of(check: Check) -> Callable[..., None]:
    """One Hypothesis test running `check.body` on the cases of `check.strategy`."""
    assert check.strategy is not None and check.body is not None
    body = check.body

    @rule(check.id)
    @given(case=check.strategy(PROFILE))
    def test(ctx: TestContext, case: Any) -> None:
        body(ctx, case)

    test.__name__ = test.__qualname__ = registered_test_name(check.id)
    made: Callable[..., None] = test
    return made


for _check in tuple(REGISTRY.values()):
    if _check.body is not None and _check.strategy is not None:
        globals()[registered_test_name(_check.id)] = _test_of(_check)
