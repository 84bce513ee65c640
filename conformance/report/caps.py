"""Size caps for what a run stores: records, summary.json, attachments.

A target that echoes a 10 MB request, or answers with 100 headers of 64 KB, must not turn
a report into tens of megabytes. Every stored string is capped with a marker that says how
much was cut. Request parameters are different: `sesconf replay` sends them again, so a
long string the suite generated (a seed repeated to a size) is stored compactly and
exactly as `{"$repeat": {"head", "unit", "times", "tail"}}`, which `expand_params` undoes;
only a long string that repeats nothing is cut.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["MAX_ITEMS", "MAX_STRING_CHARS", "cap_record", "cap_value", "expand_params"]

MAX_STRING_CHARS = 65_536
"""Characters kept of any one stored string."""
MAX_ITEMS = 1_000
"""Items kept of any one stored list or object."""
MAX_DEPTH = 64
"""Levels kept of any stored value; deeper ones become a marker."""
MAX_RAW_B64 = 4 << 20
"""A raw request body the suite generated is kept whole up to this size (base64)."""
REPEAT = "$repeat"
_MAX_UNIT = 4_096
_PROBE = _MAX_UNIT
"""As long as the longest unit: a shorter probe found a run's own short period first (the
base64 of a 900-character line of `a` repeats every 4 characters for 1,200 of them), and
the string was cut instead of stored whole."""


def cut(text: str, limit: int = MAX_STRING_CHARS) -> str:
    """`text`, or its first `limit` characters and a marker saying how many were cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [cut: {len(text) - limit:,} of {len(text):,} characters]"


def cap_value(value: Any, *, depth: int = 0) -> Any:
    """A JSON-like value with long strings cut, long lists and objects cut, depth bounded."""
    if isinstance(value, str):
        return cut(value)
    if depth >= MAX_DEPTH and isinstance(value, Mapping | list | tuple):
        return f"[cut: a {type(value).__name__} nested over {MAX_DEPTH} levels deep]"
    if isinstance(value, Mapping):
        items = list(value.items())
        capped = {str(k)[:1000]: cap_value(v, depth=depth + 1) for k, v in items[:MAX_ITEMS]}
        if len(items) > MAX_ITEMS:
            capped["[cut]"] = f"{len(items) - MAX_ITEMS:,} of {len(items):,} members cut"
        return capped
    if isinstance(value, list | tuple):
        kept = [cap_value(v, depth=depth + 1) for v in value[:MAX_ITEMS]]
        if len(value) > MAX_ITEMS:
            kept.append(f"[cut: {len(value) - MAX_ITEMS:,} of {len(value):,} items]")
        return kept
    return value


def _repeated(text: str, unit: str, start: int, step: int) -> int:
    """How many whole `unit`s follow `start` (step +1) or precede it (step -1)."""
    count = 0
    size = 1
    while True:  # gallop, then halve: O(log n) comparisons of big slices
        a, b = _span(start, len(unit) * (count + size), step)
        if a < 0 or b > len(text) or text[a:b] != unit * (count + size):
            break
        count += size
        size *= 2
    while size > 1:
        size //= 2
        a, b = _span(start, len(unit) * (count + size), step)
        if a >= 0 and b <= len(text) and text[a:b] == unit * (count + size):
            count += size
    return count


def _span(start: int, length: int, step: int) -> tuple[int, int]:
    return (start, start + length) if step > 0 else (start - length, start)


def compact(text: str) -> str | dict[str, Any]:
    """A long string as `{"$repeat": ...}` when it is mostly one unit repeated, else cut."""
    if len(text) <= MAX_STRING_CHARS:
        return text
    middle = len(text) // 2
    probe = text[middle : middle + _PROBE]
    again = text.find(probe, middle + 1, middle + _MAX_UNIT + _PROBE)
    if again > middle:
        unit = text[middle:again]
        after = _repeated(text, unit, middle, 1)
        before = _repeated(text, unit, middle, -1)
        start, end = middle - before * len(unit), middle + after * len(unit)
        head, tail = text[:start], text[end:]
        if len(head) + len(tail) + len(unit) <= MAX_STRING_CHARS:
            shape = {"head": head, "unit": unit, "times": before + after, "tail": tail}
            return {REPEAT: shape}
    return cut(text)


def _compact_params(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return compact(value)
    if depth >= MAX_DEPTH:
        return cap_value(value, depth=MAX_DEPTH)
    if isinstance(value, Mapping):
        return {k: _compact_params(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_compact_params(v, depth + 1) for v in value]
    return value


def expand_params(value: Any) -> Any:
    """Undo `compact`: the parameters exactly as they were sent."""
    if isinstance(value, Mapping):
        shape = value.get(REPEAT)
        if len(value) == 1 and isinstance(shape, Mapping):
            return shape["head"] + shape["unit"] * int(shape["times"]) + shape["tail"]
        return {k: expand_params(v) for k, v in value.items()}
    if isinstance(value, list):
        return [expand_params(v) for v in value]
    return value


def cap_record(value: Any, *, depth: int = 0) -> Any:
    """A record or summary entry with every `params` compacted and everything else capped."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "params" and item is not None:
                out[key] = cap_value(_compact_params(item))
            elif key == "raw_body_b64" and isinstance(item, str) and len(item) <= MAX_RAW_B64:
                out[key] = item  # replay sends it again: kept whole while it is ours-sized
            else:
                out[key] = cap_record(item, depth=depth + 1)
        return out
    if isinstance(value, list) and depth < MAX_DEPTH:
        return cap_value([cap_record(item, depth=depth + 1) for item in value], depth=depth)
    return cap_value(value, depth=depth)
