"""HTTP helpers shared by the three wires: bounded body reading, strict JSON, responses."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from werkzeug.wrappers import Request, Response

from conformance.errors import BadJson, BodyTooLarge  # defined there, raised here

DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
"""A raw message of SESv2's 40 MB, base64 in JSON (53 MiB at the limit + 1), must fit."""
_CHUNK = 1 << 16
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def read_body(request: Request, *, limit: int) -> bytes:
    """At most `limit` bytes of body; never reads a body whose Content-Length is over it."""
    length = request.content_length
    if length is not None and length > limit:
        raise BodyTooLarge(length, limit)
    stream = request.stream
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        chunk = stream.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    if total > limit:
        raise BodyTooLarge(None, limit)
    return b"".join(chunks)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


MAX_JSON_STRINGS = 20_000
"""A SendEmail request holds a few hundred strings; one holding more is refused before
it is parsed (parsing 167,772 of them holds the interpreter for 60 ms or more)."""


def parse_json(body: bytes) -> Any:
    """Strict JSON: UTF-8 only, no NaN/Infinity; every failure is a `BadJson`."""
    quotes = body.count(b'"')  # an escaped quote is subtracted only when it may matter
    strings = quotes // 2 if quotes <= 2 * MAX_JSON_STRINGS else (quotes - body.count(b'\\"')) // 2
    if strings > MAX_JSON_STRINGS:
        raise BadJson(
            f"The request holds about {strings} JSON strings; a SendEmail request holds "
            f"at most {MAX_JSON_STRINGS} (Recipient count exceeds the limit)."
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadJson(f"The request body is not valid UTF-8 (byte {exc.start}).") from None
    if not text.strip():
        raise BadJson("The request body is empty; expected a JSON object.")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise BadJson("The request body is nested too deeply.") from None
    except ValueError as exc:  # JSONDecodeError, huge integers, NaN
        raise BadJson(f"The request body is not valid JSON: {str(exc)[:200]}") from None


def json_response(payload: Any, *, status: int, headers: dict[str, str] | None = None) -> Response:
    text = json.dumps(payload, ensure_ascii=True)
    return Response(text, status=status, headers=headers, content_type="application/json")


def xml_text(text: str) -> str:
    """Escape for XML character data, dropping characters XML 1.0 cannot carry."""
    text = _NOT_XML.sub("?", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def request_id() -> str:
    return str(uuid.uuid4())


def short(value: str, limit: int = 80) -> str:
    """A value cut down for an error message."""
    return value if len(value) <= limit else value[:limit] + "..."
