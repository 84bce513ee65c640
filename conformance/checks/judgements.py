"""The judgements the registry's checks are made of: the tests, the run-wide monitors and
`sesconf replay` all call these functions, so a rule is judged the same way everywhere.

- `read(exchange)`: what a rule's own test may conclude from an answer (accepted, rejected,
  5xx, no answer); shape problems are the envelope monitors' business.
- the answer checks (`success_problems`, ...): judged on every exchange of a run.
- the controls (`sender_control`, ...): for a rule that owns a dimension of the request,
  the same request with that dimension at a value every conformant target accepts.
The registry (`conformance.checks.registry`) says which rule uses which.
- `rejection_problems`: the message and pinned-code checks, only when the rule under test
  is the only documented reason for the refusal.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from conformance.addresses import AddressClass, bare_address, classify_address
from conformance.members import DESTINATION_LISTS
from conformance.messages import says_not_verified, says_quota
from conformance.model import (
    Accepted,
    Exchange,
    Reject,
    Rejected,
    TransportFailure,
    Unrecognized,
)
from conformance.oracle import recipients_of
from conformance.oracle_raw import sender_well_formed
from conformance.profile import TargetProfile
from conformance.protocols.envelope import parse_timestamp, space_separated
from conformance.verification import subdomain_depth
from sesconf_strategies.controls import CONTROL_MESSAGE, control_recipient, control_sender

CREATED_AT_TOLERANCE = timedelta(minutes=5)
VERIFICATION_RULES = frozenset({"sender.verified", "sandbox.recipients"})
RATE_RULE = "rate.max-send-rate"
QUOTA_CODES = frozenset(
    {"THROTTLING", "Throttling", "TooManyRequestsException", "LimitExceededException"}
)


class Reading(StrEnum):
    """All a rule's own test reads from an answer."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SERVER_ERROR = "5xx"
    NO_ANSWER = "no answer"
    OTHER = "other status"
    NOT_A_SEND = "2xx to no SendEmail call"
    """Only the answer rules read this (`answer_reading`): a malformed request's 2xx."""


def status_of(exchange: Exchange) -> int | None:
    return exchange.response.status if exchange.response is not None else None


def read(exchange: Exchange) -> Reading:
    """Accepted, rejected (any 4xx, whatever its body), 5xx, no answer, or another status.

    A recognised envelope decides (an error envelope sent with HTTP 200 is a rejection:
    its status is http.status's business); an unrecognised body goes by its status. A
    well-formed success is an acceptance whatever its status: the target took the message
    (and counted it), and a 5xx is robust.no-5xx's finding alone.
    """
    outcome = exchange.outcome
    status = status_of(exchange)
    if isinstance(outcome, TransportFailure):
        return Reading.NO_ANSWER
    if status is not None and status >= 500:
        return Reading.ACCEPTED if well_formed_success(exchange) else Reading.SERVER_ERROR
    if isinstance(outcome, Accepted):
        return Reading.ACCEPTED
    if isinstance(outcome, Rejected):
        return Reading.REJECTED
    if status is not None and 200 <= status < 300:
        return Reading.ACCEPTED
    if status is not None and 400 <= status < 500:
        return Reading.REJECTED
    return Reading.OTHER


def answer_reading(exchange: Exchange, *, malformed: bool) -> Reading:
    """How the answer rules (the run-wide monitors, replay) read an answer: as `read`,
    except that a 2xx to a malformed request (a body that is no SendEmail call) accepts no
    message. Refusing such a request is robust.no-5xx's demand alone, so no check of an
    acceptance (envelope.success, envelope.created-at, the ids) judges the answer."""
    reading = read(exchange)
    return Reading.NOT_A_SEND if malformed and reading is Reading.ACCEPTED else reading


def well_formed_success(exchange: Exchange) -> bool:
    """A success envelope with no envelope.success finding: an acceptance by any status."""
    return isinstance(exchange.outcome, Accepted) and not exchange.problems.get("envelope.success")


def is_quota_rejection(exchange: Exchange, profile: TargetProfile) -> bool:
    """A refusal for the daily quota (real SES: Throttling, "Daily message quota exceeded.");
    where the profile enforces a send rate, a throttling refusal for the rate is not one."""
    outcome = exchange.outcome
    if not isinstance(outcome, Rejected) or is_rate_rejection(exchange, profile):
        return False
    pinned = profile.codes.get("quota.recipients")
    if pinned:
        return outcome.code in pinned
    return outcome.code in QUOTA_CODES or says_quota(outcome.message)


def is_rate_rejection(exchange: Exchange, profile: TargetProfile) -> bool:
    """A throttling refusal for the send rate, in a run whose profile enforces one
    (`account.rate_enforced`): a throttling code (or the one pinned for the rule) whose
    message does not name the quota. A valid reason for any refusal (rules.md, Send rate)."""
    outcome = exchange.outcome
    if not profile.account.rate_enforced or not isinstance(outcome, Rejected):
        return False
    pinned = profile.codes.get(RATE_RULE)
    if not (outcome.code in pinned if pinned else outcome.code in QUOTA_CODES):
        return False
    return not says_quota(outcome.message)


def is_throttled(exchange: Exchange, profile: TargetProfile) -> bool:
    """Refused for the quota or the send rate: a valid reason for any refusal."""
    return is_quota_rejection(exchange, profile) or is_rate_rejection(exchange, profile)


# --- the answer rules (run-wide monitors) -------------------------------------------------


def _unrecognized(exchange: Exchange) -> tuple[str, ...]:
    outcome = exchange.outcome
    return (outcome.reason,) if isinstance(outcome, Unrecognized) else ()


def success_problems(exchange: Exchange, profile: TargetProfile) -> tuple[str, ...]:
    """envelope.success, on every acceptance."""
    if read(exchange) is not Reading.ACCEPTED:
        return ()
    return tuple(exchange.problems.get("envelope.success", ())) or _unrecognized(exchange)


def error_problems(exchange: Exchange, profile: TargetProfile) -> tuple[str, ...]:
    """envelope.error, on every refusal below 500 (a 5xx body is robust.no-5xx's)."""
    if read(exchange) is not Reading.REJECTED:
        return ()
    return tuple(exchange.problems.get("envelope.error", ())) or _unrecognized(exchange)


def status_problems(exchange: Exchange, profile: TargetProfile) -> tuple[str, ...]:
    """http.status, on every answer below 500: 2xx with success, 4xx with an error."""
    reading = read(exchange)
    if reading in (Reading.NO_ANSWER, Reading.SERVER_ERROR):
        return ()
    found = tuple(exchange.problems.get("http.status", ()))
    if not found and reading is Reading.OTHER:
        found = (f"HTTP {status_of(exchange)}: neither 2xx nor 4xx",)
    return found


def content_type_problems(exchange: Exchange, profile: TargetProfile) -> tuple[str, ...]:
    """http.content-type, on every answer below 500 (a 5xx is robust.no-5xx's): the
    envelope's media type, a SHOULD beside the envelope's JSON, which is all a MUST fixes."""
    if read(exchange) in (Reading.NO_ANSWER, Reading.SERVER_ERROR):
        return ()
    return tuple(exchange.problems.get("http.content-type", ()))


def no_5xx_problems(exchange: Exchange, profile: TargetProfile) -> tuple[str, ...]:
    """robust.no-5xx, on every answer (a success sent with a 5xx included)."""
    status = status_of(exchange)
    if status is None or status < 500:
        return ()
    return tuple(exchange.problems.get("robust.no-5xx", ())) or (f"HTTP {status}",)


def created_at_problems(
    exchange: Exchange, profile: TargetProfile, *, now: datetime | None = None
) -> tuple[str, ...]:
    """envelope.created-at, on every success that carries a readable created_at (an
    unreadable one is envelope.success's): near the client's clock, and written with the
    `T` of RFC 3339's grammar (a space, the section 5.6 NOTE's choice, is a SHOULD finding)."""
    outcome = exchange.outcome
    if not isinstance(outcome, Accepted) or not outcome.created_at:
        return ()
    stamp = parse_timestamp(outcome.created_at)
    if stamp is None:
        return ()
    found: list[str] = []
    if space_separated(outcome.created_at):
        found.append(
            f"created_at {outcome.created_at!r} has a space where RFC 3339's date-time has "
            "'T' (section 5.6 NOTE: readable, but not the interchange form)"
        )
    now = now or datetime.now(UTC)
    if abs(now - stamp) > CREATED_AT_TOLERANCE:
        found.append(
            f"created_at {outcome.created_at} is {now - stamp} away from the client's clock "
            f"({now.isoformat()}); tolerance {CREATED_AT_TOLERANCE}"
        )
    return tuple(found)


def accepted_id(exchange: Exchange) -> str | None:
    """The id an acceptance carries, for envelope.id-unique over the whole run."""
    outcome = exchange.outcome
    if read(exchange) is Reading.ACCEPTED and isinstance(outcome, Accepted) and outcome.id:
        return outcome.id
    return None


# --- the rules' own judgement of a refusal ------------------------------------------------


def only_reason(rule_id: str, expectation: Reject) -> bool:
    """The rule under test is the only documented reason to refuse this request."""
    return expectation.rules == frozenset({rule_id}) and not expectation.gray


def rejection_problems(
    rule_id: str,
    expectation: Reject,
    exchange: Exchange,
    profile: TargetProfile,
    *,
    params: Mapping[str, Any] | None = None,
) -> tuple[str, ...]:
    """The message and pinned-code checks of a refusal owed to `rule_id` alone.

    A quota or send-rate refusal is a valid reason for any refusal; an error without a
    message is envelope.error's finding, not this rule's.
    """
    outcome = exchange.outcome
    if not isinstance(outcome, Rejected) or not only_reason(rule_id, expectation):
        return ()
    if is_throttled(exchange, profile):
        return ()
    problems: list[str] = []
    message = outcome.message
    if (
        rule_id in VERIFICATION_RULES
        and isinstance(message, str)
        and message
        and _addresses_well_formed(params)
        and not says_not_verified(message)
    ):
        problems.append(
            f"the error message must contain 'not verified' (documentation: "
            f'"Email address not verified"); got {message[:300]!r}'
        )
    pin = profile.codes.get(rule_id)
    if pin and outcome.code not in pin:
        problems.append(f"error code {outcome.code!r} is not one pinned by the profile {pin}")
    return tuple(problems)


def _addresses_well_formed(params: Mapping[str, Any] | None) -> bool:
    if params is None:
        return False
    source = params.get("Source")
    if not isinstance(source, str):
        return False
    if classify_address(source, role="source").cls is not AddressClass.VALID:
        return False
    return all(
        classify_address(r, role="recipient").cls is AddressClass.VALID
        for r in recipients_of(params)
    )


def ses_code_problems(
    expectation: Reject,
    exchange: Exchange,
    profile: TargetProfile,
    params: Mapping[str, Any],
    client: Any,
) -> tuple[str, ...]:
    """ses.error-codes for one refusal: real SES's code for the one documented reason (the
    client knows its wire's code table; a wire without SES codes finds nothing)."""
    outcome = exchange.outcome
    if not client.rule_applies("ses.error-codes") or not isinstance(outcome, Rejected):
        return ()
    if read(exchange) is not Reading.REJECTED or not outcome.code:
        return ()  # a 5xx is robust.no-5xx's, an error without a code envelope.error's
    if expectation.gray or is_throttled(exchange, profile):
        return ()
    syntax_invalid = not sender_well_formed(params)
    return tuple(
        client.error_code_problems(expectation.rules, outcome, source_syntax_invalid=syntax_invalid)
    )


# --- controls -----------------------------------------------------------------------------


def _with(params: Mapping[str, Any], key: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(dict(params))
    out[key] = copy.deepcopy(value)
    return out


def sender_control(params: Mapping[str, Any], profile: TargetProfile) -> dict[str, Any]:
    return _with(params, "Source", control_sender(profile))


def recipients_control(params: Mapping[str, Any], profile: TargetProfile) -> dict[str, Any]:
    return _with(params, "Destination", {"ToAddresses": [control_recipient(profile)]})


def valid_recipients_control(params: Mapping[str, Any], profile: TargetProfile) -> dict[str, Any]:
    """In the sandbox, recipients_control plus one short address as many subdomains deep
    under the same verified domain for each recipient below one: an address reaches 254
    characters only under subdomains, and a sandboxed target refusing a subdomain's
    address refuses it for the sandbox's reason (sandbox.recipients, whose classes reach
    every depth), not for its form. Out of the sandbox any recipient is deliverable, so
    the plain control stands (and a target refusing deep domains fails this rule)."""
    if not profile.account.sandbox:
        return recipients_control(params, profile)
    controls = [control_recipient(profile)]
    for address in recipients_of(params):
        domain = bare_address(address).rpartition("@")[2]
        depth = subdomain_depth(domain, profile.identities.verified_domains)
        if depth is not None:
            control = f"r@{'a.' * depth[0]}{depth[1]}"
            if control not in controls:
                controls.append(control)
    return _with(params, "Destination", {"ToAddresses": controls})


def message_control(params: Mapping[str, Any], profile: TargetProfile) -> dict[str, Any]:
    return _with(params, "Message", CONTROL_MESSAGE)


def shape_control(params: Mapping[str, Any], profile: TargetProfile) -> dict[str, Any]:
    """Source and Destination as sent, the control message, and no other member: the
    request's shape (its optional and unknown members, the Message's form) is
    request.required's dimension, so a target refusing a null optional member is seen."""
    out = {key: copy.deepcopy(params[key]) for key in ("Source", "Destination") if key in params}
    out["Message"] = copy.deepcopy(CONTROL_MESSAGE)
    return out


def size_control(params: Mapping[str, Any], profile: TargetProfile) -> dict[str, Any]:
    """The same message, every non-empty Data cut to one character: only its size changes."""
    out = copy.deepcopy(dict(params))
    message = out.get("Message")
    if not isinstance(message, dict):
        return message_control(params, profile)
    found = message.get("Body")
    body: dict[str, Any] = found if isinstance(found, dict) else {}
    for content in (message.get("Subject"), body.get("Text"), body.get("Html")):
        if isinstance(content, dict) and isinstance(content.get("Data"), str) and content["Data"]:
            content["Data"] = "x"  # an empty Data stays empty: emptiness is not size
    return out


def count_control(params: Mapping[str, Any], profile: TargetProfile) -> dict[str, Any]:
    """As many recipients in each list, all at the control value, and a control sender and
    message: refused too, the count is why (this control keeps the rule's dimension)."""
    destination = params.get("Destination")
    lists = destination if isinstance(destination, Mapping) else {}
    domains = profile.identities.verified_domains
    serial = iter(range(10_000))

    def address() -> str:
        i = next(serial)
        return f"control{i}@{domains[0]}" if domains else f"success+c{i}@simulator.amazonses.com"

    kept = {
        key: [address() for item in value if isinstance(item, str)]
        for key, value in lists.items()
        if key in DESTINATION_LISTS and isinstance(value, list)
    }
    out = _with(params, "Destination", kept)
    out["Source"] = control_sender(profile)
    out["Message"] = copy.deepcopy(CONTROL_MESSAGE)
    return out


def baseline(params: Mapping[str, Any], profile: TargetProfile) -> dict[str, Any]:
    """The request's Source with everything else at the control values."""
    out = recipients_control(params, profile)
    out["Message"] = copy.deepcopy(CONTROL_MESSAGE)
    return out
