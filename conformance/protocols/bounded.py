"""Total parsing of what a target sends: every failure is a value, never an exception.

A target can answer JSON nested a hundred thousand levels deep, invalid UTF-8 or a
number with a million digits; the judges must say so in a reason and go on. JSON nested
deeper than `MAX_JSON_DEPTH` (an answer of SES is 4 levels deep) is refused before it is
parsed: its depth is read off its brackets, outside strings, without copying the body.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = [
    "MAX_JSON_DEPTH",
    "json_reason",
    "load_json",
    "nested_deeper_than",
    "short_repr",
    "shown",
    "too_deep",
]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


MAX_JSON_DEPTH = 1000
"""Deeper JSON is refused unparsed: the parser would recurse (and, past the interpreter's
recursion limit, fail only after building the levels above)."""
_BRACKET_OR_STRING = re.compile(rb'[\[\]{}]|"[^"\\]*(?:\\.[^"\\]*)*"')


def nested_deeper_than(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON text opens more than `limit` arrays or objects at once."""
    if body.count(b"[") + body.count(b"{") <= limit:  # most answers: a few brackets
        return False
    depth = 0
    for match in _BRACKET_OR_STRING.finditer(body):
        char = body[match.start()]
        if char in b"[{":
            depth += 1
            if depth > limit:
                return True
        elif char in b"]}":
            depth -= 1
    return False


def load_json(body: bytes) -> tuple[Any, Exception | None]:
    """(value, None), or (None, the error) for any bytes at all: strict UTF-8 JSON only."""
    if nested_deeper_than(body):
        return None, RecursionError(f"JSON nested over {MAX_JSON_DEPTH} levels deep")
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_no_constant), None
    except (RecursionError, UnicodeDecodeError, ValueError, MemoryError) as exc:
        return None, exc


def too_deep(body: bytes) -> str:
    return f"body is JSON nested too deeply to read ({len(body)} bytes)"


def json_reason(body: bytes, error: Exception) -> str:
    """Why `body` is not JSON, in one line."""
    if isinstance(error, RecursionError):
        return too_deep(body)
    return f"body is not JSON: {body[:80]!r}"


def shown(value: Any, limit: int = 80) -> str:
    """`value` as short JSON text for a reason; total on any parsed value."""
    if value is ...:
        return "missing"
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (RecursionError, ValueError, TypeError):
        text = f"<a {type(value).__name__} nested too deeply to show>"
    return text if len(text) <= limit else text[:limit] + "..."


def short_repr(value: Any, limit: int = 80) -> str:
    """`repr(value)` cut to `limit`; total on values nested too deeply to repr."""
    try:
        text = repr(value)
    except RecursionError:
        text = f"<a {type(value).__name__} nested too deeply to show>"
    return text if len(text) <= limit else text[:limit] + "..."
