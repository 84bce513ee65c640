"""The catalogue's rules, each registered once with its judgement: the text is
`conformance.rules` (the strategies read it too), everything that judges it is here."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from conformance.checks.judge import tag_error_verdict
from conformance.checks.judgements import (
    Reading,
    content_type_problems,
    count_control,
    created_at_problems,
    error_problems,
    no_5xx_problems,
    recipients_control,
    sender_control,
    shape_control,
    size_control,
    status_problems,
    success_problems,
    valid_recipients_control,
)
from conformance.checks.raw_controls import raw_aware
from conformance.checks.registry import (
    AnswerCheck,
    Check,
    Replay,
    accepted_or_rejected,
    any_answer,
    register,
)
from conformance.classes import declared
from conformance.oracle_raw import expect_any, expect_raw_lines
from conformance.oracle_tags import expect_tags, without_tags
from conformance.profile import TargetProfile
from conformance.rules import RULES, Rule


def _accepted(reading: Reading) -> bool:
    return reading is Reading.ACCEPTED


def _rejected(reading: Reading) -> bool:
    return reading is Reading.REJECTED


def _answered(reading: Reading) -> bool:
    """robust.no-5xx reads a 5xx, and a 2xx to a malformed request, too: they are the very
    answers the rule forbids."""
    return reading in (
        Reading.ACCEPTED,
        Reading.REJECTED,
        Reading.SERVER_ERROR,
        Reading.NOT_A_SEND,
    )


def _classes(rule_id: str, profile: TargetProfile) -> tuple[str, ...]:
    return declared(rule_id, profile)


_ANSWER: dict[str, tuple[AnswerCheck, Callable[[Reading], bool] | None, str]] = {
    "envelope.success": (success_problems, _accepted, "the success envelope on every acceptance"),
    "envelope.error": (error_problems, _rejected, "the error envelope on every refusal"),
    "http.status": (status_problems, None, "2xx with a success, 4xx with an error"),
    "http.content-type": (content_type_problems, None, "application/json on every envelope"),
    "robust.no-5xx": (no_5xx_problems, None, "no 5xx, whatever the request"),
    "envelope.created-at": (
        created_at_problems,
        _accepted,
        "created_at within 5 minutes of the client's clock",
    ),
}
_CONTROLS = {
    "sender.verified": sender_control,
    "sandbox.recipients": recipients_control,
    "recipients.valid": valid_recipients_control,
    "size.max": size_control,
    "request.required": shape_control,
    "tags.valid": without_tags,
}
_ORACLES = {"tags.valid": expect_tags, "raw.line-length": expect_raw_lines}  # at SHOULD
_KEEPING = {"recipients.max": count_control, "recipients.min": count_control}
_REASON = {**_CONTROLS, "recipients.max": recipients_control, "recipients.min": recipients_control}
_REPLAY = {
    "recipients.valid": Replay.ATOMIC,
    "envelope.id-unique": Replay.ID_UNIQUE,
    "robust.no-5xx": Replay.NO_5XX,
    "ses.error-codes": Replay.ERROR_CODES,
    "quota.recipients": Replay.NONE,
    "rate.max-send-rate": Replay.NONE,
    "tags.valid": Replay.BODY,
    "raw.encoding": Replay.NONE,  # INFO: recorded, never failed, so never replayed
}
_STATEFUL = frozenset({"quota.recipients", "rate.max-send-rate"})
"""Judged over a sequence of sends (a count, a rate): one request says nothing."""

_ID_EXPECTED = "a new id for every accepted message"


def _tags_body(ctx: Any, case: Any) -> None:
    """tags.valid's test and its replay alike: the oracle's judgement, then whether the
    refusal is the tag error (before the identity error, with SES's code)."""
    exchange = ctx.check(case)
    params = case.request.params
    ctx.verdict(
        tag_error_verdict(
            ctx.expectation(params),
            exchange,
            ctx.target_params(params),
            profile=ctx.profile,
            client=ctx.target.client,
            send_control=ctx.send_control,
        )
    )


_BODIES = {"tags.valid": _tags_body}


def _check_of(rule: Rule) -> Check:
    answer, judges, expected = _ANSWER.get(rule.id, (None, None, ""))
    return Check(
        rule,
        classes=partial(_classes, rule.id),
        answer=answer,
        judges=judges or any_answer,
        expected=_ID_EXPECTED if rule.id == "envelope.id-unique" else expected,
        control=raw_aware(rule.id, _CONTROLS.get(rule.id)),
        keeping_control=raw_aware(rule.id, _KEEPING.get(rule.id), keeping=True),
        reason_control=raw_aware(rule.id, _REASON.get(rule.id)),
        stateful=rule.id in _STATEFUL,
        replay=_REPLAY.get(rule.id, Replay.CHECKED),
        monitored=rule.id in _ANSWER or rule.id == "envelope.id-unique",
        readable=_answered if rule.id == "robust.no-5xx" else accepted_or_rejected,
        oracle=_ORACLES.get(rule.id, expect_any),
        body=_BODIES.get(rule.id),
    )


for _rule in RULES.values():
    register(_check_of(_rule))
