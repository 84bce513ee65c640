"""Message content (Subject, Text, Html) of an exact UTF-8 size, cheap even at 11 MB.

A size is drawn, then a short seed string is repeated and cut to that many bytes: the
data is never drawn byte by byte. Cuts never split a multi-byte character (ASCII pads
the gap). Big fillers stay ASCII without `"` or `\\` so JSON escaping cannot inflate them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from sesconf_strategies.addresses import ints

SAFE_CONTENT_BYTES = 7_000_000
SES_LIMIT_BYTES = 10_485_760
DEFAULT_MAX_BYTES = 1024
"""Default content stays small so that a run is fast; the size strategies go large."""

_UNICODE_LIMIT = 65_536
"""Non-ASCII seeds only up to this size: a JSON encoder with ensure_ascii would inflate it."""
_HTML_OPEN, _HTML_CLOSE = "<p>", "</p>"
_SUBJECT_MAX = 78
_PAD = "a"


@dataclass(frozen=True, slots=True)
class GeneratedMessage:
    """The `Message` member, its content size (UTF-8 bytes of the three Data) and labels."""

    params: Mapping[str, Any]
    content_bytes: int
    labels: tuple[str, ...]


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def fill_utf8(seed: str, size: int) -> str:
    """`seed` repeated and cut to exactly `size` UTF-8 bytes, never splitting a character."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError(f"size: expected an integer >= 0, got {size!r}")
    if not seed:
        raise ValueError(f"seed: expected a non-empty string, got {seed!r}")
    unit = utf8_len(seed)
    raw = (seed * (size // unit + 1)).encode("utf-8")[:size]
    text = raw.decode("utf-8", "ignore")  # drops a cut character's leading bytes
    return text + _PAD * (size - utf8_len(text))


def size_label(size: int) -> str:
    """The size band of rules.md (size.max) that `size` falls in."""
    if size <= 1024:
        return "content <= 1 KiB"
    if size <= 1_048_576:
        return "content <= 1 MiB"
    if size <= SAFE_CONTENT_BYTES:
        return "content <= 7,000,000 bytes"
    if size <= SES_LIMIT_BYTES:
        return "content 7,000,001..10,485,760 bytes (gray band)"
    return "content over 10,485,760 bytes"


def _content(data: str, charset: str | None) -> dict[str, str]:
    return {"Data": data} if charset is None else {"Data": data, "Charset": charset}


_ASCII_SEEDS = ("a", "ab cd", "Hello, world.", "x-y_z 0123", "ABC def", "lorem ipsum dolor")
_UNICODE_SEEDS = ("é", "Grüße", "日本語", "😀 ok", "ßñü", "a日😀é")
_SEEDS = {
    False: st.sampled_from(_ASCII_SEEDS),
    True: st.sampled_from(_ASCII_SEEDS + _UNICODE_SEEDS),
}
"""A seed pool, one choice per part (the filler repeats it to the drawn size)."""
_SHAPES = st.sampled_from(("text", "html", "text+html"))
_CHARSETS = st.sampled_from((None, "UTF-8"))


def _seed(draw: st.DrawFn, size: int) -> str:
    seed: str = draw(_SEEDS[size <= _UNICODE_LIMIT])
    return seed


def _split(draw: st.DrawFn, total: int, parts: int) -> list[int]:
    """`total` bytes over `parts` pieces; the subject small and non-empty when possible."""
    if total < parts:
        return [1] * total + [0] * (parts - total)
    subject = draw(ints(1, min(_SUBJECT_MAX, total - parts + 1)))
    rest = total - subject
    if parts == 2:
        return [subject, rest]
    text = _fraction(draw, 1, rest - 1)
    return [subject, text, rest - text]


_FRACTIONS = st.integers(0, 1000)


def _fraction(draw: st.DrawFn, low: int, high: int) -> int:
    """An integer in [low, high] without a strategy per bounds (the bounds reach 11 MB)."""
    return low + (high - low) * draw(_FRACTIONS) // 1000


def _html(size: int, seed: str) -> str:
    inner = size - len(_HTML_OPEN) - len(_HTML_CLOSE)
    if inner < 1:
        return fill_utf8(seed, size)
    return _HTML_OPEN + fill_utf8(seed, inner) + _HTML_CLOSE


def content(
    *, min_bytes: int = 0, max_bytes: int = DEFAULT_MAX_BYTES
) -> st.SearchStrategy[GeneratedMessage]:
    """A Message whose Subject + Text + Html come to a drawn size in [min_bytes, max_bytes]."""
    for name, value in (("min_bytes", min_bytes), ("max_bytes", max_bytes)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name}: expected an integer >= 0, got {value!r}")
    if min_bytes > max_bytes:
        raise ValueError(f"min_bytes {min_bytes!r} is over max_bytes {max_bytes!r}")
    return _messages(st.integers(min_bytes, max_bytes))


@st.composite
def _messages(draw: st.DrawFn, totals: st.SearchStrategy[int]) -> GeneratedMessage:
    return _message_of_size(draw, draw(totals))


def _message_of_size(draw: st.DrawFn, total: int) -> GeneratedMessage:
    shape = draw(_SHAPES)
    sizes = _split(draw, total, 3 if shape == "text+html" else 2)
    seeds = [_seed(draw, size) for size in sizes]
    subject = fill_utf8(seeds[0], sizes[0])
    bodies = list(zip(shape.split("+"), sizes[1:], seeds[1:], strict=True))
    data = [subject] + [fill_utf8(s, n) if k == "text" else _html(n, s) for k, n, s in bodies]
    ascii_charset = draw(_CHARSETS)
    charsets = [ascii_charset if d.isascii() else "UTF-8" for d in data]
    body = {
        kind.capitalize(): _content(d, c)
        for (kind, _, _), d, c in zip(bodies, data[1:], charsets[1:], strict=True)
    }
    params = {"Subject": _content(subject, charsets[0]), "Body": body}
    labels = [size_label(total), f"body: {shape}"]
    if not all(d.isascii() for d in data):
        labels.append("content: non-ASCII UTF-8")
    return GeneratedMessage(params, total, tuple(labels))
