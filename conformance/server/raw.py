"""The reference's raw messages (SendRawEmail, SESv2 `Content.Raw`): every documented rule
applied to the message, with raw.mime and raw.line-length, in real SES's words
(ses-ground-truth.md §3.7, §3.8, §10).

The message is read by `conformance.raw`, the oracle's own reader. What passes becomes a
SendEmail-shaped view (Source, Destination lists) that the engine verifies, counts
against the quota and delivers under its lock, as it does a SendEmail request. Order:
members, size, MIME form, address syntax, recipients' presence and count, line length,
then identities and quota (real SES parses before it verifies, §3.15).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from conformance.addresses import AddressClass, classify_address
from conformance.profile import SES_SIZE_LIMIT, SESV2_SIZE_LIMIT
from conformance.raw import (
    LINE_LIMIT,
    RECIPIENT_HEADERS,
    RawMessage,
    classify_header_address,
    header_addresses,
    raw_data,
    read_message,
    split_addresses,
)
from conformance.server.checks import address_message
from conformance.server.engine import MAX_ADDRESS_CHARS, RECIPIENTS_READ, Engine
from conformance.server.rate import throttled
from conformance.server.raw_misread import misread
from conformance.server.results import Kind, Refused, Result

LISTS: Final = {"To": "ToAddresses", "Cc": "CcAddresses", "Bcc": "BccAddresses"}
_NULL = "1 validation error detected: Value null at '{}' failed to satisfy constraint: " + (
    "Member must not be null"
)


def send_raw(engine: Engine, params: Mapping[str, Any], *, protocol: str) -> Result:
    """Apply every rule to one raw-message request; deliver it only if all pass."""
    engine.begin_request()
    if throttled(engine.bucket):
        return Refused(Kind.THROTTLED, "Maximum sending rate exceeded.")
    on = engine.effects(protocol)
    if "raw-destinations-ignored" in on:  # the planted fault reads the headers only
        params = {key: value for key, value in params.items() if key != "Destinations"}
    if "raw-destinations-type-unchecked" in on and not isinstance(
        params.get("Destinations"), list | None
    ):  # the planted fault leaves a Destinations of the wrong type unread
        params = {key: value for key, value in params.items() if key != "Destinations"}
    refused, view = _validate(engine, params, on, _size_limit(engine, protocol))
    if refused is not None and refused.kind is Kind.MALFORMED and "raw-mime-rejected" in on:
        return Refused(Kind.NOT_VERIFIED, refused.message)  # the planted wrong code
    if refused is not None:
        return refused
    return engine.commit(view, protocol)


def _size_limit(engine: Engine, protocol: str) -> int:
    """The profile's limit; over SESv2 a default 10 MiB is read as v2's 40 MB (as
    `profile.with_protocol` and the engine's SendEmail check read it)."""
    limit = engine.profile.limits.max_message_bytes
    return SESV2_SIZE_LIMIT if protocol == "sesv2" and limit == SES_SIZE_LIMIT else limit


def _validate(
    engine: Engine, params: Mapping[str, Any], on: frozenset[str], limit: int
) -> tuple[Refused | None, dict[str, Any]]:
    holder = params.get("RawMessage")
    if not isinstance(holder, Mapping) or holder.get("Data") is None:
        where = "rawMessage" if holder is None else "rawMessage.data"
        return Refused(Kind.MISSING_MEMBER, _NULL.format(where)), {}
    data = raw_data(params)
    if data is None:
        return Refused(Kind.MALFORMED, "RawMessage.Data is not valid base64."), {}
    size = _counted_size(data, on)
    if size > limit:
        return Refused(
            Kind.TOO_LARGE, f"Message length is more than {limit} bytes long: '{size}'."
        ), {}
    message = misread(read_message(data), data, on)  # unchanged unless a fault is planted
    refused = _mime(params, message, on) or _members(params)
    if refused is not None:
        return refused, {}
    sender, lists = _sender(params, message, on), _lists(params, message)
    refused = _unread(engine, params, message)
    refused = refused or _addresses(params, message, on)
    refused = refused or _count(engine, message, lists, params, on)
    if refused is None and message.longest_line > LINE_LIMIT and "raw-lines-unchecked" not in on:
        refused = Refused(Kind.MALFORMED, f"Line too long: {message.longest_line} characters.")
    return refused, {"Source": sender, "Destination": lists}


def _counted_size(data: bytes, on: frozenset[str]) -> int:
    """Decoded bytes; the planted faults count base64 with a CRLF after every 76 characters,
    or leave out every part that is not text (attachments)."""
    if "raw-size-text-only" in on:
        return len(data) - read_message(data).non_text_bytes
    if "raw-size-base64-lines" in on:
        return _base64_lines_size(data)
    return len(data)


def _base64_lines_size(data: bytes) -> int:
    """The planted fault's count: base64 with a CRLF after every 76 characters."""
    encoded = (len(data) + 2) // 3 * 4
    return encoded + (encoded + 75) // 76 * 2


def _mime(params: Mapping[str, Any], message: RawMessage, on: frozenset[str]) -> Refused | None:
    """raw.mime: a header and a body apart, From (or a Source), multipart boundaries."""
    if message.stray_lines and "raw-stray-lines-accepted" not in on:
        return Refused(Kind.MALFORMED, "Illegal content.")
    if message.boundary_missing:
        return Refused(Kind.MALFORMED, "Illegal content.")
    if params.get("Source") is None and not message.header("From"):
        return Refused(Kind.MALFORMED, "Missing required header 'From'.")
    return None


def _members(params: Mapping[str, Any]) -> Refused | None:
    source, destinations = params.get("Source"), params.get("Destinations")
    if source is not None and not isinstance(source, str):
        return Refused(Kind.WRONG_TYPE, "Source must be a string.")
    if destinations is not None and not (
        isinstance(destinations, list) and all(isinstance(d, str) for d in destinations)
    ):
        return Refused(Kind.WRONG_TYPE, "Destinations must be a list of strings.")
    return None


def _sender(params: Mapping[str, Any], message: RawMessage, on: frozenset[str]) -> str | None:
    """Source, else the From: header's address (None: the planted fault reads no From)."""
    source = params.get("Source")
    if source is not None:
        return str(source)
    froms = header_addresses(message, ("From",))
    return froms[0] if froms and "raw-from-ignored" not in on else None


def _lists(params: Mapping[str, Any], message: RawMessage) -> dict[str, list[str]]:
    """Destinations (all in To), else each header's addresses, group members included."""
    destinations = params.get("Destinations")
    if isinstance(destinations, list):
        return {"ToAddresses": list(destinations), "CcAddresses": [], "BccAddresses": []}
    return {LISTS[h]: header_addresses(message, (h,)) for h in RECIPIENT_HEADERS}


def _unread(engine: Engine, params: Mapping[str, Any], message: RawMessage) -> Refused | None:
    """Too many addresses, or one too long, refused before any is classified (as the
    engine's SendEmail: classifying 167,772 addresses or a 2 MB one takes seconds)."""
    texts = header_addresses(message, ("From", *RECIPIENT_HEADERS))
    texts += [str(params.get("Source") or ""), *map(str, params.get("Destinations") or [])]
    if len(texts) > RECIPIENTS_READ:
        limit = engine.profile.limits.max_recipients
        return Refused(Kind.TOO_MANY_RECIPIENTS, f"Recipient count exceeds {limit}.")
    longest = max(map(len, texts))
    if longest > MAX_ADDRESS_CHARS:
        return Refused(Kind.INVALID_ADDRESS, f"Address too long: {longest} characters.")
    return None


def _addresses(
    params: Mapping[str, Any], message: RawMessage, on: frozenset[str]
) -> Refused | None:
    """Every address's syntax, gray refused as invalid (strict): Source and Destinations
    as SendEmail's, and every From/To/Cc/Bcc header (real SES parses them all; the planted
    fault skips Bcc)."""
    given: list[tuple[str, str]] = []
    if params.get("Source") is not None:
        given.append((str(params["Source"]), "source"))
    given += [(d, "recipient") for d in params.get("Destinations") or []]
    for text, role in given:
        verdict = classify_address(text, role=role)  # type: ignore[arg-type]
        if verdict.cls is not AddressClass.VALID:
            return Refused(Kind.INVALID_ADDRESS, address_message(verdict))
    read = ("From", "To", "Cc") if "raw-bcc-unchecked" in on else ("From", *RECIPIENT_HEADERS)
    for text in header_addresses(message, read):
        verdict = classify_header_address(text)
        if verdict.cls is not AddressClass.VALID:
            return Refused(Kind.INVALID_ADDRESS, address_message(verdict))
    return None


def _count(
    engine: Engine,
    message: RawMessage,
    lists: dict[str, list[str]],
    params: Mapping[str, Any],
    on: frozenset[str],
) -> Refused | None:
    recipients = [a for addresses in lists.values() for a in addresses]
    if not recipients:
        return Refused(Kind.NO_RECIPIENTS, "Missing required header 'To'.")
    counted = len(recipients)
    if "raw-groups-uncounted" in on and params.get("Destinations") is None:
        counted -= _group_members(message)
    limit = engine.profile.limits.max_recipients
    if counted > limit:
        return Refused(Kind.TOO_MANY_RECIPIENTS, f"Recipient count exceeds {limit}.")
    return None


def _group_members(message: RawMessage) -> int:
    """Addresses inside `name: ...;` groups (the planted fault leaves them uncounted)."""
    found = 0
    for header in RECIPIENT_HEADERS:
        for value in message.header(header):
            for part in value.split(";"):
                if ":" in part:
                    found += len(split_addresses(part.split(":", 1)[1]))
    return found
