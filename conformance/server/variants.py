"""Planted-fault switches that depend on the request: monitor-only faults (wrong only on
requests a rule's own test never sends) and correct-but-different variants, among them
the legal choices a SHOULD rule still reports (`non-strict`: the envelope's media type,
created_at's separator).

The engine asks three things per request: whether to refuse early, how to rewrite its
result, and which wire switches to turn on for this one answer (the wires already know
how to render `created-at-missing`, `status-200-on-error`, ...).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from conformance.members import DESTINATION_LISTS
from conformance.profile import TargetProfile
from conformance.server.results import Accepted, Kind, Refused, Result

BAD_SUCCESS = frozenset({"created-at-missing", "query-requestid-missing", "sesv2-no-message-id"})
BAD_ERROR = frozenset({"error-without-message", "query-error-type-missing", "sesv2-no-error-type"})
_CC, _BCC = DESTINATION_LISTS[1:]
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
ODD_STATUSES = {"not-verified": 403, "too-large": 413, "invalid-address": 422}


def error_media_type(on: frozenset[str]) -> str:
    """The error envelope's media type: RFC 9457's for problem-json-errors (the envelope
    exact, so http.content-type's SHOULD finding alone)."""
    return PROBLEM_JSON if "problem-json-errors" in on else JSON


def created_at_text(on: frozenset[str], stamp: str) -> str:
    """created_at as written: a space for the `T` for created-at-space (RFC 3339 section
    5.6 NOTE: a date-time still, so envelope.created-at's SHOULD finding alone)."""
    return stamp.replace("T", " ", 1) if "created-at-space" in on else stamp


def _lists(params: Mapping[str, Any]) -> dict[str, list[Any]]:
    destination = params.get("Destination")
    if not isinstance(destination, Mapping):
        return {key: [] for key in DESTINATION_LISTS}
    return {
        key: list(value) if isinstance(value, list) else []
        for key, value in ((k, destination.get(k)) for k in DESTINATION_LISTS)
    }


def _only(params: Mapping[str, Any], key: str) -> bool:
    lists = _lists(params)
    return bool(lists[key]) and not any(v for k, v in lists.items() if k != key)


def early_refusal(on: frozenset[str], params: Mapping[str, Any]) -> Refused | None:
    """A refusal before the usual checks (params are well typed here), or None."""
    if "500-on-cc-only" in on and _only(params, _CC):
        return Refused(Kind.INTERNAL, "Internal failure.", status=500)
    if "refuse-empty-body" in on:
        body = (params.get("Message") or {}).get("Body") or {}
        datas = [(body.get(part) or {}).get("Data") for part in ("Text", "Html")]
        present = [d for d in datas if isinstance(d, str)]
        if present and not any(present):
            return Refused(Kind.MISSING_MEMBER, "Message must have either a HTML or Text body.")
    return None


def rewritten(on: frozenset[str], params: Mapping[str, Any], result: Result) -> Result:
    """The result as a variant answers it: echoed input, its own statuses."""
    if not isinstance(result, Refused):
        return result
    if "echo-input" in on:
        echo = json.dumps(params, ensure_ascii=False, default=repr)
        result = replace(result, message=f"{result.message} Request: {echo}")
    if "odd-statuses" in on and result.kind.value in ODD_STATUSES:
        result = replace(result, status=ODD_STATUSES[result.kind.value])
    if "status-200-on-size-error" in on and result.kind is Kind.TOO_LARGE:
        result = replace(result, status=200)
    if "identities-any-order" in on and result.kind is Kind.NOT_VERIFIED:
        result = replace(result, message=_other_order(result.message))
    return result


def _other_order(message: str) -> str:
    """The "failed the check" list last first, in another region: real SES lists the
    identities in no stable order (ses-ground-truth.md §3.4) and names its own region."""
    head, marker, rest = message.partition(" in region ")
    _region, colon, names = rest.partition(": ")
    if not (marker and colon):
        return message
    return f"{head} in region EU-CENTRAL-1: {', '.join(reversed(names.split(', ')))}"


def request_switches(
    on: frozenset[str], params: Mapping[str, Any], result: Result, profile: TargetProfile
) -> frozenset[str]:
    """Wire switches for this one answer."""
    extra: set[str] = set()
    if isinstance(result, Accepted):
        count = sum(len(v) for v in _lists(params).values())
        if "bad-success-at-limit" in on and count == profile.limits.max_recipients:
            extra |= BAD_SUCCESS
        if "created-at-stale-bcc-only" in on and _only(params, _BCC):
            extra.add("created-at-stale")
    elif isinstance(result, Refused) and result.kind is Kind.THROTTLED:
        extra |= BAD_ERROR if "bad-error-on-quota" in on else frozenset()
    return frozenset(extra)


def countable_guess(params: Mapping[str, Any]) -> int:
    """Recipients of a possibly ill-typed request (for the rejected-counted fault)."""
    destination = params.get("Destination")
    if not isinstance(destination, Mapping):
        return 1
    lists = [destination.get(key) for key in DESTINATION_LISTS]
    return max(1, sum(len(value) for value in lists if isinstance(value, list)))
