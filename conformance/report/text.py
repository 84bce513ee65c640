"""Text from a target made safe to show: no control bytes, no terminal escapes, bounded.

An answer can hold NUL bytes, ANSI escape sequences or lone surrogates; shown raw they
corrupt an HTML page, repaint a terminal or fail a UTF-8 write. They are shown escaped.
"""

from __future__ import annotations

import contextlib
import json
import re

from defusedxml.minidom import parseString  # safe against entity bombs

__all__ = ["BODY_LIMIT", "clip", "nesting_depth", "pretty_body", "printable"]

BODY_LIMIT = 16_000
"""Characters of a body shown before truncating (the full body stays in summary.json)."""
_PARSE_LIMIT = 2_000_000

_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, newlines: bool = True) -> str:
    """`text` with control characters and lone surrogates as `\\xNN` / `\\uXXXX` escapes.

    Tabs, carriage returns and (unless `newlines` is false) newlines stay as they are.
    """
    text = _UNPRINTABLE.sub(_escape, text)
    return text if newlines else text.replace("\n", "\\n").replace("\r", "\\r")


def clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with a marker saying how many were cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [cut: {len(text) - limit:,} more characters]"


# --- pretty printing -------------------------------------------------------------------

PRETTY_DEPTH = 64
"""Bodies nested deeper are shown as they came: pretty printing recurses."""
_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_TAGS = re.compile(r"<(/?)[^<>]*?(/?)>")


def nesting_depth(text: str, *, xml: bool = False) -> int:
    """How deeply `text` nests JSON brackets (strings skipped) or XML tags, roughly."""
    depth = deepest = 0
    if xml:
        for match in _TAGS.finditer(text):
            closing, empty = match.group(1), match.group(2)
            depth += -1 if closing else 0 if empty or match.group().startswith("<?") else 1
            deepest = max(deepest, depth)
        return deepest
    for match in _BRACKETS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


def pretty_body(body: str | None, *, limit: int = BODY_LIMIT) -> tuple[str, str | None]:
    """(text to show, truncation note): JSON or XML pretty-printed when parseable and
    shallow; any other text (deep, binary, garbage) as it is. Total on any string."""
    if not body:
        return "", None
    text = body
    stripped = body.strip()
    small = len(stripped) <= _PARSE_LIMIT
    if small and stripped[:1] in "{[" and nesting_depth(stripped) <= PRETTY_DEPTH:
        with contextlib.suppress(ValueError, RecursionError):
            text = json.dumps(json.loads(stripped), indent=2, ensure_ascii=False)
    elif small and stripped.startswith("<") and nesting_depth(stripped, xml=True) <= PRETTY_DEPTH:
        text = _pretty_xml(stripped) or body
    if len(text) <= limit:
        return text, None
    note = f"truncated: showing the first {limit:,} of {len(text):,} characters"
    return text[:limit], note


def _pretty_xml(text: str) -> str | None:
    try:
        pretty = parseString(text).toprettyxml(indent="  ")
    except (Exception, RecursionError):  # not XML after all (an HTML page, garbage): as text
        return None
    lines = [line for line in pretty.splitlines() if line.strip()]
    return "\n".join(lines[1:] if lines and lines[0].startswith("<?xml") else lines)
