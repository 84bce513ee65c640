"""Total parsing of what a target sends: every failure is a value, never an exception.

A target can answer JSON nested a hundred thousand levels deep, invalid UTF-8 or a
number with a million digits; the judges must say so in a reason and go on.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["json_reason", "load_json", "short_repr", "shown", "too_deep"]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load_json(body: bytes) -> tuple[Any, Exception | None]:
    """(value, None), or (None, the error) for any bytes at all: strict UTF-8 JSON only."""
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
