"""Controls for raw messages: a refusal is a rule's only when its control is accepted, and a
SendEmail control (a Destination, a Message) means nothing to a raw message.

A raw request's control is a small well-formed message from the control sender to the
control recipient; sender.verified's keeps the message and only sets a verified Source;
the count rules' keeps the number of recipients; the form rules' (raw.mime, line length,
encoding, size) keeps the senders and recipients and replaces the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from conformance.checks.judgements import sender_control
from conformance.oracle_raw import raw_message
from conformance.profile import TargetProfile
from conformance.raw import RAW_RULES, RECIPIENT_HEADERS, header_addresses, is_raw
from sesconf_strategies.raw import raw_control, raw_count_control, raw_form_control

Control = Callable[[Mapping[str, Any], TargetProfile], dict[str, Any]]
FORM_RULES = frozenset({*RAW_RULES, "size.max"})
"""Rules of the message's form: their control keeps the senders and recipients."""


def raw_counts(params: Mapping[str, Any]) -> tuple[list[int], int | None]:
    """Addresses per To, Cc and Bcc header (group members each), and in Destinations
    (None when not given as a list): what a count control keeps."""
    destinations = params.get("Destinations")
    given = len(destinations) if isinstance(destinations, list) else None
    message = raw_message(params)
    if message is None:
        return [0, 0, 0], given
    return [len(header_addresses(message, (h,))) for h in RECIPIENT_HEADERS], given


def raw_aware(rule_id: str, control: Control | None, *, keeping: bool = False) -> Control | None:
    """`control` for SendEmail requests, the raw control for raw ones; None when the rule
    has no control of either kind."""
    if control is None and (keeping or rule_id not in RAW_RULES):
        return None

    def aware(params: Mapping[str, Any], profile: TargetProfile) -> dict[str, Any]:
        if is_raw(params):
            if keeping:
                return raw_count_control(*raw_counts(params), profile)
            if rule_id == "sender.verified":
                return sender_control(params, profile)
            if rule_id in FORM_RULES:
                return raw_form_control(params, profile)
            return raw_control(params, profile)
        return control(params, profile) if control is not None else dict(params)

    return aware
