"""The oracle for raw messages (rules.md "Raw messages"): SendRawEmail and SESv2
`Content.Raw`, read as the documented rules read them.

The sender is Source when given, else the From: header; the recipients are Destinations
when given, else the To:, Cc: and Bcc: headers (group members counted one by one). Pure,
like `oracle.expect`; `expect_any` sends each request to the oracle of its kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from conformance.addresses import AddressClass, AddressVerdict, classify_address
from conformance.model import Accept, Either, Expectation, Reject
from conformance.oracle import expect
from conformance.profile import TargetProfile
from conformance.raw import (
    LINE_LIMIT,
    RECIPIENT_HEADERS,
    RawMessage,
    classify_header_address,
    data_text,
    destinations_typed,
    header_addresses,
    is_raw,
    read_data,
)
from conformance.verification import is_simulator, verified_as_read

RAW_MEMBERS: Final = frozenset(
    {"RawMessage", "Source", "Destinations", "ConfigurationSetName", "Tags"}
)
LINE_RULE: Final = "raw.line-length"


@dataclass(slots=True)
class _Found:
    violated: dict[str, list[str]] = field(default_factory=dict)
    gray: list[str] = field(default_factory=list)

    def violate(self, rule: str, reason: str) -> None:
        self.violated.setdefault(rule, []).append(reason)

    def expectation(self) -> Expectation:
        if self.violated:
            reasons = tuple(r for rs in self.violated.values() for r in rs)
            return Reject(frozenset(self.violated), reasons, tuple(self.gray))
        return Either(tuple(self.gray)) if self.gray else Accept()


def expect_any(params: Mapping[str, Any], profile: TargetProfile) -> Expectation:
    """The oracle of the request's kind: raw messages here, SendEmail `oracle.expect`."""
    return expect_raw(params, profile) if is_raw(params) else expect(params, profile)


def expect_raw(params: Mapping[str, Any], profile: TargetProfile) -> Expectation:
    """What a conformant target must answer to a raw-message request (MUST level)."""
    if not isinstance(profile, TargetProfile):
        raise TypeError(f"profile: expected a TargetProfile, got {type(profile).__name__}")
    found = _Found()
    for key in params:
        if key not in RAW_MEMBERS:
            found.gray.append(f"unknown member {key!r}")
    message = _message(params, found)
    if message is None:
        return found.expectation()
    _check_mime(message, found)
    _check_sender(params, message, profile, found)
    _check_recipients(params, message, profile, found)
    _check_size(message, profile, found)
    if message.longest_line >= LINE_LIMIT - 1:
        found.gray.append(f"a line of {message.longest_line} characters (MUST level: either)")
    if message.eight_bit_parts:
        found.gray.append("8-bit content without Content-Transfer-Encoding (raw.encoding)")
    if params.get("Tags") is not None or params.get("ConfigurationSetName") is not None:
        found.gray.append("Tags or ConfigurationSetName on a raw message: not covered")
    return found.expectation()


def expect_raw_lines(params: Mapping[str, Any], profile: TargetProfile) -> Expectation:
    """raw.line-length's own oracle (SHOULD): a line over 1,000 characters is refused."""
    base = expect_any(params, profile)
    message = raw_message(params)
    if message is None or message.longest_line <= LINE_LIMIT:
        return base
    why = f"a line of {message.longest_line} characters > {LINE_LIMIT}"
    if isinstance(base, Reject):
        return Reject(base.rules | {LINE_RULE}, (*base.reasons, why), base.gray)
    reasons = base.reasons if isinstance(base, Either) else ()
    gray = tuple(r for r in reasons if "(MUST level: either)" not in r)
    return Reject(frozenset({LINE_RULE}), (why,), gray)


def raw_message(params: Mapping[str, Any]) -> RawMessage | None:
    """The request's message read, or None when RawMessage.Data is no base64 string."""
    if not is_raw(params):
        return None
    data = data_text(params)
    return None if data is None else read_data(data)


def _message(params: Mapping[str, Any], found: _Found) -> RawMessage | None:
    holder = params.get("RawMessage")
    if holder is None:
        found.violate("request.required", "RawMessage is missing")
        return None
    if not isinstance(holder, Mapping):
        found.violate("robust.no-5xx", "RawMessage is not an object")
        return None
    for key in holder:
        if key != "Data":
            found.gray.append(f"unknown member 'RawMessage.{key}'")
    data = holder.get("Data")
    if data is None:
        found.violate("request.required", "RawMessage.Data is missing")
        return None
    if not isinstance(data, str):
        found.violate("robust.no-5xx", f"RawMessage.Data is a {type(data).__name__}")
        return None
    message = read_data(data)
    if message is None:
        found.gray.append("RawMessage.Data is not base64")
    return message


def _check_mime(message: RawMessage, found: _Found) -> None:
    if message.empty:
        found.gray.append("an empty message")
        return
    if message.stray_lines:
        line = message.stray_lines[0]
        found.violate("raw.mime", f"header line {line} is neither a field nor a continuation")
    elif not message.blank_line:
        found.gray.append("a header section with no blank line and no body")
    if message.boundary_missing:
        found.violate("raw.mime", "a multipart boundary never appears")
    if message.no_mime_version:
        found.gray.append("no MIME-Version header")


def _why(verdict: AddressVerdict) -> str:
    return ", ".join(str(w).replace("_", " ") for w in verdict.defects or verdict.gray)


def _check_sender(
    params: Mapping[str, Any], message: RawMessage, profile: TargetProfile, found: _Found
) -> None:
    source = params.get("Source")
    froms = header_addresses(message, ("From",))
    if source is not None:
        if not isinstance(source, str):
            found.violate("robust.no-5xx", "Source is not a string")
            return
        _unread_headers(froms, "From", found)
        _judge_sender(classify_address(source, role="source"), source, profile, found)
        return
    if not froms:
        found.violate("raw.mime", "neither a From: header nor a Source")
        return
    if len(froms) > 1 or len(message.header("From")) > 1:
        found.gray.append("several From: addresses and no Source")
    _judge_sender(classify_header_address(froms[0]), froms[0], profile, found)


def _judge_sender(
    verdict: AddressVerdict, given: str, profile: TargetProfile, found: _Found
) -> None:
    if verdict.cls is AddressClass.INVALID:
        found.violate("sender.verified", f"invalid sender {given!r}: {_why(verdict)}")
        return
    if verdict.cls is AddressClass.GRAY:
        found.gray.append(f"gray sender {given!r}: {_why(verdict)}")
    verified = verified_as_read(verdict, profile.identities)
    if verified is False:
        found.violate("sender.verified", f"sender {verdict.address!r} is not verified")
    elif verified is None and verdict.cls is AddressClass.VALID:
        found.gray.append(f"sender {verdict.address!r}: +label on a verified address")


def _unread_headers(addresses: list[str], where: str, found: _Found) -> None:
    """Headers that are not the source of sender or recipients: real SES parses them
    anyway, so an invalid address there leaves the answer open."""
    for text in addresses:
        if classify_header_address(text).cls is AddressClass.INVALID:
            found.gray.append(f"invalid address {text!r} in {where}: (not read for the rule)")


def _check_recipients(
    params: Mapping[str, Any], message: RawMessage, profile: TargetProfile, found: _Found
) -> None:
    destinations = params.get("Destinations")
    in_headers = header_addresses(message, RECIPIENT_HEADERS)
    if destinations is not None:
        if not destinations_typed(params):
            found.violate("robust.no-5xx", "Destinations is not a list of strings")
            return
        _unread_headers(in_headers, "To/Cc/Bcc", found)
        verdicts = [(d, classify_address(d, role="recipient")) for d in destinations]
    else:
        verdicts = [(a, classify_header_address(a)) for a in in_headers]
    if not verdicts:
        found.violate("recipients.min", "no Destinations and no To:, Cc: or Bcc: address")
    limit = profile.limits.max_recipients
    if len(verdicts) > limit:
        found.violate("recipients.max", f"{len(verdicts)} recipients > {limit}")
    for given, verdict in verdicts:
        _judge_recipient(given, verdict, profile, found)


def _judge_recipient(
    given: str, verdict: AddressVerdict, profile: TargetProfile, found: _Found
) -> None:
    if verdict.cls is AddressClass.INVALID:
        found.violate("recipients.valid", f"invalid recipient {given!r}: {_why(verdict)}")
        return
    if verdict.cls is AddressClass.GRAY:
        found.gray.append(f"gray recipient {given!r}: {_why(verdict)}")
    if not profile.account.sandbox or is_simulator(verdict.address):
        return
    verified = verified_as_read(verdict, profile.identities)
    if verified is False and verdict.address.lower().endswith("@simulator.amazonses.com"):
        found.gray.append(f"recipient {given!r}: simulator address in another form")
    elif verified is False:
        found.violate("sandbox.recipients", f"recipient {given!r} is not verified")
    elif verified is None:
        found.gray.append(f"recipient {given!r}: +label on a verified address (sandbox)")


def _check_size(message: RawMessage, profile: TargetProfile, found: _Found) -> None:
    """Decoded bytes over the limit: refused; over 3/4 of it (the limit read as base64
    bytes): either, unless the profile pins an exact count."""
    limit = profile.limits.max_message_bytes
    if message.size > limit:
        found.violate("size.max", f"message {message.size:,} bytes > {limit:,}")
    elif not profile.limits.size_exact and message.size > raw_safe_bytes(limit):
        found.gray.append(f"message {message.size:,} bytes: over {limit:,} read as base64")


def sender_well_formed(params: Mapping[str, Any]) -> bool:
    """Whether the sender as the request gives it (Source; for a raw message without one,
    its one From: address) is well formed: real SES answers a malformed one for its syntax
    (ses.error-codes), a well-formed unverified one as not verified."""
    source = params.get("Source")
    if isinstance(source, str):
        return classify_address(source, role="source").cls is AddressClass.VALID
    message = raw_message(params) if source is None else None
    froms = header_addresses(message, ("From",)) if message is not None else []
    return len(froms) == 1 and classify_header_address(froms[0]).cls is AddressClass.VALID


def raw_safe_bytes(limit: int) -> int:
    """Decoded bytes surely under `limit` whether a target counts decoded or base64 bytes."""
    return limit * 3 // 4


__all__ = [
    "expect_any",
    "expect_raw",
    "expect_raw_lines",
    "raw_message",
    "raw_safe_bytes",
    "sender_well_formed",
]
