"""Bodies no wire can read as a request (robust.no-5xx's malformed-body test).

Each body carries its label, the class the report counts it under. Built once per target:
`malformed_bodies` and `explicit_malformed` take the target's wire and a valid request.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from hypothesis import strategies as st

from conformance.model import JSON, RawRequest
from conformance.wire.media import foreign_body, request_media_type


def fixed_bodies(protocol: str, params: Mapping[str, JSON]) -> dict[str, bytes]:
    """The malformed bodies every run sends, by label."""
    return {
        "non-UTF-8 bytes": b'{"Source": "\xff\xfe\xc3\x28"}',
        "JSON array": b"[1, 2, 3]",
        "JSON number": b"42",
        "JSON null": b"null",
        "empty body": b"",
        "deep nesting": b"[" * 100_000 + b"]" * 100_000,
        "body of the other wire format": foreign_body(protocol, params),
    }


def malformed_bodies(*, protocol: str, params: Mapping[str, JSON]) -> st.SearchStrategy[RawRequest]:
    """Broken syntax, truncated JSON, NUL bytes, random bytes, bodies of another wire."""
    valid = json.dumps(dict(params)).encode()
    content_type = request_media_type(protocol)
    kinds = st.one_of(
        st.sampled_from(sorted(fixed_bodies(protocol, params).items())),
        st.integers(1, len(valid) - 1).map(lambda n: ("truncated JSON", valid[:n])),
        st.integers(1, 64).map(lambda n: ("NUL bytes", b"\x00" * n)),
        st.binary(min_size=1, max_size=256).map(lambda b: ("random bytes", b)),
    )
    return kinds.map(lambda kind: RawRequest(kind[1], content_type=content_type, label=kind[0]))


def explicit_malformed(*, protocol: str, params: Mapping[str, JSON]) -> list[RawRequest]:
    """One written-out body of every label (every run sends each)."""
    content_type = request_media_type(protocol)
    return [
        RawRequest(body, content_type=content_type, label=label)
        for label, body in (
            *fixed_bodies(protocol, params).items(),
            ("truncated JSON", b'{"Source": '),
            ("NUL bytes", b"\x00" * 8),
            ("random bytes", b"\x93\x00\xfe{"),
        )
    ]
