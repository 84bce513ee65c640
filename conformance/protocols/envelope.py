"""The documented JSON envelope API (protocols.md section 1): encoding and judging answers.

Normalisation is lenient, so one envelope fault does not fail every rule that only needs
to know "accepted or rejected"; the strict envelope findings go to `Exchange.problems`,
keyed by the rule they break, for the envelope rules alone to judge.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

# The model's answer types, named as the Query and v2 clients name them (each builds them).
from conformance.model import (
    Accepted,
    Answer,
    Exchange,
    RawRequest,
    Rejected,
    SendEmailRequest,
    TransportFailure,
    Unrecognized,
    WireResponse,
)
from conformance.protocols.base import HttpClient
from conformance.protocols.bounded import json_reason, load_json, shown
from conformance.protocols.sesv2 import switch_sandbox
from conformance.raw import RAW_RULES

__all__ = ["EnvelopeClient", "judge_envelope", "parse_timestamp", "space_separated"]

SUCCESS = "envelope.success"
ERROR = "envelope.error"
STATUS = "http.status"
NO_5XX = "robust.no-5xx"
CONTENT_TYPE = "http.content-type"

_RFC3339 = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})[Tt ]"
    r"(?P<h>[0-9]{2}):(?P<mi>[0-9]{2}):(?P<s>[0-9]{2})(?:\.(?P<frac>[0-9]+))?"
    r"(?P<zone>[Zz]|(?P<sign>[+-])(?P<zh>[0-9]{2}):(?P<zm>[0-9]{2}))"
)


def parse_timestamp(text: str) -> datetime | None:
    """An RFC 3339 date-time with a zone (Z or +hh:mm) as an aware datetime; else None.

    A leap second (:60) is read as :59, since datetime cannot hold it. A space for the `T`
    is read too (RFC 3339 section 5.6, NOTE): a date-time still, for envelope.success;
    envelope.created-at, a SHOULD, asks for the `T` (`space_separated`).
    """
    if not isinstance(text, str):
        return None
    match = _RFC3339.fullmatch(text)
    if match is None:
        return None
    g = match.groupdict()
    try:
        offset = timedelta(0)
        if g["sign"]:
            hours, minutes = int(g["zh"]), int(g["zm"])
            if hours > 23 or minutes > 59:
                return None
            offset = timedelta(hours=hours, minutes=minutes) * (-1 if g["sign"] == "-" else 1)
        second = int(g["s"])
        if second > 60:
            return None
        micros = int((g["frac"] or "0")[:6].ljust(6, "0"))
        return datetime(
            int(g["y"]), int(g["mo"]), int(g["d"]), int(g["h"]), int(g["mi"]), min(second, 59),
            micros, tzinfo=UTC if not g["sign"] else timezone(offset),
        )  # fmt: skip
    except ValueError:  # month 13, 30 February, hour 24
        return None


def space_separated(text: str) -> bool:
    """A readable date-time written with a space where RFC 3339's grammar has `T`."""
    return parse_timestamp(text) is not None and text[10] == " "


# --- judging an answer ----------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.found: dict[str, list[str]] = {}

    def add(self, rule: str, text: str) -> None:
        self.found.setdefault(rule, []).append(text)

    def frozen(self) -> dict[str, tuple[str, ...]]:
        return {rule: tuple(texts) for rule, texts in self.found.items()}


def _shown(value: Any) -> str:
    return shown(value, 80)


def _check_content_type(response: WireResponse, problems: _Problems) -> None:
    """http.content-type (SHOULD): the documentation fixes the envelopes' JSON, not the
    media type, so an exact envelope served otherwise is this finding alone."""
    raw = response.header("Content-Type")
    if raw is None:
        problems.add(CONTENT_TYPE, "no Content-Type header (expected application/json)")
        return
    media, *params = (part.strip() for part in raw.split(";"))
    charset_ok = all(p.lower().replace('"', "") in ("charset=utf-8", "") for p in params)
    if media.lower() != "application/json" or not charset_ok:
        problems.add(CONTENT_TYPE, f"Content-Type is {raw!r}, expected application/json")


def _check_status(status: int, shape: str, problems: _Problems) -> None:
    if 500 <= status <= 599:
        problems.add(NO_5XX, f"HTTP {status}")
    elif not (200 <= status <= 299 or 400 <= status <= 499):
        problems.add(STATUS, f"HTTP {status}: neither 2xx nor 4xx")
    elif shape == SUCCESS and status >= 300:
        problems.add(STATUS, f"success envelope with HTTP {status}, expected 2xx")
    elif shape == ERROR and status < 300:
        problems.add(STATUS, f"error envelope with HTTP {status}, expected 4xx")


def _check_success(body: dict[str, Any], problems: _Problems) -> None:
    success = body.get("success", ...)
    if success is not True:
        problems.add(SUCCESS, f"success is {_shown(success)}, expected the JSON boolean true")
    data = body.get("data", ...)
    if not isinstance(data, dict):
        problems.add(SUCCESS, f"data is {_shown(data)}, expected an object")
        data = {}
    ident = data.get("id", ...)
    if not isinstance(ident, str) or not ident:
        problems.add(SUCCESS, f"data.id is {_shown(ident)}, expected a non-empty string")
    created = data.get("created_at", ...)
    if not isinstance(created, str) or parse_timestamp(created) is None:
        problems.add(
            SUCCESS,
            f"data.created_at is {_shown(created)}, expected an RFC 3339 timestamp with a zone",
        )
    if "error" in body:
        problems.add(SUCCESS, f"an error member is present: {_shown(body['error'])}")


# The error envelope's members, checked as _check_success checks the success's: alike in
# shape, different facts (a table would hide which message goes with which member).
def _check_error(body: dict[str, Any], problems: _Problems) -> None:
    success = body.get("success", ...)
    if success is not False:
        problems.add(ERROR, f"success is {_shown(success)}, expected the JSON boolean false")
    error = body.get("error", ...)
    if not isinstance(error, dict):
        problems.add(ERROR, f"error is {_shown(error)}, expected an object")
        error = {}
    for member in ("code", "message"):
        value = error.get(member, ...)
        if not isinstance(value, str) or not value:
            problems.add(ERROR, f"error.{member} is {_shown(value)}, expected a non-empty string")
    if "data" in body:
        problems.add(ERROR, f"a data member is present: {_shown(body['data'])}")


def _outcome(body: dict[str, Any], status: int, shape: str) -> Answer:
    success = body.get("success", ...)
    error = body.get("error")
    if shape == SUCCESS and (success is True or _contradicts_itself(body)):
        data = body.get("data")
        data = data if isinstance(data, dict) else {}
        ident, created = data.get("id"), data.get("created_at")
        return Accepted(
            id=ident if isinstance(ident, str) else None,
            created_at=created if isinstance(created, str) else None,
        )
    readable = success is False or (success is ... and isinstance(error, dict))
    if shape == ERROR and (readable or _contradicts_itself(body)):
        error = error if isinstance(error, dict) else {}
        code, message = error.get("code"), error.get("message")
        return Rejected(
            code=code if isinstance(code, str) else None,
            message=message if isinstance(message, str) else None,
            status=status,
        )
    if success is ...:
        return Unrecognized("JSON object with neither success nor an error object", status)
    return Unrecognized(f"success is {_shown(success)}, not a JSON boolean", status)


def judge_envelope(response: WireResponse) -> tuple[Answer, dict[str, tuple[str, ...]]]:
    """The lenient outcome of one answer and its strict findings, keyed by rule id.

    The envelope's shape decides which rule judges it: `success: true` is a success,
    `success: false` or an error object an error, and anything else (a body that
    contradicts itself included) goes by the status.
    """
    status = response.status
    problems = _Problems()
    by_status = SUCCESS if 200 <= status <= 299 else ERROR
    body: Any = None
    reason = ""
    if response.truncated:
        reason = f"body cut off after {len(response.body)} bytes"
    else:
        body, error = load_json(response.body)
        if error is not None:
            reason = json_reason(response.body, error)
        elif not isinstance(body, dict):
            reason = f"body is JSON but not an object: {_shown(body)}"
    if not isinstance(body, dict):  # no envelope: its media type says nothing more
        problems.add(by_status, reason)
        _check_status(status, by_status, problems)
        return Unrecognized(reason, status), problems.frozen()
    shape = _shape(body, by_status)
    (_check_success if shape == SUCCESS else _check_error)(body, problems)
    _check_content_type(response, problems)
    _check_status(status, shape, problems)
    return _outcome(body, status, shape), problems.frozen()


def _contradicts_itself(body: dict[str, Any]) -> bool:
    """`success: true` with an `error` member, or `success: false` with `data`."""
    success = body.get("success", ...)
    return (success is True and "error" in body) or (success is False and "data" in body)


def _shape(body: dict[str, Any], by_status: str) -> str:
    """Which envelope the body is: its own `success` decides, unless it contradicts itself
    (then the status does, and the contradiction is that envelope's finding alone: every
    other rule reads the answer by its status)."""
    success = body.get("success", ...)
    if _contradicts_itself(body):
        return by_status
    if success is True:
        return SUCCESS
    if success is False or "error" in body:
        return ERROR
    return by_status


# --- the client -----------------------------------------------------------------------


class EnvelopeClient(HttpClient):
    """POSTs the SES parameters as JSON to the profile's URL, exactly as given."""

    name = "envelope"
    RULES_NOT_APPLICABLE = frozenset({"ses.error-codes", *RAW_RULES})
    """SES codes, and raw messages: the envelope wire carries SendEmail alone."""

    def switch_sandbox(self) -> None:
        switch_sandbox(self.profile)

    def send(self, request: SendEmailRequest) -> Exchange:
        if not isinstance(request, SendEmailRequest):
            raise TypeError(f"send: expected a SendEmailRequest, got {type(request).__name__}")
        try:
            body = json.dumps(request.params, ensure_ascii=False).encode()
        except UnicodeEncodeError:  # a lone surrogate: \ud800 escapes carry the same value
            body = json.dumps(request.params, ensure_ascii=True).encode()
        return self._post(body, "application/json")

    def send_raw(self, raw: RawRequest) -> Exchange:
        if not isinstance(raw, RawRequest):
            raise TypeError(f"send_raw: expected a RawRequest, got {type(raw).__name__}")
        return self._post(raw.body, raw.content_type)

    def _post(self, body: bytes, content_type: str) -> Exchange:
        headers = {"Content-Type": content_type, "Accept": "application/json"}
        result = self._send_call("POST", self.profile.url, headers=headers, body=body)
        response, failure = result.response, result.failure
        if response is None:
            lost = failure or TransportFailure("connection", "no answer")
            return Exchange(result.request, None, lost, {}, self.name)
        if failure is not None and failure.kind != "too-large":
            return Exchange(result.request, response, failure, {}, self.name)
        outcome, problems = judge_envelope(response)
        # too large: the findings stand (the body is cut), the outcome is the failure
        return Exchange(result.request, response, failure or outcome, problems, self.name)
