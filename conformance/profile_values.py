"""The values of a target profile: `${ENV}` expansion and one validator per kind of value.

Each validator checks one raw TOML value and returns it typed, or raises ProfileError
naming the key and the bad value; `conformance.profile` says which key takes which.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from typing import Any

from conformance.errors import ProfileError
from conformance.outbox_formats import OUTBOX_FORMATS

ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_env(value: Any, key: str) -> Any:
    """`${NAME}` in every string of `value` replaced by the environment's NAME."""
    if isinstance(value, str):

        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise ProfileError(f"{key}: environment variable ${{{name}}} is not set")
            return os.environ[name]

        return ENV_REFERENCE.sub(sub, value)
    if isinstance(value, list):
        return [expand_env(item, key) for item in value]
    if isinstance(value, dict):
        return {k: expand_env(v, f"{key}.{k}") for k, v in value.items()}
    return value


def nonempty_str(raw: Any, key: str, *, url: bool = False) -> str:
    if not isinstance(raw, str) or not raw:
        raise ProfileError(f"{key}: expected a non-empty string, got {raw!r}")
    if url and not re.match(r"^https?://[^/\s]+", raw):
        raise ProfileError(f"{key}: expected an http:// or https:// URL, got {raw!r}")
    return raw


def int_minimum(raw: Any, key: str, *, minimum: int) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < minimum:
        raise ProfileError(f"{key}: expected an integer >= {minimum}, got {raw!r}")
    return raw


def positive_number(raw: Any, key: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 < raw < math.inf:
        raise ProfileError(f"{key}: expected a number > 0, got {raw!r}")
    return float(raw)


def true_or_false(raw: Any, key: str) -> bool:
    if not isinstance(raw, bool):
        raise ProfileError(f"{key}: expected true or false, got {raw!r}")
    return raw


def outbox_format(raw: Any, key: str) -> str:
    if not isinstance(raw, str) or raw not in OUTBOX_FORMATS:
        known = ", ".join(OUTBOX_FORMATS)
        raise ProfileError(f"{key}: expected one of {known}, got {raw!r}")
    return str(raw)


def str_list(raw: Any, key: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(x, str) and x for x in raw):
        raise ProfileError(f"{key}: expected a list of non-empty strings, got {raw!r}")
    return tuple(raw)


Validator = Callable[[Any, str], Any]
"""Checks one raw TOML value and returns it typed; raises ProfileError naming `key`."""


def http_url(raw: Any, key: str) -> str:
    return nonempty_str(raw, key, url=True)


def int_at_least(minimum: int) -> Validator:
    def check(raw: Any, key: str) -> int:
        return int_minimum(raw, key, minimum=minimum)

    return check
