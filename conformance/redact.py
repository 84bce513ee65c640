"""Mask credentials in everything a report shows.

Reports are screenshotted, attached to CI runs and pasted into issues, and their text comes
partly from the target (untrusted, and possibly echoing our own headers back). Every string a
renderer writes goes through `redact` first, so a leaked key never leaves the run directory's
raw files. The patterns are deliberately broad: a masked non-secret costs nothing.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any, TextIO
from urllib.parse import quote, quote_plus

MASK = "[REDACTED]"
MIN_SECRET_CHARS = 6
"""Shorter values are not masked by value (a 3-letter "secret" would mask ordinary words)."""

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_longest_first: list[tuple[str, ...]] = [()]
"""`_secrets` sorted, kept with it: `redact` reads it for every string of a report."""


def register_secrets(values: Iterable[str | None]) -> None:
    """Mask these values (and their URL- and JSON-escaped forms) in everything redacted.

    Called with every credential a client holds and every `${ENV}` value the profile
    marks secret, so a target that echoes one back cannot put it in a report.
    """
    with _secrets_lock:
        for value in values:
            if not isinstance(value, str) or len(value) < MIN_SECRET_CHARS:
                continue
            escaped = json.dumps(value)[1:-1]
            _secrets.update({value, quote(value, safe=""), quote_plus(value), escaped})
        _longest_first[0] = tuple(sorted(_secrets, key=len, reverse=True))


def registered_secrets() -> tuple[str, ...]:
    """The values masked by value, longest first (so a longer form is masked whole)."""
    return _longest_first[0]


def forget_secrets() -> None:
    """Drop every registered value (tests)."""
    with _secrets_lock:
        _secrets.clear()
        _longest_first[0] = ()


# A separator between a name and its value: `name=value`, `name: value`, `"name": "value"`.
_SEP = r"""(["']?\s*[:=]\s*["']?)"""

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # AWS access key ids (long-term AKIA, temporary ASIA): keep the prefix so a reader
    # still sees which kind of key it was.
    (re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b"), rf"\1{MASK}"),
    # aws_secret_access_key=..., AWS_SECRET_ACCESS_KEY: ..., "SecretAccessKey": "..."
    (
        re.compile(r"(?i)(secret[_-]?access[_-]?key)" + _SEP + r"([A-Za-z0-9/+=]+)"),
        rf"\1\2{MASK}",
    ),
    # Authorization headers, in header lines, JSON header maps and curl -H arguments: the
    # whole value up to the end of the line or the closing quote.
    (re.compile(r"(?i)\b(authorization)" + _SEP + r"""([^"'\r\n]+)"""), rf"\1\2{MASK}"),
    # Session tokens, as a header or as a presigned-URL query parameter.
    (re.compile(r"(?i)(x-amz-security-token)" + _SEP + r"""([^"'&\s]+)"""), rf"\1\2{MASK}"),
    # SigV2/SigV4 signatures: Signature=..., X-Amz-Signature=... (query or header form).
    (re.compile(r"""(?i)(signature=)([^&,\s"']+)"""), rf"\1{MASK}"),
)


_ANY_PATTERN = re.compile(r"(?i)akia|asia|secret|authorization|x-amz-security-token|signature=")
"""A word every match of `_PATTERNS` holds: text without one is left alone at once (a
report redacts tens of thousands of strings, nearly all of them without a credential)."""


def redact(text: str) -> str:
    """`text` with access key ids, secret keys, auth headers, tokens and signatures masked:
    the registered credential values wherever they appear, then the patterns."""
    secrets = registered_secrets()
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    if secrets:
        text = _mask_cut_heads(text, secrets)
    if _ANY_PATTERN.search(text) is None:
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


_CUT_MARK = re.compile(r"\.\.\. \[cut: ")
"""What caps.cut and report.text put where they cut a string."""


def _mask_cut_heads(text: str, secrets: tuple[str, ...]) -> str:
    """Mask the head of a secret that a cap cut in half: it ends the text or stands just
    before a cut marker (a client keeps only so much of an answer; records cut long
    strings), and the whole value no longer matches. Heads under MIN_SECRET_CHARS stay."""
    ends = [m.start() for m in _CUT_MARK.finditer(text)] + [len(text)]
    for end in reversed(ends):  # from the back, so earlier positions stay valid
        tail = text[max(0, end - MIN_SECRET_CHARS) : end]
        for secret in secrets:
            if len(tail) < MIN_SECRET_CHARS or tail not in secret:
                continue  # the common case, at one substring test a secret
            head = next(
                (
                    n
                    for n in range(len(secret) - 1, MIN_SECRET_CHARS - 1, -1)
                    if text.endswith(secret[:n], 0, end)
                ),
                0,
            )
            if head:
                text = text[: end - head] + MASK + text[end:]
                break
    return text


_SECRET_KEY = re.compile(r"(?i)^(authorization|x-amz-security-token|.*secret[_-]?access[_-]?key)$")


def redact_value(value: Any) -> Any:
    """A JSON-like value with every string (keys included) passed through `redact`.

    A member named like a credential (`Authorization`, `X-Amz-Security-Token`,
    `aws_secret_access_key`) is masked whole, since its value alone matches no pattern.
    """
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {
            redact(str(key)): MASK if _SECRET_KEY.match(str(key)) else redact_value(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_value(item) for item in value]
    return value


class RedactingStream(io.TextIOBase):
    """A text stream that masks secrets line by line before they reach `inner`.

    Whole lines are redacted, so a secret written in pieces is still seen whole; `flush`
    writes a pending partial line (progress lines end in `\r`, not a newline).
    """

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner
        self._pending = ""
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            self._pending += text
            if "\n" in self._pending:
                done, _, self._pending = self._pending.rpartition("\n")
                self.inner.write(redact(done + "\n"))
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if self._pending:
                self.inner.write(redact(self._pending))
                self._pending = ""
            self.inner.flush()

    def isatty(self) -> bool:
        return self.inner.isatty()

    def fileno(self) -> int:
        return self.inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.inner, "encoding", "utf-8")

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.inner, "errors", None)

    def writable(self) -> bool:
        return True


def redact_strings(value: Any) -> Any:
    """A JSON-like value with every string (keys included) passed through `redact`.

    Unlike `redact_value`, values under credential-like keys are not masked whole: the
    stored request headers are redacted already, and keep what a replay needs.
    """
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {redact(str(key)): redact_strings(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_strings(item) for item in value]
    return value
