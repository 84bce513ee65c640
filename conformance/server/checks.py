"""Pure checks of the reference engine: members, address messages, size, identities.

Written independently of `conformance.oracle` on purpose: the oracle is tested against
the server, so the two must not share their reading of the rules. Only facts are shared:
the address classifier, so that "valid" means one thing everywhere, and the member table
(`conformance.members`: which members exist, their JSON types, which are required).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.addresses import AddressClass, AddressVerdict, Defect, Gray
from conformance.members import (
    BODY_PARTS,
    CONTENT_MEMBERS,
    DESTINATION_LISTS,
    ITEM,
    LIST,
    MEMBERS,
    OBJECT,
    STRING,
    TOP_LEVEL_OPTIONAL,
    JsonType,
    children,
    is_type,
)

SIMULATOR_DOMAIN = "simulator.amazonses.com"
SIMULATOR_NAMES = frozenset({"success", "bounce", "ooto", "complaint", "suppressionlist"})
MIME_HEADER_BYTES = 1024
"""Rough size of the headers SES writes around the parts it base64-encodes."""
LIST_KEYS = DESTINATION_LISTS
WHAT: dict[JsonType, str] = {STRING: "a string", OBJECT: "a structure", LIST: "a list"}
"""What a member must be, in SES's words, by the table's JSON type."""


SHOWN_PROBLEMS = 20
"""Problems named in one message; the count names them all."""


@dataclass(frozen=True, slots=True)
class MemberProblems:
    """What is missing (null) or of the wrong type, as SES-style member paths."""

    missing: tuple[str, ...]
    wrong: tuple[tuple[str, str], ...]
    """(path, what the member must be)."""

    def __bool__(self) -> bool:
        return bool(self.missing or self.wrong)

    def message(self) -> str:
        """`N validation error(s) detected: ...`, the way real SES words ValidationError."""
        parts = [
            f"Value null at '{path}' failed to satisfy constraint: Member must not be null"
            for path in self.missing
        ]
        parts += [
            f"Value at '{path}' failed to satisfy constraint: Member must be {what}"
            for path, what in self.wrong
        ]
        count = len(parts)
        plural = "error" if count == 1 else "errors"
        shown = parts[:SHOWN_PROBLEMS]  # 167,772 wrong members must not be a 10 MB message
        if count > SHOWN_PROBLEMS:
            shown.append(f"and {count - SHOWN_PROBLEMS} more")
        return f"{count} validation {plural} detected: " + "; ".join(shown)


def member_problems(
    params: Mapping[str, Any],
    *,
    require_subject: bool = True,
    require_source: bool = True,
    require_html: bool = False,
) -> MemberProblems:
    """Missing required members and members of the wrong JSON type; unknown ones ignored."""
    missing: list[str] = []
    wrong: list[tuple[str, str]] = []
    source = params.get("Source")
    if source is None:
        if require_source:
            missing.append("source")
    elif not is_type(source, MEMBERS["Source"].type):
        wrong.append(("source", WHAT[MEMBERS["Source"].type]))

    message = _required_object(params, "Message", missing, wrong)
    if message is not None:
        _message_problems(
            message, missing, wrong, require_subject=require_subject, require_html=require_html
        )
    # The Message before the Destination: the order real SES named them in (aws-sdk-ios#27).
    destination = _required_object(params, "Destination", missing, wrong)
    if destination is not None:
        wrong += _destination_problems(destination)
    wrong += _optional_problems(params)
    return MemberProblems(tuple(missing), tuple(wrong))


def _required_object(
    params: Mapping[str, Any], name: str, missing: list[str], wrong: list[tuple[str, str]]
) -> Mapping[str, Any] | None:
    """A required object member (Destination, Message) to look into, or None once its
    absence or its wrong type is filed."""
    value = params.get(name)
    if value is None:
        missing.append(name.lower())
    elif not isinstance(value, Mapping):
        wrong.append((name.lower(), WHAT[MEMBERS[name].type]))
    else:
        return value
    return None


def _destination_problems(destination: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Address lists that are not lists, and members that are not strings."""
    wrong: list[tuple[str, str]] = []
    for key in LIST_KEYS:
        path = f"destination.{key[0].lower()}{key[1:]}"
        addresses = destination.get(key)
        if addresses is None:
            continue
        member = MEMBERS[f"Destination.{key}"]
        if not is_type(addresses, member.type):
            wrong.append((path, WHAT[member.type]))
            continue
        items = member.items or STRING
        for index, item in enumerate(addresses, start=1):
            if not is_type(item, items):
                wrong.append((f"{path}.member.{index}", WHAT[items]))
    return wrong


def _message_problems(
    message: Mapping[str, Any],
    missing: list[str],
    wrong: list[tuple[str, str]],
    *,
    require_subject: bool,
    require_html: bool,
) -> None:
    """The Message's Subject and Body, added to `missing` and `wrong`."""
    subject = message.get("Subject")
    if subject is None:
        if require_subject:
            missing.append("message.subject")
    else:
        _content_problems(subject, "message.subject", missing, wrong)
    body = message.get("Body")
    if body is not None and not isinstance(body, Mapping):
        wrong.append(("message.body", WHAT[MEMBERS["Message.Body"].type]))
    elif body is None or all(body.get(key) is None for key in BODY_PARTS):
        missing.append("message.body")  # an empty Body is sent as nothing by SDKs
    else:
        for key in BODY_PARTS:
            if body.get(key) is not None:
                _content_problems(body[key], f"message.body.{key.lower()}", missing, wrong)
        if require_html and body.get("Html") is None:
            missing.append("message.body.html")


def _content_problems(
    value: Any, path: str, missing: list[str], wrong: list[tuple[str, str]]
) -> None:
    """One Content (Subject, Text, Html): a structure whose Data is a string."""
    if not isinstance(value, Mapping):
        wrong.append((path, WHAT[OBJECT]))
        return
    for name in CONTENT_MEMBERS:
        member = MEMBERS[f"Message.Subject.{name}"]  # every Content has the Subject's members
        item = value.get(name)
        if item is None:
            if member.required:
                missing.append(f"{path}.{name.lower()}")
        elif not is_type(item, member.type):
            wrong.append((f"{path}.{name.lower()}", WHAT[member.type]))


def _optional_problems(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Documented optional members of the wrong type (null counts as absent): the strings,
    then the lists (each item of its type; a Tag's members are required strings)."""
    wrong: list[tuple[str, str]] = []
    optional = [MEMBERS[key] for key in TOP_LEVEL_OPTIONAL]
    for member in sorted(optional, key=lambda m: m.type != STRING):  # stable: strings first
        value = params.get(member.path)
        if value is None:
            continue
        ses_path = member.path[0].lower() + member.path[1:]
        if member.type != LIST:
            if not is_type(value, member.type):
                wrong.append((ses_path, WHAT[member.type]))
        elif not (isinstance(value, list) and all(_item_ok(member.path, v) for v in value)):
            wrong.append((ses_path, _list_of(member.path)))
    return wrong


def _item_ok(path: str, item: Any) -> bool:
    """One item of the list at `path`: of the table's item type, its members all there."""
    items = MEMBERS[path].items or STRING
    if items != OBJECT:
        return is_type(item, items)
    where = path + ITEM
    return isinstance(item, Mapping) and all(
        is_type(item.get(name), MEMBERS[f"{where}.{name}"].type) for name in children(where)
    )


def _list_of(path: str) -> str:
    """`a list of strings`, `a list of {Name, Value} strings`: what the list must be."""
    names = children(path + ITEM)
    return f"a list of {{{', '.join(names)}}} strings" if names else "a list of strings"


def recipients_declared(params: Mapping[str, Any]) -> int:
    """How many items the recipient lists hold, whatever their types (none read)."""
    destination = params.get("Destination")
    if not isinstance(destination, Mapping):
        return 0
    return sum(len(value) for key in LIST_KEYS if isinstance(value := destination.get(key), list))


def recipient_lists(params: Mapping[str, Any]) -> dict[str, list[str]]:
    """The three lists of a well-typed request; absent or null lists are empty."""
    destination = params.get("Destination") or {}
    return {key: list(destination.get(key) or []) for key in LIST_KEYS}


def content_parts(params: Mapping[str, Any]) -> list[bytes]:
    """Subject, text and html Data of a well-typed request, UTF-8 encoded."""
    message = params["Message"]
    body = message.get("Body") or {}
    found = [message.get("Subject"), body.get("Text"), body.get("Html")]
    return [
        part["Data"].encode("utf-8", "surrogatepass")
        for part in found
        if isinstance(part, Mapping) and isinstance(part.get("Data"), str)
    ]


def mime_size(parts: list[bytes]) -> int:
    """Estimated MIME message size: each part base64-encoded in CRLF-ended 76-char lines."""
    total = MIME_HEADER_BYTES
    for part in parts:
        encoded = 4 * ((len(part) + 2) // 3)
        total += encoded + 2 * ((encoded + 75) // 76)
    return total


# --- address messages (JavaMail's InternetAddress, which real SES reproduces) -----------


def address_message(verdict: AddressVerdict) -> str:
    """The JavaMail-style message for an address that is not plainly valid (a gray one
    with real SES's recorded words where there is a recording, tests/recorded/)."""
    if verdict.cls is AddressClass.GRAY and verdict.gray:
        return _GRAY_MESSAGES.get(verdict.gray[0], "Illegal address")
    if verdict.cls is not AddressClass.INVALID or not verdict.defects:
        return "Illegal address"
    defect = verdict.defects[0]
    if defect is Defect.NO_AT:
        return _local_scan(verdict.address)
    _local, _, domain = verdict.address.rpartition("@")
    if defect is Defect.MULTIPLE_AT:
        return "Domain contains illegal character"
    in_domain = (
        bool(domain)
        and defect
        in (
            Defect.LEADING_DOT,
            Defect.TRAILING_DOT,
            Defect.DOUBLE_DOT,
            Defect.WHITESPACE,
            Defect.CONTROL_CHAR,
        )
        and _has_defect(domain, defect)
    )
    return _MESSAGES.get((defect, "domain" if in_domain else "local"), "Illegal address")


def _local_scan(address: str) -> str:
    """An address without `@`: JavaMail reads the local part left to right before it
    misses the domain, so `github:haiodo` is an illegal character (hcengineering#7864)."""
    for ch in address:
        if ch.isspace() or ord(ch) < 32 or ord(ch) >= 127:
            return "Local address contains control or whitespace"
        if ch in _ILLEGAL_LOCAL:
            return "Local address contains illegal character"
    return "Missing final '@domain'"


_ILLEGAL_LOCAL = frozenset('()<>,;:\\"[]')
_GRAY_MESSAGES: dict[Gray, str] = {
    Gray.NON_ASCII_LOCAL: "Local address contains control or whitespace",  # EmailValidator#414
    Gray.NON_ASCII_DOMAIN: "Domain contains illegal character",  # 18F#7380, aws-sdk-rust#881
}


def _has_defect(part: str, defect: Defect) -> bool:
    if defect is Defect.LEADING_DOT:
        return part.startswith(".")
    if defect is Defect.TRAILING_DOT:
        return part.endswith(".")
    if defect is Defect.DOUBLE_DOT:
        return ".." in part
    return any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in part)


_MESSAGES: dict[tuple[Defect, str], str] = {
    (Defect.EMPTY, "local"): "Invalid email address .",
    (Defect.NO_AT, "local"): "Missing final '@domain'",
    (Defect.EMPTY_LOCAL, "local"): "Missing local name",
    (Defect.EMPTY_DOMAIN, "local"): "Missing domain",
    (Defect.NO_DOT_IN_DOMAIN, "local"): "Illegal address",
    (Defect.LEADING_DOT, "local"): "Local address starts with dot",
    (Defect.LEADING_DOT, "domain"): "Domain starts with dot",
    (Defect.TRAILING_DOT, "local"): "Local address ends with dot",
    (Defect.TRAILING_DOT, "domain"): "Domain ends with dot",
    (Defect.DOUBLE_DOT, "local"): "Local address contains dot-dot",
    (Defect.DOUBLE_DOT, "domain"): "Domain contains dot-dot",
    (Defect.WHITESPACE, "local"): "Local address contains control or whitespace",
    (Defect.WHITESPACE, "domain"): "Domain contains control or whitespace",
    (Defect.CONTROL_CHAR, "local"): "Local address contains control or whitespace",
    (Defect.CONTROL_CHAR, "domain"): "Domain contains control or whitespace",
    (Defect.ILLEGAL_LOCAL_CHAR, "local"): "Local address contains illegal character",
    (Defect.ILLEGAL_DOMAIN_CHAR, "local"): "Domain contains illegal character",
    (Defect.HYPHEN_AT_LABEL_EDGE, "local"): "Domain contains illegal character",
    (Defect.UNBALANCED_ANGLE, "local"): "Missing '>'",
}


# --- identities -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IdentityRules:
    """How identities match; the defaults are the documented rules, faults flip one each."""

    address_case_sensitive: bool = True
    domain_case_insensitive: bool = True
    subdomains: bool = True
    lookalike_domains: bool = False
    plus_label_on_addresses: bool = False


def is_verified(
    address: str,
    *,
    addresses: Collection[str],
    domains: Collection[str],
    rules: IdentityRules | None = None,
) -> bool:
    """Verified address identity (case-sensitive) or verified domain / subdomain of one."""
    rules = rules or IdentityRules()
    if _address_match(address, addresses, rules):
        return True
    local, at, domain = address.rpartition("@")
    unlabelled = f"{local.split('+', 1)[0]}@{domain}"
    if rules.plus_label_on_addresses and _address_match(unlabelled, addresses, rules):
        return True
    if not at:
        return False
    fold = str.lower if rules.domain_case_insensitive else str
    domain = fold(domain)
    for verified in domains:
        verified = fold(verified)
        if domain == verified:
            return True
        if rules.lookalike_domains and domain.endswith(verified):
            return True
        if rules.subdomains and domain.endswith("." + verified):
            return True
    return False


def _address_match(address: str, addresses: Collection[str], rules: IdentityRules) -> bool:
    if rules.address_case_sensitive:
        return address in addresses
    return address.casefold() in {known.casefold() for known in addresses}


def is_simulator(address: str, *, allow_label: bool = True) -> bool:
    """A Mailbox Simulator address, with an optional `+label` before the `@`."""
    local, _, domain = address.rpartition("@")
    if domain.lower() != SIMULATOR_DOMAIN:
        return False
    base, plus, _label = local.partition("+")
    return base in SIMULATOR_NAMES and (allow_label or not plus)
