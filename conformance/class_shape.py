"""Request-shape classes: every member of the request model missing, null, empty, of the
wrong type, given, plus unknown members (request.required and robust.no-5xx)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.addresses import Defect, Gray
from conformance.class_names import address_classes, name
from conformance.members import (
    BODY_PARTS,
    DESTINATION_LISTS,
    ITEM,
    KNOWN,
    LIST,
    MEMBERS,
    OBJECT,
    STRING,
    JsonType,
    is_type,
)


def _paths(
    kind: JsonType | None = None, *, required: bool | None = None, by_depth: bool = False
) -> tuple[str, ...]:
    """Member paths of the table (`members.MEMBERS`), list items left out; in the table's
    order, or shallowest first (`by_depth`)."""
    found = [
        m
        for m in MEMBERS.values()
        if ITEM not in m.path
        and (kind is None or m.type == kind)
        and (required is None or m.required == required)
    ]
    if by_depth:
        found.sort(key=lambda m: m.depth)
    return tuple(m.path for m in found)


def _outside(paths: tuple[str, ...], *parents: str) -> tuple[str, ...]:
    return tuple(p for p in paths if not p.startswith(tuple(f"{q}." for q in parents)))


REQUIRED = _paths(required=True, by_depth=True)
"""Required whenever their parent is there: missing and null classes."""
OPTIONAL_STRINGS = _paths(STRING, required=False, by_depth=True)
OPTIONAL_LISTS = _outside(_paths(LIST, required=False), "Destination")
"""The recipient lists are left to the recipients rules' own classes."""
OPTIONAL = (*OPTIONAL_LISTS, *OPTIONAL_STRINGS)
EMPTIES = ("Source", "Destination", "Message", "Message.Subject", "Message.Body")
BODIES = ("Text only", "Html only", "Text and Html")
CHARSETS = ("UTF-8", "utf-8", "US-ASCII", "ISO-8859-1", "another charset")
_KNOWN_CHARSETS = {"UTF-8", "utf-8", "US-ASCII", "ISO-8859-1"}

STRING_PATHS = (*_paths(STRING, required=True, by_depth=True), *OPTIONAL_STRINGS)
OBJECT_PATHS = _paths(OBJECT, by_depth=True)
LIST_PATHS = _paths(LIST)
WRONG_TYPE_PATHS = (*STRING_PATHS, *OBJECT_PATHS, *LIST_PATHS)
ELEMENT_PATHS = (f"Destination.{DESTINATION_LISTS[0]}", *OPTIONAL_LISTS)
"""Lists with an item of the wrong type; ToAddresses stands for the three recipient lists."""
RECIPIENT_LISTS = tuple(f"Destination.{key}" for key in DESTINATION_LISTS)
ITEM_STRING_PATHS = tuple(m.path for m in MEMBERS.values() if ITEM in m.path and m.type == STRING)
"""The string members of list items (`Tags[].Name`, `Tags[].Value`): each of the wrong type
in an item that is itself an object (the mutation run found this class missing)."""
UNKNOWN_AT = tuple(KNOWN)
MALFORMED = (
    "truncated JSON",
    "non-UTF-8 bytes",
    "JSON array",
    "JSON number",
    "JSON null",
    "empty body",
    "deep nesting",
    "NUL bytes",
    "random bytes",
    "body of the other wire format",
)
_MISSING = object()
_KNOWN = KNOWN


def lookup(params: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path; `_MISSING` when a step is absent or not an object."""
    node: Any = params
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return _MISSING
        node = node[key]
    return node


def request_shape_declared(profile: Any) -> list[str]:
    found = [f"{how} {p}" for p in REQUIRED for how in ("missing", "null")]
    found += [f"empty {p}" for p in EMPTIES]
    found += [f"Body: {b}" for b in BODIES]
    found += [f"{how} {p}" for p in OPTIONAL for how in ("given", "null", "empty")]
    found += [f"Charset {c}" for c in CHARSETS]
    return found


def request_shape_observed(params: Mapping[str, Any], profile: Any) -> list[str]:
    found: list[str] = []
    for path in REQUIRED:
        parent = lookup(params, path.rpartition(".")[0]) if "." in path else params
        if not isinstance(parent, Mapping):
            continue
        value = parent.get(path.rpartition(".")[2], _MISSING)
        part_absent = lookup(params, path.rpartition(".")[0]) is _MISSING
        if path.endswith(("Html.Data", "Text.Data")) and part_absent:
            continue
        if value is _MISSING:
            found.append(f"missing {path}")
        elif value is None:
            found.append(f"null {path}")
    for path in EMPTIES:
        value = lookup(params, path)
        if value == "" or (isinstance(value, Mapping) and not value):
            found.append(f"empty {path}")
    body = lookup(params, "Message.Body")
    if isinstance(body, Mapping):
        has = [k for k in BODY_PARTS if isinstance(body.get(k), Mapping)]
        if has:
            found.append("Body: " + (" and ".join(has) if len(has) == 2 else f"{has[0]} only"))
    for path in OPTIONAL:
        value = lookup(params, path)
        if value is None:
            found.append(f"null {path}")
        elif value in ("", []):
            found.append(f"empty {path}")
        elif value is not _MISSING:
            found.append(f"given {path}")
        if path.endswith("Charset") and isinstance(value, str) and value:
            found.append(f"Charset {value if value in _KNOWN_CHARSETS else 'another charset'}")
    return found


def robust_declared(profile: Any) -> list[str]:
    found = [f"wrong type: {p}" for p in WRONG_TYPE_PATHS]
    found += [f"wrong element type: {p}" for p in ELEMENT_PATHS]
    found += [f"{p} as an object keyed by addresses" for p in RECIPIENT_LISTS]
    found += [f"wrong type: {p}" for p in ITEM_STRING_PATHS]
    found += [f"unknown member in {w}" for w in UNKNOWN_AT]
    found += [f"ReplyTo: invalid: {name(d)}" for d in Defect]
    found += [f"ReplyTo: gray: {name(g)}" for g in Gray if g.name != "RECIPIENT_DISPLAY_NAME"]
    found += [f"malformed: {m}" for m in MALFORMED]
    found += ["huge value (1 MB or more) in a string member"]
    return found


def _wrong_type(path: str, value: Any) -> bool:
    if value is _MISSING or value is None:
        return False
    return not is_type(value, MEMBERS[path].type)


def _keyed_by_addresses(value: Any) -> bool:
    """A recipient list sent as an object whose keys read as addresses: a target that
    iterates it like a list sees valid recipients (the mutation run found this class)."""
    return isinstance(value, Mapping) and any(isinstance(k, str) and "@" in k for k in value)


def _bad_item_member(path: str, params: Mapping[str, Any]) -> bool:
    """An object item of the list whose member at `path` (`Tags[].Name`) is there, not
    null, and not a string."""
    where, _, member = path.partition(ITEM + ".")
    items = lookup(params, where)
    return isinstance(items, list) and any(
        isinstance(item, Mapping)
        and item.get(member) is not None
        and not is_type(item[member], STRING)
        for item in items
    )


def _bad_element(path: str, value: Any) -> bool:
    if not isinstance(value, list):
        return False
    items = MEMBERS[path].items or STRING
    return any(not is_type(v, items) for v in value)


def robust_observed(params: Mapping[str, Any], profile: Any) -> list[str]:
    found = [f"wrong type: {p}" for p in WRONG_TYPE_PATHS if _wrong_type(p, lookup(params, p))]
    found += [
        f"wrong element type: {p}" for p in ELEMENT_PATHS if _bad_element(p, lookup(params, p))
    ]
    found += [
        f"{p} as an object keyed by addresses"
        for p in RECIPIENT_LISTS
        if _keyed_by_addresses(lookup(params, p))
    ]
    found += [f"wrong type: {p}" for p in ITEM_STRING_PATHS if _bad_item_member(p, params)]
    for where, known in _KNOWN.items():
        node = params if where == "top level" else lookup(params, where)
        if isinstance(node, Mapping) and any(k not in known for k in node):
            found.append(f"unknown member in {where}")
    reply_to = params.get("ReplyToAddresses")
    if isinstance(reply_to, list):
        for address in reply_to:
            if isinstance(address, str):
                found += [f"ReplyTo: {c}" for c in address_classes(address, "source")]
    for path in STRING_PATHS:
        value = lookup(params, path)
        if isinstance(value, str) and len(value) >= 1_000_000:
            found.append("huge value (1 MB or more) in a string member")
    return found
