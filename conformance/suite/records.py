"""One test's record, as the plugin writes it to `records/<pid>.jsonl`.

`report.summary` folds these records into summary.json; the status words (pass, skip,
fail, broken, error) are what its outcomes are made of.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conformance.checks.readable import Tally
from conformance.errors import AdminCallFailed
from conformance.exitcodes import Outcome
from conformance.protocols.base import SendBudgetExhausted, TestHookError
from conformance.suite import support
from conformance.violations import RuleViolation, TargetBroken

__all__ = ["clean_skip_reason", "record_of"]


def record_of(
    nodeid: str,
    rules: tuple[str, ...],
    report: pytest.TestReport,
    call: pytest.CallInfo[None],
    ctx: support.TestContext | None,
) -> dict[str, Any]:
    """The record of one test: pass, skip (with a one-line reason), fail (its violations),
    broken (the target gave no usable answer) or error (the suite's own bug)."""
    record: dict[str, Any] = {
        "nodeid": nodeid.split("suite/", 1)[-1],
        "rules": list(rules),
        "status": Outcome.PASS,
        "examples": ctx.examples if ctx else 0,
        "events": dict(ctx.events) if ctx else {},
        "reason": "",
        "violations": [],
        **(ctx.tally.record() if ctx else Tally().record()),
    }
    if report.skipped:
        record["status"] = Outcome.SKIP
        longrepr = report.longrepr
        text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        record["reason"] = clean_skip_reason(text)
        return record
    if report.passed:
        return record
    return _failed(record, list(_flatten(call.excinfo.value if call.excinfo else None)), report)


def _failed(
    record: dict[str, Any], errors: list[BaseException], report: pytest.TestReport
) -> dict[str, Any]:
    """`record` for a test that raised `errors`: what they say about the target, or not."""
    budget = [e for e in errors if isinstance(e, SendBudgetExhausted)]
    if budget and len(budget) == len(errors):
        record["status"] = Outcome.SKIP
        record["reason"] = f"not finished: {budget[0]}"
        return record
    violations = [e for e in errors if isinstance(e, RuleViolation)]
    # A test hook (reset, outbox) or a quota call (GetSendQuota, GetAccount) answering
    # garbage is the target's doing, not a suite bug.
    theirs = TargetBroken | TestHookError | AdminCallFailed
    broken = [e for e in errors if isinstance(e, theirs)]
    others = [e for e in errors if not isinstance(e, RuleViolation | theirs)]
    if violations:
        record["status"] = Outcome.FAIL
        record["violations"] = [
            {"rule": v.rule_id, "summary": v.summary, "counterexample": v.counterexample}
            for v in violations
        ]
        record["reason"] = violations[0].summary
    elif broken:
        record["status"] = Outcome.BROKEN
        hook_or_broken = broken[0]
        if isinstance(hook_or_broken, TargetBroken):
            detail = hook_or_broken.detail
            record["counterexample"] = hook_or_broken.counterexample or None
        else:
            detail = str(hook_or_broken)
            record["counterexample"] = None
        record["reason"] = f"target gave no usable answer: {detail}"
    else:
        record["status"] = "error"
        first = others[0] if others else None
        record["reason"] = (
            f"suite error: {type(first).__name__}: {first}"
            if first
            else str(report.longrepr)[:2000]
        )
    return record


def clean_skip_reason(text: str) -> str:
    """One clean line: no "Skipped: " prefix, no Hypothesis "Falsifying explicit example"."""
    line = next((part.strip() for part in str(text).splitlines() if part.strip()), "")
    return line.removeprefix("Skipped: ")


def _flatten(exc: BaseException | None) -> Iterator[BaseException]:
    if exc is None:
        return
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from _flatten(inner)
    else:
        yield exc
