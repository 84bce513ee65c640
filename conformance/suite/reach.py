"""Class accounting for the suite's tests: every request's declared classes become events.

`check` is `ctx.check` plus the `class: ...` events of the request as sent (read off the
request by conformance/classes.py, never trusted from the generator); `examples` turns a
list of written-out cases into Hypothesis `@example`s, so each class is reached by every
default run whatever the seed or budget.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from hypothesis import example

from conformance.classes import EVENT_PREFIX, events_of
from conformance.model import Exchange
from conformance.suite.support import TestContext
from sesconf_strategies.cases import GeneratedCase

F = TypeVar("F", bound=Callable[..., Any])


def note_classes(ctx: TestContext, case: GeneratedCase) -> None:
    """Record the declared classes of this test's rules that `case` exercises."""
    for label in events_of(ctx.rules, case.request.params, ctx.profile):
        ctx.event(label)


def note_class(ctx: TestContext, name: str) -> None:
    """Record one class by name (requests the classifier cannot read, e.g. raw bodies)."""
    ctx.event(EVENT_PREFIX + name)


def check(ctx: TestContext, case: GeneratedCase, *, rule_id: str | None = None) -> Exchange:
    """`ctx.check(case)`, after recording the classes the request falls in."""
    note_classes(ctx, case)
    return ctx.check(case, rule_id=rule_id)


def examples(cases: Sequence[Any], *, name: str = "case") -> Callable[[F], F]:
    """Each of `cases` as an explicit `@example(name=case)`, in order."""

    def apply(test: F) -> F:
        for case in reversed(cases):
            test = example(**{name: case})(test)
        return test

    return apply
