"""Total parsing of what a target sends: every failure is a value, never an exception.

A target can answer JSON nested a hundred thousand levels deep, invalid UTF-8 or a
number with a million digits; the judges must say so in a reason and go on.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["load_json", "shown"]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load_json(body: bytes) -> tuple[Any, str | None]:
    """(value, None), or (None, why it is not strict UTF-8 JSON) for any bytes at all."""
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_no_constant), None
    except RecursionError:
        return None, f"body is JSON nested too deeply to read ({len(body)} bytes)"
    except (UnicodeDecodeError, ValueError, MemoryError) as exc:
        return None, f"body is not JSON ({type(exc).__name__}): {body[:80]!r}"


def shown(value: Any, limit: int = 80) -> str:
    """`value` as short JSON text for a reason; total on any parsed value."""
    if value is ...:
        return "missing"
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (RecursionError, ValueError, TypeError):
        text = f"<a {type(value).__name__} nested too deeply to show>"
    return text if len(text) <= limit else text[:limit] + "..."
