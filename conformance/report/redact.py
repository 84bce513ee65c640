"""Mask credentials in everything a report shows.

Reports are screenshotted, attached to CI runs and pasted into issues, and their text comes
partly from the target (untrusted, and possibly echoing our own headers back). Every string a
renderer writes goes through `redact` first, so a leaked key never leaves the run directory's
raw files. The patterns are deliberately broad: a masked non-secret costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MASK = "[REDACTED]"

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


def redact(text: str) -> str:
    """`text` with access key ids, secret keys, auth headers, tokens and signatures masked."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
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
