"""A raw MIME message as rules.md's "Raw messages" section reads it, for the oracle and the
reference server alike (one reader, so the two cannot read a message differently).

The header section, the addresses and the parts are read by hand, not by `email.utils`:
its address parsing changed in Python patch releases (CVE-2023-27043), and a verdict must
not move with the interpreter. Each address string found is judged by the project's own
classifier (`conformance.addresses`).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from conformance.addresses import AddressClass, AddressVerdict, Gray, classify_address

RAW_RULES: Final = ("raw.mime", "raw.line-length", "raw.encoding")
"""The rules of raw messages alone (a wire without raw messages cannot judge them)."""
RECIPIENT_HEADERS: Final = ("To", "Cc", "Bcc")
MAX_DEPTH: Final = 20
"""Multiparts read this deep (a message nested 1,000 deep is read 20 deep, in bounded time)."""
LINE_LIMIT: Final = 1000
"""rules.md raw.line-length: 1,000 characters, the CRLF included (998 + CRLF by RFC 5322)."""
HEADER_NORMAL: Final = frozenset(
    {Gray.ENCODED_WORD_NAME, Gray.UNUSUAL_DISPLAY_NAME, Gray.RECIPIENT_DISPLAY_NAME}
)
"""A display name, quoted or in encoded words, is what a header normally holds: gray in
a SendEmail parameter, plain in a message header."""
_FIELD = re.compile(rb"^[!-9;-~]+:")
_TOKENS = re.compile(r'[^"\\()<>:,;]+|.', re.DOTALL)
"""split_addresses' tokens: a run of characters with no meaning there, or one character."""
_BOUNDARY = re.compile(r'boundary\s*=\s*(?:"([^"]*)"|([^\s;]+))', re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RawMessage:
    """What the rules read off one raw message (the bytes SES is given, decoded)."""

    size: int
    """Bytes of the message itself (decoded from base64)."""
    headers: tuple[tuple[str, str], ...]
    """Top-level fields in order, (name, unfolded value)."""
    stray_lines: tuple[int, ...]
    """Line numbers (1-based) in the header section that are neither a field nor a
    folded continuation: body text where headers belong."""
    blank_line: bool
    """Whether a blank line ends the header section."""
    longest_line: int
    """Characters of the longest line, before its CRLF."""
    boundary_missing: bool
    """A multipart message (or part) whose boundary never appears in its body."""
    eight_bit_parts: int
    """Parts (leaves) with 8-bit content and no Content-Transfer-Encoding."""
    multipart_depth: int
    """Multiparts nested in each other (0: a single part)."""
    no_mime_version: bool
    non_text_bytes: int = 0
    """Body bytes of the leaf parts that are not text/* (attachments, images): what a
    target counting the text part alone leaves out of the size."""

    def header(self, name: str) -> list[str]:
        """Every value of the field `name` (case-insensitive), in order."""
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    @property
    def empty(self) -> bool:
        return self.size == 0


def _lines(data: bytes) -> list[bytes]:
    """Lines without their line ends (CRLF, or a bare LF). Each CR before an LF goes in one
    C-level pass, not line by line: a 10 MB message has a million lines."""
    lines = data.replace(b"\r\n", b"\n").split(b"\n")
    lines[-1] = lines[-1].removesuffix(b"\r")
    return lines


def _lf_text(data: bytes) -> bytes:
    """`data` with LF line ends: `b"\\n".join(_lines(data))` without a million line objects."""
    return data.replace(b"\r\n", b"\n").removesuffix(b"\r")


_BARE_CR = re.compile(rb"\r(?!\n)")


def _longest_line(data: bytes) -> int:
    """The longest line's length without its line end. `bytes.splitlines` (one C pass) also
    breaks at a bare CR, which here is part of its line: it serves when every CR ends a
    CRLF, the general reading when one does not."""
    if _BARE_CR.search(data) is None:
        return max(map(len, data.splitlines()), default=0)
    return max(map(len, _lines(data)))


_BLANK = re.compile(rb"\n\r?\n")
"""A blank line that is not the data's last (a final line end is no blank line)."""


def split_head(data: bytes) -> tuple[list[bytes], bytes | None]:
    """(header lines, body) cut at the first blank line; body None when there is none."""
    if data in (b"", b"\r") or data.startswith((b"\n", b"\r\n")):
        return [], data[data.find(b"\n") + 1 :] if b"\n" in data else b""
    blank = _BLANK.search(data)
    if blank is not None:
        return _lines(data[: blank.start()]), data[blank.end() :]
    head = data.removesuffix(b"\n").removesuffix(b"\r")
    return (_lines(head) if head else []), None


def _fields(head: list[bytes]) -> tuple[list[tuple[str, str]], list[int]]:
    """The header fields (unfolded, decoded as Latin-1) and the stray line numbers."""
    pieces: list[tuple[str, list[str]]] = []  # joined once: a field folded over 1M lines
    stray: list[int] = []  # stays linear, where `value + line` per fold was quadratic
    for number, line in enumerate(head, start=1):
        text = line.decode("latin-1")
        if line[:1] in (b" ", b"\t") and pieces:
            pieces[-1][1].append(text.strip(" \t"))
        elif _FIELD.match(line):
            name, _, value = text.partition(":")
            pieces.append((name, [value.strip(" \t")]))
        else:
            stray.append(number)
    return [(name, _unfold(parts)) for name, parts in pieces], stray


def _unfold(parts: list[str]) -> str:
    """A field's value, its folds joined by one space (empty folds dropped): what adding
    each fold as `(value + " " + fold).strip(" ")` gives, in linear time."""
    return " ".join(part for part in parts if part)


def _value(fields: list[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in fields if k.lower() == wanted), None)


def _part_findings(
    fields: list[tuple[str, str]], body: bytes | None, depth: int = 0
) -> tuple[bool, int, int, int]:
    """(a boundary is missing, 8-bit leaves without Content-Transfer-Encoding, multipart
    depth, body bytes of the leaves that are not text/*) of one part, given its fields
    (read once: a header section may be 10 MB). Nesting is read MAX_DEPTH deep: deeper
    parts count as leaves."""
    ctype = (_value(fields, "Content-Type") or "text/plain").strip()
    payload = body or b""
    if ctype.lower().startswith("multipart/") and depth < MAX_DEPTH:
        found = _BOUNDARY.search(ctype)
        boundary = (found.group(1) or found.group(2)) if found else ""
        marker = b"--" + boundary.encode("latin-1", "replace")
        chunks = _chunks(_lf_text(payload), marker) if boundary else None
        if chunks is None:
            return True, 0, 1, 0
        missing, eight, deepest, other = False, 0, 0, 0
        for chunk in chunks:
            part_head, part_body = split_head(chunk)
            m, e, d, o = _part_findings(_fields(part_head)[0], part_body, depth + 1)
            missing, eight, deepest, other = missing or m, eight + e, max(deepest, d), other + o
        return missing, eight, deepest + 1, other
    other = 0 if ctype.lower().startswith("text/") else len(payload)
    if not payload.isascii() and _value(fields, "Content-Transfer-Encoding") is None:
        return False, 1, 0, other
    return False, 0, 0, other


def _marker_lines(text: bytes, marker: bytes) -> list[tuple[int, int]]:
    """(start, end) of each line of `text` (LF-separated) that starts with `marker`, found
    with `bytes.find`: no loop over the lines between them."""
    found: list[tuple[int, int]] = []
    needle = b"\n" + marker
    at = 0 if text.startswith(marker) else text.find(needle) + 1 if needle in text else -1
    while at >= 0:
        end = text.find(b"\n", at)
        end = len(text) if end < 0 else end
        found.append((at, end))
        nxt = text.find(needle, end)
        at = nxt + 1 if nxt >= 0 else -1
    return found


def _chunks(text: bytes, marker: bytes) -> list[bytes] | None:
    """The parts between `--boundary` lines (the preamble and epilogue left out), each with
    CRLF line ends; None when no line starts with the marker."""
    lines = _marker_lines(text, marker)
    if not lines:
        return None
    parts: list[bytes] = []
    closing = marker + b"--"
    for index, (start, end) in enumerate(lines):
        if index:
            parts.append(text[lines[index - 1][1] + 1 : start - 1].replace(b"\n", b"\r\n"))
        if text[start:end].rstrip(b" \t") == closing:
            return parts
    parts.append(text[lines[-1][1] + 1 :].replace(b"\n", b"\r\n"))
    return parts


def read_message(data: bytes) -> RawMessage:
    """Read one raw message; never raises, whatever the bytes."""
    if not isinstance(data, bytes):
        raise TypeError(f"data: expected bytes, got {type(data).__name__}")
    head, body = split_head(data)
    fields, stray = _fields(head)
    missing, eight, depth, other = _part_findings(fields, body)
    longest = _longest_line(data)
    return RawMessage(
        size=len(data),
        headers=tuple(fields),
        stray_lines=tuple(stray),
        blank_line=body is not None,
        longest_line=longest,
        boundary_missing=missing,
        eight_bit_parts=eight,
        multipart_depth=depth,
        no_mime_version=_value(fields, "MIME-Version") is None,
        non_text_bytes=other,
    )


# --- addresses in headers -----------------------------------------------------------------


def unclosed(message: RawMessage, data: bytes) -> bool:
    """A multipart message whose close delimiter (`--boundary--`) never appears, though its
    boundary does. Read by the class readers and planted faults, not by any rule."""
    found = _BOUNDARY.search(" ".join(message.header("Content-Type")))
    if found is None:
        return False
    marker = ("--" + (found.group(1) or found.group(2))).encode("latin-1", "replace")
    return marker in data and marker + b"--" not in data


def unquoted_boundary(message: RawMessage) -> bool:
    """The top-level Content-Type gives its boundary unquoted (`boundary=b01`). Read by
    the class readers and a planted fault, not by any rule."""
    found = _BOUNDARY.search(" ".join(message.header("Content-Type")))
    return found is not None and found.group(2) is not None


def split_addresses(value: str) -> list[str]:
    """The address strings of one address-list header, group members included.

    Commas split outside quotes, comments and angle brackets; `name: a, b;` is a group
    whose members are listed (an empty group lists none). Deterministic on every Python.
    """
    found: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    comment = angle = 0
    for ch in _TOKENS.findall(value):  # a run of ordinary characters at once, not each
        if escaped or len(ch) > 1:
            escaped = False
        elif ch == "\\" and (quoted or comment):
            escaped = True
        elif ch == '"' and not comment:
            quoted = not quoted
        elif quoted:
            pass
        elif ch == "(":
            comment += 1
        elif ch == ")" and comment:
            comment -= 1
        elif comment:
            pass
        elif ch == "<":
            angle += 1
        elif ch == ">" and angle:
            angle -= 1
        elif not angle and ch == ":":
            current = []  # a group's display name ends here: its members follow
            continue
        elif not angle and ch in ",;":
            found.append("".join(current))
            current = []
            continue
        current.append(ch)
    found.append("".join(current))
    return [text.strip(" \t") for text in found if text.strip(" \t")]


def header_addresses(message: RawMessage, names: tuple[str, ...]) -> list[str]:
    """Every address string of the fields `names`, in field order."""
    return [a for name in names for value in message.header(name) for a in split_addresses(value)]


def classify_header_address(text: str) -> AddressVerdict:
    """The classifier's verdict on an address read from a header: a display name (plain,
    quoted or in encoded words) is normal there, so it makes nothing gray."""
    verdict = classify_address(text, role="source")
    if verdict.cls is not AddressClass.GRAY:
        return verdict
    gray = tuple(g for g in verdict.gray if g not in HEADER_NORMAL)
    cls = AddressClass.GRAY if gray else AddressClass.VALID
    return AddressVerdict(cls, verdict.address, verdict.defects, gray)


# --- the request's members ----------------------------------------------------------------


def is_raw(params: Any) -> bool:
    """A raw-message request: its params carry RawMessage (the v1 name, on every wire)."""
    return isinstance(params, Mapping) and "RawMessage" in params


def data_text(params: Mapping[str, Any]) -> str | None:
    """RawMessage.Data as the request gives it; None when absent or not a string."""
    holder = params.get("RawMessage")
    data = holder.get("Data") if isinstance(holder, Mapping) else None
    return data if isinstance(data, str) else None


def destinations_typed(params: Mapping[str, Any]) -> bool:
    """Destinations absent, or a list of strings: anything else is of the wrong type."""
    destinations = params.get("Destinations")
    return destinations is None or (
        isinstance(destinations, list) and all(isinstance(d, str) for d in destinations)
    )


def raw_data(params: Mapping[str, Any]) -> bytes | None:
    """RawMessage.Data decoded from base64; None when absent, not a string or not base64."""
    data = data_text(params)
    return None if data is None else decode_data(data)


def decode_data(data: str) -> bytes | None:
    """A RawMessage.Data string decoded from base64; None when it is not base64."""
    try:  # b64decode(validate=True), without first copying the string to bytes
        return binascii.a2b_base64(data, strict_mode=True)
    except ValueError:  # binascii.Error, and a string that is not ASCII
        return None


_READ: dict[tuple[int, int], RawMessage | None] = {}
_READ_KEPT: Final = 8


_ENCODED: list[tuple[tuple[int, int], bytes]] = []
"""The last message `encode_data` wrote, by its Data's (length, hash): what the suite
encoded it need not decode again to read it (a 40 MB message decodes in 0.1 s)."""


def read_data(data: str) -> RawMessage | None:
    """A RawMessage.Data string decoded and read (None: not base64), the last few kept.

    The oracle, the class recorder and the controls each read the request's message, once
    per rule: a 40 MB message read ten times cost seconds. Kept by (length, hash), not by
    the string, so a kept entry holds no message alive."""
    key = (len(data), hash(data))
    if key not in _READ:
        decoded = _ENCODED[0][1] if _ENCODED and _ENCODED[0][0] == key else decode_data(data)
        if len(_READ) >= _READ_KEPT:
            _READ.pop(next(iter(_READ)), None)
        _READ[key] = None if decoded is None else read_message(decoded)
    return _READ[key]


def encode_data(message: bytes) -> str:
    """A message as RawMessage.Data carries it (base64, no line breaks)."""
    data = base64.b64encode(message).decode("ascii")
    _ENCODED[:] = [((len(data), hash(data)), message)]
    return data
