"""The message ids and timestamps the reference answers with, in real SES's forms."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

__all__ = ["format_timestamp", "new_message_id"]


def new_message_id(now: datetime) -> str:
    """SES-style id: 16 hex digits of epoch milliseconds, a uuid4, `-000000`."""
    millis = int(now.timestamp() * 1000)
    return f"{millis:016x}-{uuid.uuid4()}-000000"


def format_timestamp(moment: datetime) -> str:
    """RFC 3339 UTC with a `Z` and milliseconds."""
    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return text[:-3] + "Z"
