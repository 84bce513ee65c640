"""Judging one answer for one rule: the decision every conformance test and replay share.

`judge` returns nothing (the answer is fine) or a `Verdict` (a violation of the rule under
test, or `broken`: no usable answer). It may send controls through the callable it is
given; it never raises and never calls back into a test's context.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from conformance.checks.evidence import Verdict, describe_outcome
from conformance.checks.judgements import (
    RATE_RULE,
    Reading,
    answer_reading,
    baseline,
    is_quota_rejection,
    is_rate_rejection,
    is_throttled,
    read,
    recipients_control,
    rejection_problems,
    sender_control,
    ses_code_problems,
)
from conformance.checks.registry import REGISTRY
from conformance.messages import says_not_verified
from conformance.model import (
    Accept,
    Exchange,
    Expectation,
    RawRequest,
    Reject,
    Rejected,
    describe_expectation,
)
from conformance.oracle_tags import tag_error_owed, without_tags
from conformance.profile import TargetProfile

SES_CODES = "ses.error-codes"
SendControl = Callable[[Mapping[str, Any]], Exchange]
"""Sends a control request (one every conformant target accepts) and returns its answer."""


def judge(
    rule_id: str,
    expectation: Expectation,
    exchange: Exchange,
    *,
    params: Mapping[str, Any] | None,
    profile: TargetProfile,
    send_control: SendControl,
) -> Verdict | None:
    """`rule_id`'s verdict when the answer, read as accepted / rejected / 5xx / no answer,
    contradicts what the oracle says about `rule_id` itself.

    Shapes are the envelope monitors' business, 5xx robust.no-5xx's, no answer `broken`.
    A rejection owed only to other rules says nothing about this one; a refused acceptance
    is this rule's only when its control (the same request with this rule's dimension at
    a value every target accepts) is accepted.
    """
    reading = read(exchange)
    expected = describe_expectation(expectation)
    if reading is Reading.NO_ANSWER:
        return Verdict(rule_id, "", exchange, expected, params=params, broken=True)
    if reading not in (Reading.ACCEPTED, Reading.REJECTED):
        return None
    if isinstance(expectation, Reject) and rule_id in expectation.rules:
        if reading is Reading.ACCEPTED:
            summary = f"expected {expected}, got {describe_outcome(exchange)}"
            return Verdict(rule_id, summary, exchange, expected, params=params)
        problems = rejection_problems(rule_id, expectation, exchange, profile, params=params)
        if (
            problems
            and params is not None
            and refused_for_another_reason(rule_id, params, profile, send_control)
        ):
            problems = ()  # the target refuses it anyway: its message is not this rule's
        if problems:
            return Verdict(rule_id, problems[0], exchange, expected, params, problems=problems)
    elif isinstance(expectation, Accept) and reading is Reading.REJECTED and params is not None:
        why = refusal_is_owed_to(rule_id, exchange, params, profile, send_control)
        if why is not None:
            summary = f"expected accept, got {describe_outcome(exchange)} ({why})"
            return Verdict(rule_id, summary, exchange, expected, params=params)
    return None


def ses_code_findings(
    expectation: Reject,
    exchange: Exchange,
    params: Mapping[str, Any],
    *,
    profile: TargetProfile,
    client: Any,
    send_control: SendControl,
) -> tuple[str, ...]:
    """ses.error-codes for one refusal, unless the target refuses the rule's control too
    (then its code names a reason of its own, not the rule's)."""
    problems = ses_code_problems(expectation, exchange, profile, params, client)
    if problems and len(expectation.rules) == 1:
        (rule_id,) = expectation.rules
        if refused_for_another_reason(rule_id, params, profile, send_control):
            return ()
    return problems


def refused_for_another_reason(
    rule_id: str, params: Mapping[str, Any], profile: TargetProfile, send_control: SendControl
) -> bool:
    """The control (this rule's dimension at a value every target accepts) is refused too:
    the target has a reason of its own to refuse, so the message says nothing of this rule."""
    check = REGISTRY.get(rule_id)
    make = check.reason_control if check is not None else None
    control = make(params, profile) if make is not None else None
    if control is None or control == dict(params):
        return False
    return read(send_control(control)) is not Reading.ACCEPTED


def refusal_is_owed_to(
    rule_id: str,
    exchange: Exchange,
    params: Mapping[str, Any],
    profile: TargetProfile,
    send_control: SendControl,
) -> str | None:
    """Why a refused acceptance is `rule_id`'s fault, or None when it is not (a control).

    Quota refusals are the quota tests' alone, send-rate refusals the rate test's. A
    verified sender's baseline message
    (control recipient and message) refused is sender.verified's: it is the rule's
    documented positive case.
    """
    if rule_id == "quota.recipients":
        return "a quota refusal" if is_quota_rejection(exchange, profile) else None
    if rule_id == RATE_RULE:
        return "a send-rate refusal" if is_rate_rejection(exchange, profile) else None
    if is_throttled(exchange, profile):
        return None
    check = REGISTRY.get(rule_id)
    if check is not None and check.keeping_control is not None:
        keeping = check.keeping_control(params, profile)
        if read(send_control(keeping)) is Reading.REJECTED:
            return "as many control recipients, all else at control values, are refused too"
        return None
    if check is None or check.control is None:
        return None
    control = check.control(params, profile)
    if control != dict(params):
        if read(send_control(control)) is Reading.ACCEPTED:
            return f"the same request with the control value for {rule_id} is accepted"
        return None
    if rule_id != "sender.verified":
        return None
    base = baseline(params, profile)
    if base != dict(params) and read(send_control(base)) is Reading.ACCEPTED:
        return None  # refused for its recipients or message, not its sender
    return "a verified sender's baseline message is refused"


def ses_code_verdict(
    expectation: Expectation,
    exchange: Exchange,
    params: Mapping[str, Any],
    *,
    profile: TargetProfile,
    client: Any,
    send_control: SendControl,
) -> Verdict | None:
    """ses.error-codes' verdict on one answer (its test and replay both ask this)."""
    if not isinstance(expectation, Reject):
        return None
    problems = ses_code_findings(
        expectation, exchange, params, profile=profile, client=client, send_control=send_control
    )
    if not problems:
        return None
    expected = f"real SES codes for {sorted(expectation.rules)}"
    return Verdict(SES_CODES, problems[0], exchange, expected, params, problems=problems)


def answer_verdict(
    rule_id: str,
    exchange: Exchange,
    profile: TargetProfile,
    *,
    params: Mapping[str, Any] | None = None,
    raw: RawRequest | None = None,
) -> Verdict | None:
    """The registry's answer check of `rule_id` (the run-wide monitor's), as a verdict."""
    check = REGISTRY.get(rule_id)
    if check is None or check.answer is None:
        return None
    if not check.judges(answer_reading(exchange, malformed=raw is not None)):
        return None  # as the monitors: e.g. a malformed request's 2xx is no acceptance
    problems = check.answer(exchange, profile)
    if not problems:
        return None
    return Verdict(
        rule_id, problems[0], exchange, check.expected, params, raw=raw, problems=problems
    )


TAGS = "tags.valid"
_IDENTITY_FIRST = (
    "the identity error came before the tag error: real SES checks tags before identities "
    "(ses-ground-truth.md §3.10, §3.15)"
)


def tag_error_verdict(
    expectation: Expectation,
    exchange: Exchange,
    params: Mapping[str, Any],
    *,
    profile: TargetProfile,
    client: Any,
    send_control: SendControl,
) -> Verdict | None:
    """tags.valid's finding on a refusal that must be the tag error (`tag_error_owed`): not
    the identity error, and with real SES's code where the wire has one. A request whose
    control (`_tag_control`) is refused too is refused for a reason of its own (a body the
    target will not take), and its code says nothing of the tags."""
    outcome = exchange.outcome
    if not tag_error_owed(expectation, params) or not isinstance(outcome, Rejected):
        return None
    if read(exchange) is not Reading.REJECTED or is_quota_rejection(exchange, profile):
        return None
    problems: list[str] = []
    if says_not_verified(outcome.message):
        problems.append(f"{_IDENTITY_FIRST}; got {outcome.message[:200]!r}")
    if outcome.code:  # an error without a code is envelope.error's finding
        problems += client.error_code_problems(
            frozenset({TAGS}), outcome, source_syntax_invalid=False
        )
    if not problems:
        return None
    if read(send_control(_tag_control(params, profile))) is not Reading.ACCEPTED:
        return None  # refused for a reason neither the tags nor the identities explain
    expected = "the tag error (InvalidParameterValue where the wire has SES codes)"
    return Verdict(TAGS, problems[0], exchange, expected, params, problems=tuple(problems))


def _tag_control(params: Mapping[str, Any], profile: TargetProfile) -> dict[str, Any]:
    """The request without its tags, from the control sender to the control recipient:
    what is left is the message, which every conformant target accepts when only the tags
    and the identities were wrong (`tag_error_owed`)."""
    return recipients_control(sender_control(without_tags(params, profile), profile), profile)
