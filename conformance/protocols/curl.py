"""Secret redaction for recorded requests, and curl replays of them.

Reports are shared (CI artefacts, bug reports), so a recorded request never holds a
credential: each secret becomes a shell variable the reader sets before replaying.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shlex

from conformance.model import WireRequest

__all__ = ["SECRET_HEADERS", "redact_headers", "render_curl"]

SECRET_HEADERS: dict[str, tuple[str, str]] = {
    "authorization": ("Authorization", "$AUTHORIZATION"),
    "proxy-authorization": ("Proxy-Authorization", "$PROXY_AUTHORIZATION"),
    "x-amz-security-token": ("X-Amz-Security-Token", "$AWS_SESSION_TOKEN"),
    "cookie": ("Cookie", "$COOKIE"),
    "x-api-key": ("X-Api-Key", "$API_KEY"),
}
"""lower-case header name -> (canonical name, the placeholder that replaces its value)."""

_SIGV4 = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/,\s]+)/"
    r"(?P<service>[^/,\s]+)/aws4_request\s*,\s*SignedHeaders=(?P<signed>[^,\s]+)"
)
_SIGV4_REDACTED = (
    "AWS4-HMAC-SHA256 Credential=$AWS_ACCESS_KEY_ID/{date}/{region}/{service}/aws4_request, "
    "SignedHeaders={signed}, Signature=<redacted>"
)
_SKIPPED = {"content-length", "host", "connection"}  # curl sets these itself
_PRINTABLE = re.compile(r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*")


def redact_headers(headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The headers with every secret value replaced by its `$VARIABLE` placeholder.

    A SigV4 Authorization keeps its scope (date, region, service, signed headers) so a
    replay can re-sign; the access key id and the signature go.
    """
    redacted: list[tuple[str, str]] = []
    for name, value in headers:
        secret = SECRET_HEADERS.get(name.lower())
        if secret is None:
            redacted.append((name, value))
            continue
        match = _SIGV4.match(value) if name.lower() == "authorization" else None
        if match:
            redacted.append((name, _SIGV4_REDACTED.format(**match.groupdict())))
        else:
            redacted.append((name, secret[1]))
    return tuple(redacted)


def render_curl(
    request: WireRequest, *, timeout_s: float | None = None, max_inline_bytes: int = 65_536
) -> str:
    """A shell command that replays `request` with curl; secrets come from the environment.

    Printable bodies up to `max_inline_bytes` are inlined; other bodies come from
    `body.bin` (written by a base64 line first when small enough to carry).
    """
    if max_inline_bytes < 0:
        raise ValueError(f"max_inline_bytes: expected >= 0, got {max_inline_bytes!r}")
    args = ["curl", "-sS", "-i", "-X", shlex.quote(request.method)]
    if timeout_s is not None:
        args += ["--max-time", shlex.quote(f"{timeout_s:g}")]
    scope = None
    for name, value in request.headers:
        if name.lower() == "authorization":
            scope = _SIGV4.match(value.replace("$AWS_ACCESS_KEY_ID", "KEY", 1))
    for name, value in request.headers:
        lowered = name.lower()
        if lowered in _SKIPPED or (scope and lowered in ("authorization", "x-amz-date")):
            continue  # curl --aws-sigv4 signs again, with a fresh date
        secret = SECRET_HEADERS.get(lowered)
        if secret is not None:  # whatever the value: a secret is never printed
            args.append(f'-H "{secret[0]}: {secret[1]}"')
        else:
            args += ["-H", shlex.quote(f"{name}: {value}")]
    if scope:
        args += ["--aws-sigv4", shlex.quote(f"aws:amz:{scope['region']}:{scope['service']}")]
        args += ["--user", '"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"']
    before: list[str] = []
    body = request.body
    if body:
        text = _printable_text(body) if len(body) <= max_inline_bytes else None
        if text is not None:
            args += ["--data-binary", shlex.quote(text)]
        else:
            args += ["--data-binary", "@body.bin"]
            if len(body) <= max_inline_bytes:
                encoded = base64.b64encode(body).decode("ascii")
                before.append(f"printf %s {encoded} | base64 -d > body.bin")
            else:
                digest = hashlib.sha256(body).hexdigest()
                before.append(
                    f"# body: {len(body)} bytes (sha256 {digest}), too big to inline: "
                    "save it as body.bin"
                )
    args.append(shlex.quote(request.url))
    return "\n".join([*before, " ".join(args)])


def _printable_text(body: bytes) -> str | None:
    """The body as text when it is UTF-8 without control characters (tabs, newlines ok)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if _PRINTABLE.fullmatch(text) else None
