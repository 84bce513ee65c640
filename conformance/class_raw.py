"""Declared classes of raw messages (rules.md "Raw messages"), read off the request.

The three raw rules have classes of their own; the documented rules gain `raw: ...`
classes for how they read a raw message (sender from From:, recipients from the headers,
group lists, the size band). They are declared only for the SES protocols: the envelope
wire has no raw form. Each class has an explicit example in every default run
(`sesconf_strategies.raw_cases`); docs/classes.md says what each one owes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from conformance.addresses import AddressClass
from conformance.oracle_raw import raw_message, raw_safe_bytes
from conformance.profile import TargetProfile
from conformance.raw import (
    RECIPIENT_HEADERS,
    RawMessage,
    classify_header_address,
    destinations_typed,
    header_addresses,
    is_raw,
    raw_data,
    unclosed,
    unquoted_boundary,
)
from conformance.verification import is_simulator, is_verified

_BARE_CR: Final = re.compile(rb"\r(?!\n)")
RAW_PROTOCOLS: Final = frozenset({"ses-query", "sesv2"})
PREFIX: Final = "raw: "
CLASSES: Final[Mapping[str, tuple[str, ...]]] = {
    "raw.mime": (
        "text only", "text and HTML", "attachment", "nested multipart", "folded header",
        "no blank line before the body", "headers only, no blank line",
        "empty message, Source and Destinations given", "no From and no Source",
        "no From, Source given", "multipart boundary never appears", "no MIME-Version",
        "nested multipart boundary never appears", "boundary never appears over 10 levels deep",
        "unquoted boundary", "no close delimiter",
        "no close delimiter, the last part's boundary never appears",
    ),
    "raw.line-length": (
        "longest line 998", "longest line 999", "longest line 1000", "longest line 1001",
        "longest line over 2000", "line over 1000 holding a bare CR",
    ),
    "raw.encoding": (
        "8-bit part without Content-Transfer-Encoding", "8-bit part declared 8bit",
        "quoted-printable part", "base64 part",
    ),
    "sender.verified": (
        "From verified, no Source", "From unverified, no Source",
        "From with an encoded-word name", "Source verified, From unverified",
        "Source unverified, From verified", "From invalid, no Source",
        "Source given, From invalid",
    ),
    "sandbox.recipients": (
        "To unverified", "simulator in To", "Destinations verified, To unverified",
    ),
    "recipients.valid": (
        "invalid address in To", "invalid address in a group", "invalid To, Destinations given",
        "invalid address in Destinations", "invalid address in Bcc", "valid To, Cc and Bcc",
        "quoted-pair, name-addrs and a commented group name in To",
    ),
    "recipients.max": (
        "50 over headers with a group", "51 over headers with a group", "51 in Destinations",
        "Destinations win over 51 header addresses",
    ),
    "recipients.min": (
        "no recipients at all", "empty group only", "recipients in Bcc only",
        "Destinations only",
    ),
    "size.max": (
        "small", "at 3/4 of the limit", "between 3/4 and the limit", "at the limit",
        "over the limit", "over the limit, bulk in an attachment",
    ),
    "request.required": ("RawMessage null", "RawMessage.Data null", "RawMessage empty"),
    "robust.no-5xx": ("Destinations not a list of strings",),
}  # fmt: skip
"""Every raw class, by rule; the names go out with the `raw: ` prefix."""


def raw_declared(rule_id: str, profile: TargetProfile) -> list[str]:
    """The raw classes of `rule_id` (none on a wire without raw messages)."""
    if profile.protocol not in RAW_PROTOCOLS:
        return []
    if rule_id == "sandbox.recipients" and not profile.account.sandbox:
        return []  # the rule applies only in the sandbox
    return [PREFIX + name for name in CLASSES.get(rule_id, ())]


def raw_observed(rule_id: str, params: Mapping[str, Any], profile: TargetProfile) -> list[str]:
    """The raw classes of `rule_id` this request falls in (read off its message)."""
    if not is_raw(params):
        return []
    if rule_id == "request.required":
        return [PREFIX + name for name in _required(params)]
    message = raw_message(params)
    reader = _READERS.get(rule_id)
    if message is None or reader is None:
        return []
    return [PREFIX + name for name in reader(params, message, profile)]


def _required(params: Mapping[str, Any]) -> list[str]:
    holder = params.get("RawMessage")
    if holder is None:
        return ["RawMessage null"]
    if isinstance(holder, Mapping) and not holder:
        return ["RawMessage empty"]
    if isinstance(holder, Mapping) and holder.get("Data", 0) is None:
        return ["RawMessage.Data null"]
    return []


def _content_type(message: RawMessage) -> str:
    return " ".join(message.header("Content-Type")).lower()


def _mime(params: Mapping[str, Any], message: RawMessage, profile: TargetProfile) -> list[str]:
    found: list[str] = []
    ctype = _content_type(message)
    has_source = params.get("Source") is not None
    if message.empty:
        return ["empty message, Source and Destinations given"] if has_source else []
    if message.stray_lines and not message.blank_line:
        found.append("no blank line before the body")
    elif not message.blank_line:
        found.append("headers only, no blank line")
    unclosed = _unclosed(params, message)
    if message.boundary_missing:
        found.append(
            "no close delimiter, the last part's boundary never appears"
            if unclosed and message.multipart_depth > 1
            else _missing(message.multipart_depth)
        )
    elif unclosed:
        found.append("no close delimiter")
    if message.no_mime_version:
        found.append("no MIME-Version")
    if not message.header("From"):
        found.append("no From, Source given" if has_source else "no From and no Source")
    if message.blank_line and not message.stray_lines and not message.boundary_missing:
        found += _well_formed(ctype, message)
    return found


def _unclosed(params: Mapping[str, Any], message: RawMessage) -> bool:
    """raw.unclosed, on small messages only: the data is decoded again to look."""
    return message.size <= 1_000_000 and unclosed(message, raw_data(params) or b"")


def _missing(depth: int) -> str:
    """The class of a missing boundary by how deep it is (an outer one: depth 1)."""
    if depth > 10:
        return "boundary never appears over 10 levels deep"
    return (
        "nested multipart boundary never appears"
        if depth > 1
        else ("multipart boundary never appears")
    )


def _well_formed(ctype: str, message: RawMessage) -> list[str]:
    found = ["folded header"] if any(len(v) > 78 for _, v in message.headers) else []
    found += ["unquoted boundary"] if unquoted_boundary(message) else []
    if message.multipart_depth > 1:
        return [*found, "nested multipart"]
    if "multipart/mixed" in ctype:
        return [*found, "attachment"]
    if "multipart/alternative" in ctype:
        return [*found, "text and HTML"]
    if ctype.startswith("text/plain") or not ctype:
        return [*found, "text only"]
    return found


def _lines(params: Mapping[str, Any], message: RawMessage, profile: TargetProfile) -> list[str]:
    n = message.longest_line
    data = raw_data(params) if n > 1000 else None  # long lines are few: decoded again
    found = ["line over 1000 holding a bare CR"] if data and _BARE_CR.search(data) else []
    if n > 2000:
        return [*found, "longest line over 2000"]
    return found + ([f"longest line {n}"] if 998 <= n <= 1001 else [])


def _encoding(params: Mapping[str, Any], message: RawMessage, profile: TargetProfile) -> list[str]:
    found = ["8-bit part without Content-Transfer-Encoding"] if message.eight_bit_parts else []
    cte = " ".join(message.header("Content-Transfer-Encoding")).lower()
    for word, name in (
        ("8bit", "8-bit part declared 8bit"),
        ("quoted-printable", "quoted-printable part"),
        ("base64", "base64 part"),
    ):
        found += [name] if word in cte else []  # fmt: skip
    return found


def _verified(text: str, profile: TargetProfile) -> bool | None:
    verdict = classify_header_address(text)
    if verdict.cls is AddressClass.INVALID:
        return None
    return is_verified(verdict.address, profile.identities) is True


def _sender(params: Mapping[str, Any], message: RawMessage, profile: TargetProfile) -> list[str]:
    froms = header_addresses(message, ("From",))
    source = params.get("Source")
    from_ok = _verified(froms[0], profile) if len(froms) == 1 else False
    found = ["From with an encoded-word name"] if froms and "=?" in froms[0] else []
    if isinstance(source, str):
        source_ok = _verified(source, profile)
        if from_ok is None:
            found.append("Source given, From invalid")
        elif source_ok and from_ok is False:
            found.append("Source verified, From unverified")
        elif source_ok is False and from_ok:
            found.append("Source unverified, From verified")
        return found
    if source is None and len(froms) == 1:
        found.append({True: "From verified, no Source", False: "From unverified, no Source",
                      None: "From invalid, no Source"}[from_ok])  # fmt: skip
    return found


def _sandbox(params: Mapping[str, Any], message: RawMessage, profile: TargetProfile) -> list[str]:
    to = header_addresses(message, ("To",))
    found = ["simulator in To"] if any(is_simulator(a) for a in to) else []
    unverified = any(_verified(a, profile) is False and not is_simulator(a) for a in to)
    destinations = params.get("Destinations")
    if unverified and isinstance(destinations, list):
        ok = all(isinstance(d, str) and _verified(d, profile) for d in destinations)
        found += ["Destinations verified, To unverified"] if ok and destinations else []
    elif unverified:
        found.append("To unverified")
    return found


def _valid(params: Mapping[str, Any], message: RawMessage, profile: TargetProfile) -> list[str]:
    destinations = params.get("Destinations")
    found: list[str] = []
    if isinstance(destinations, list):
        bad = [d for d in destinations if isinstance(d, str) and _verified(d, profile) is None]
        found += ["invalid address in Destinations"] if bad else []
    to_values = message.header("To")
    bad_to = [a for a in header_addresses(message, ("To",)) if _verified(a, profile) is None]
    if bad_to and isinstance(destinations, list):
        found.append("invalid To, Destinations given")
    elif bad_to:
        in_group = any(":" in v and any(a in v.split(":", 1)[1] for a in bad_to) for v in to_values)
        found.append("invalid address in a group" if in_group else "invalid address in To")
    bad_bcc = [a for a in header_addresses(message, ("Bcc",)) if _verified(a, profile) is None]
    found += ["invalid address in Bcc"] if bad_bcc and destinations is None else []
    if all(message.header(h) for h in RECIPIENT_HEADERS) and not bad_to and not bad_bcc:
        found.append("valid To, Cc and Bcc")
    to_text = " ".join(to_values)
    if not bad_to and all(mark in to_text for mark in ('\\"', "<", "(")):
        found.append("quoted-pair, name-addrs and a commented group name in To")
    return found


def _grouped(message: RawMessage) -> bool:
    return any(":" in v for h in RECIPIENT_HEADERS for v in message.header(h))


def _max(params: Mapping[str, Any], message: RawMessage, profile: TargetProfile) -> list[str]:
    in_headers = len(header_addresses(message, RECIPIENT_HEADERS))
    destinations = params.get("Destinations")
    limit = profile.limits.max_recipients
    if isinstance(destinations, list):
        found = ["51 in Destinations"] if len(destinations) == limit + 1 else []
        if in_headers > limit and len(destinations) <= limit:
            found.append("Destinations win over 51 header addresses")
        return found
    if _grouped(message) and in_headers in (limit, limit + 1):
        return [f"{in_headers} over headers with a group"]
    return []


def _min(params: Mapping[str, Any], message: RawMessage, profile: TargetProfile) -> list[str]:
    destinations = params.get("Destinations")
    if isinstance(destinations, list) and destinations:
        return ["Destinations only"] if not header_addresses(message, RECIPIENT_HEADERS) else []
    if destinations is not None:
        return []
    if header_addresses(message, RECIPIENT_HEADERS):
        only_bcc = not message.header("To") and not message.header("Cc")
        return ["recipients in Bcc only"] if only_bcc else []
    return ["empty group only"] if _grouped(message) else ["no recipients at all"]


def _size(params: Mapping[str, Any], message: RawMessage, profile: TargetProfile) -> list[str]:
    limit = profile.limits.max_message_bytes
    three_quarters = raw_safe_bytes(limit)
    if message.size == three_quarters:
        return ["at 3/4 of the limit"]
    if message.size == limit:
        return ["at the limit"]
    if message.size > limit and message.non_text_bytes * 2 > message.size:
        return ["over the limit, bulk in an attachment"]
    if message.size > limit:
        return ["over the limit"]
    if message.size > three_quarters:
        return ["between 3/4 and the limit"]
    return ["small"] if message.size < 64 * 1024 else []


def _robust(params: Mapping[str, Any], message: RawMessage, profile: TargetProfile) -> list[str]:
    """Destinations of the wrong type: refused, never left unread while the recipients
    come from the headers (the planted raw-destinations-type-unchecked)."""
    return [] if destinations_typed(params) else ["Destinations not a list of strings"]


Reader = Callable[[Mapping[str, Any], RawMessage, TargetProfile], list[str]]
_READERS: Final[Mapping[str, Reader]] = {
    "raw.mime": _mime,
    "raw.line-length": _lines,
    "raw.encoding": _encoding,
    "sender.verified": _sender,
    "sandbox.recipients": _sandbox,
    "recipients.valid": _valid,
    "recipients.max": _max,
    "recipients.min": _min,
    "size.max": _size,
    "robust.no-5xx": _robust,
}
