"""size.max's declared classes: bands around each limit, parts, UTF-8 widths (rules.md)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from conformance.profile import TargetProfile

SAFE_BYTES = 7_000_000
SES_LIMIT = 10_485_760
BIG_NON_ASCII = 65_536
"""Non-ASCII content above this size is its own class (a JSON encoder may inflate it)."""
PARTS = ("Subject", "Text", "Html")
BANDS = (
    "up to 1 KiB",
    "up to the safe size",
    "exactly the safe size",
    "gray band (over the safe size, up to the limit)",
    "exactly the limit",
    "limit + 1",
    "just over (limit + 2 .. + 1 MiB)",
    "far over (1 MiB or more over the limit)",
)
OVER = (
    "over the limit: largest part Subject",
    "over the limit: largest part Text",
    "over the limit: largest part Html",
    "over the limit: no part over the limit alone",
    "over the limit: Html-only body",
    "over the limit in UTF-8 bytes, within it in characters",
)
SHAPES = ("Subject+Text", "Subject+Html", "Subject+Text+Html", "empty Subject")
QUOTE_DENSE = 20_000
QUOTES = "quotes: over 20,000 double quotes, within the safe size"
"""HTML's attributes: over JSON each `"` is escaped, and a target that caps a request's
strings by counting quote characters refuses a message it owes (docs/classes.md)."""


def safe_size(limit: int) -> int:
    return limit * SAFE_BYTES // SES_LIMIT


QUERY_SKIPPED = (
    "over the limit in UTF-8 bytes, within it in characters",
    "width 2: over the limit",
    "width 3: over the limit",
    "width 4: over the limit",
)
"""Not owed on the SES Query wire: it percent-encodes a 10 MB non-ASCII body to 30 MB,
which a loaded machine cannot parse within the profile's timeout (docs/classes.md)."""


def wide_over_limit(profile: TargetProfile) -> bool:
    """Whether the run sends non-ASCII content over the limit (not on the Query wire)."""
    return profile.protocol != "ses-query"


def size_declared(profile: TargetProfile) -> list[str]:
    found = [f"band: {b}" for b in BANDS] + [f"parts: {s}" for s in SHAPES] + list(OVER)
    found.append(QUOTES)
    for width in (1, 2, 3, 4):
        found.append(f"width {width}: over 64 KiB, within the safe size")
        found.append(f"width {width}: over the limit")
    if not wide_over_limit(profile):
        found = [c for c in found if c not in QUERY_SKIPPED]
    return found


_WIDER = {2: re.compile("[\u0080-\u07ff]"), 3: re.compile("[\u0800-\uffff]")}
_WIDER[4] = re.compile("[\U00010000-\U0010ffff]")


def widths_of(text: str) -> set[int]:
    """The UTF-8 lengths (1 to 4) of the characters `text` holds: one message with
    characters of several widths exercises each of them."""
    if text.isascii():
        return {1}
    found = {w for w, pattern in _WIDER.items() if pattern.search(text)}
    return found | ({1} if any(ch.isascii() for ch in text[:64]) else set())


def _band(size: int, limit: int) -> str:
    safe = safe_size(limit)
    if size <= 1024:
        return BANDS[0]
    if size < safe:
        return BANDS[1]
    if size == safe:
        return BANDS[2]
    if size < limit:
        return BANDS[3]
    if size == limit:
        return BANDS[4]
    if size == limit + 1:
        return BANDS[5]
    return BANDS[6] if size < limit + 1_048_576 else BANDS[7]


def _parts(params: Mapping[str, Any]) -> dict[str, str] | None:
    message = params.get("Message")
    if not isinstance(message, Mapping):
        return None
    body = message.get("Body")
    body = body if isinstance(body, Mapping) else {}
    found: dict[str, str] = {}
    for part, holder in (("Subject", message), ("Text", body), ("Html", body)):
        content = holder.get(part)
        data = content.get("Data") if isinstance(content, Mapping) else None
        if data is not None and not isinstance(data, str):
            return None
        if data is not None:
            found[part] = data
    return found


def size_observed(params: Mapping[str, Any], profile: TargetProfile) -> list[str]:
    parts = _parts(params)
    if parts is None:
        return []
    limit = profile.limits.max_message_bytes
    sizes = {p: len(d.encode("utf-8", "surrogatepass")) for p, d in parts.items()}
    total = sum(sizes.values())
    found = [f"band: {_band(total, limit)}"]
    widths = set().union(*(widths_of(d) for d in parts.values() if d)) or {1}
    nonempty = [p for p in PARTS if sizes.get(p)]
    if total <= safe_size(limit):
        if "Subject" not in nonempty:
            found.append("parts: empty Subject")
        else:
            found.append("parts: " + "+".join(nonempty))
        if total > BIG_NON_ASCII:
            found += [f"width {w}: over 64 KiB, within the safe size" for w in sorted(widths)]
        if sum(d.count('"') for d in parts.values()) > QUOTE_DENSE:
            found.append(QUOTES)
    if total > limit:
        found += [f"width {w}: over the limit" for w in sorted(widths)]
        found.append(f"over the limit: largest part {max(sizes, key=lambda p: sizes[p])}")
        if all(n <= limit for n in sizes.values()):
            found.append("over the limit: no part over the limit alone")
        if "Text" not in parts and "Html" in parts:
            found.append("over the limit: Html-only body")
        if sum(len(d) for d in parts.values()) <= limit:
            found.append("over the limit in UTF-8 bytes, within it in characters")
    return found
