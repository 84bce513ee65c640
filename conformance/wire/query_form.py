"""The Query form's codec: params flattened to `A.B.member.1=x` pairs, and back.

The client encodes with it (and decodes its own form, to judge what the wire carried:
`QueryClient.effective_params`); the reference server decodes with it. One codec, so
the two cannot read the form differently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, TypeAlias
from urllib.parse import quote

from conformance.errors import FormError
from conformance.members import LIST, MEMBERS
from conformance.members import SEND_EMAIL_SHAPE as MEMBER_SHAPE
from conformance.model import JSON

__all__ = [
    "SEND_EMAIL_SHAPE",
    "VERSION",
    "FormError",
    "decode_members",
    "query_body",
    "query_form",
    "query_form_notes",
]

VERSION: Final = "2010-12-01"
MAX_DEPTH: Final = 8
_LISTS: Final = frozenset(m.name for m in MEMBERS.values() if m.type == LIST)
"""Members the form numbers (`.member.N`), by name: the member table's lists."""
_IGNORED: Final = frozenset({"Action", "Version"})


def _short(value: str, limit: int = 80) -> str:
    """A value cut down for an error message."""
    return value if len(value) <= limit else value[:limit] + "..."


# --- encoding -----------------------------------------------------------------------------

# A shape is "string", ("list", item shape), a struct {member: shape}, or None (unknown:
# serialised by what the value is).
Shape: TypeAlias = Any
SEND_EMAIL_SHAPE: Final[Mapping[str, Shape]] = MEMBER_SHAPE
"""The request's members as the serialiser walks them: read off the one member table."""


def _scalar(value: JSON) -> str | None:
    """A JSON scalar as the Query wire writes it; None for what it cannot carry."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def _flatten(prefix: str, value: JSON, shape: Shape, notes: list[str]) -> list[tuple[str, str]]:
    if value is None:
        return []  # JSON null: the member is absent
    if shape is None:  # unknown member: follow the value
        shape = (
            {}
            if isinstance(value, Mapping)
            else ("list", None)
            if isinstance(value, list)
            else "string"
        )
    if shape == "string":
        text = _scalar(value)
        if text is None:
            notes.append(f"{prefix}: a {type(value).__name__} cannot be a Query string; left out")
            return []
        if not isinstance(value, str):
            notes.append(f"{prefix}: {value!r} sent as the string {text!r}")
        return [(prefix, text)]
    if isinstance(shape, tuple):
        if isinstance(value, Mapping):
            notes.append(f"{prefix}: an object cannot be a Query list; left out")
            return []
        if not isinstance(value, list):
            notes.append(f"{prefix}: {value!r} sent as a one-member list")
        items = value if isinstance(value, list) else [value]  # "a" -> .member.1=a
        pairs: list[tuple[str, str]] = []
        number = 0
        for item in items:
            flat = _flatten(f"{prefix}.member.{number + 1}", item, shape[1], notes)
            if flat:
                number += 1
                pairs += flat
        return pairs  # an empty list sends nothing at all
    if isinstance(value, Mapping):
        pairs = []
        for key, member in value.items():
            pairs += _flatten(f"{prefix}.{key}", member, shape.get(str(key)), notes)
        return pairs
    text = _scalar(value)  # a scalar where an object is expected: sent as it is
    notes.append(f"{prefix}: a {type(value).__name__} where an object is expected")
    return [] if text is None else [(prefix, text)]


def query_form_notes(params: Mapping[str, JSON]) -> tuple[str, ...]:
    """What the Query wire changed in `params` (types it cannot carry); () when nothing.

    A wrong type the oracle rejects may reach the target as a valid request (`5` is the
    string "5", "a@b.example" where a list belongs is `.member.1`), so a test that
    judges wrong types over ses-query should treat a non-empty answer as `either`.
    """
    notes: list[str] = []
    for key, value in params.items():
        _flatten(str(key), value, SEND_EMAIL_SHAPE.get(str(key)), notes)
    return tuple(notes)


def query_form(params: Mapping[str, JSON], *, action: str = "SendEmail") -> list[tuple[str, str]]:
    """`params` as ordered Query pairs, Action and Version first.

    Empty lists send no member; members are numbered from 1; scalars are stringified;
    a string where a list is expected becomes `.member.1`; an object or a list where a
    string is expected is left out, because the Query wire cannot carry it.
    """
    if not isinstance(params, Mapping):
        raise TypeError(f"params: expected a mapping, got {type(params).__name__}")
    pairs = [("Action", action), ("Version", VERSION)]
    for key, value in params.items():
        pairs += _flatten(str(key), value, SEND_EMAIL_SHAPE.get(str(key)), [])
    return pairs


_CHUNK: Final = 1 << 16
"""quote() builds a list of one string per byte: a raw message's 14 MB of base64 quoted
at once costs about 150 MB, in 64 KiB pieces a few MB."""


def _pct(text: str) -> str:
    # surrogatepass: a lone surrogate in a generated string goes on the wire as it is
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= _CHUNK:
        return quote(data, safe="-_.~")
    return "".join(
        quote(data[start : start + _CHUNK], safe="-_.~") for start in range(0, len(data), _CHUNK)
    )


def query_body(pairs: Iterable[tuple[str, str]]) -> bytes:
    """The form-encoded body (RFC 3986 unreserved characters left as they are)."""
    return "&".join(f"{_pct(k)}={_pct(v)}" for k, v in pairs).encode("ascii")


# --- decoding -----------------------------------------------------------------------------


def decode_members(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """`Destination.ToAddresses.member.1=a` pairs -> the nested SES params dict.

    A list member given without `.member.N` (`Destination.ToAddresses=`) is a one-item
    list, as real SES reads botocore's empty-list form: an empty address.
    """
    root: dict[str, Any] = {}
    for key, value in pairs:
        if key in _IGNORED or key.startswith(("X-Amz-", "AWSAccessKeyId", "Signature")):
            continue
        parts = key.split(".")
        if len(parts) > MAX_DEPTH or not all(parts):
            raise FormError(f"Invalid parameter name {_short(key)!r}.")
        node = root
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise FormError(f"Parameter {_short(key)!r} conflicts with a scalar value.")
            node = child
        if isinstance(node.get(parts[-1]), dict):
            raise FormError(f"Parameter {_short(key)!r} conflicts with a structure.")
        node[parts[-1]] = value
    return _listify(root)


def _listify(node: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        if isinstance(value, dict):
            if set(value) == {"member"} and isinstance(value["member"], dict):
                out[key] = _members(key, value["member"])
            else:
                out[key] = _listify(value)
        elif key in _LISTS:
            out[key] = [value]
        else:
            out[key] = value
    return out


def _members(name: str, members: dict[str, Any]) -> list[Any]:
    items: list[tuple[int, Any]] = []
    for index, value in members.items():
        if not index.isdigit() or not index.isascii() or int(index) < 1:
            raise FormError(f"Invalid list index {_short(index)!r} in {name}.member.")
        items.append((int(index), _listify(value) if isinstance(value, dict) else value))
    return [value for _, value in sorted(items, key=lambda item: item[0])]
