"""The oracle: what a conformant target must answer to a SendEmail request (rules.md).

Pure and deterministic: `(params, profile) -> Accept | Reject(rules) | Either`. Quota is
not judged here (it is state). A shrunk request is judged again from scratch, so nothing
here trusts how a request was generated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from conformance.addresses import (
    AddressClass,
    AddressVerdict,
    classify_address,
)
from conformance.members import (
    BODY_PARTS,
    CONTENT_MEMBERS,
    DESTINATION_LISTS,
    ITEM,
    MEMBERS,
    MESSAGE_MEMBERS,
    STRING,
    TAG_MEMBERS,
    TOP_LEVEL,
    TOP_LEVEL_OPTIONAL,
    holds,
)
from conformance.model import JSON, Accept, Either, Expectation, Reject
from conformance.profile import SES_SIZE_LIMIT, TargetProfile
from conformance.tags import tag_findings
from conformance.verification import (
    is_simulator,
    is_verified,
    simulator_in_other_case,
    verified_as_read,
)

SAFE_CONTENT_BYTES = 7_000_000
"""Content at or under this fits in 10 MiB after MIME and base64 (rules.md size.max)."""

KNOWN_CHARSETS = frozenset({"utf-8", "us-ascii", "iso-8859-1"})
_READ_MEMBERS = ("ReplyToAddresses", "ReturnPath", "Tags")
"""The optional members whose values the oracle reads (rules.md speaks of them)."""
_UNCOVERED = tuple(
    key for key in TOP_LEVEL_OPTIONAL if key not in _READ_MEMBERS and MEMBERS[key].type == STRING
)
"""Optional strings rules.md does not cover: any string is gray, any other type wrong."""


# --- helpers shared with the strategies and the server ----------------------------------


def _mapping(value: JSON) -> Mapping[str, JSON] | None:
    return value if isinstance(value, Mapping) else None


def recipients_of(params: JSON) -> list[str]:
    """Every string recipient, To then Cc then Bcc; whatever is not a string is skipped."""
    params = _mapping(params) or {}
    destination = _mapping(params.get("Destination")) or {}
    found: list[str] = []
    for name in DESTINATION_LISTS:
        items = destination.get(name)
        if isinstance(items, list):
            found.extend(item for item in items if isinstance(item, str))
    return found


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def content_bytes(params: JSON) -> int:
    """UTF-8 bytes of Subject.Data + Body.Text.Data + Body.Html.Data (strings only)."""
    message = _mapping((_mapping(params) or {}).get("Message")) or {}
    body = _mapping(message.get("Body")) or {}
    total = 0
    for content in (message.get("Subject"), body.get("Text"), body.get("Html")):
        data = (_mapping(content) or {}).get("Data")
        if isinstance(data, str):
            total += _utf8_len(data)
    return total


# --- the judgement ----------------------------------------------------------------------


@dataclass(slots=True)
class _Findings:
    """What one evaluation found; turned into an Expectation at the end."""

    violated: dict[str, list[str]] = field(default_factory=dict)
    gray: list[str] = field(default_factory=list)

    def violate(self, rule: str, reason: str) -> None:
        self.violated.setdefault(rule, []).append(reason)

    def expectation(self) -> Expectation:
        if self.violated:
            reasons = tuple(r for rs in self.violated.values() for r in rs)
            # Gray reasons stay: a target may refuse for them too (any documented reason).
            return Reject(frozenset(self.violated), reasons, tuple(self.gray))
        if self.gray:
            return Either(tuple(self.gray))
        return Accept()


def _absent(container: Mapping[str, JSON], key: str) -> bool:
    """JSON null counts as missing, as in SES's 'Value null at ...' errors."""
    return container.get(key) is None


def _why(verdict: AddressVerdict) -> str:
    return ", ".join(str(w).replace("_", " ") for w in verdict.defects or verdict.gray)


def expect(params: Mapping[str, JSON], profile: TargetProfile) -> Expectation:
    """What a conformant target must answer: Accept, Reject(every violated rule) or Either."""
    if not isinstance(profile, TargetProfile):
        raise TypeError(f"profile: expected a TargetProfile, got {type(profile).__name__}")
    found = _Findings()
    if not isinstance(params, Mapping):
        found.violate("robust.no-5xx", f"request is a {type(params).__name__}, not an object")
        return found.expectation()
    for key in params:
        if key not in TOP_LEVEL:
            found.gray.append(f"unknown member {key!r}")
    _check_source(params, profile, found)
    _check_destination(params, profile, found)
    _check_message(params, profile, found)
    _check_optional(params, profile, found)
    return found.expectation()


def _present(
    parent: Mapping[str, JSON],
    key: str,
    path: str,
    found: _Findings,
    *,
    kind: str | None = None,
    required: bool = True,
) -> bool:
    """Whether `parent[key]` (`path` in the request) is there with its type; if not, files
    the finding that says so: Source, Message, each Content and its Data are checked alike.
    `kind` names the expected type (and the finding the type found); None: an object."""
    if _absent(parent, key):
        if required:
            found.violate("request.required", f"{path} is missing")
        return False
    value = parent[key]
    if not holds(path, value):
        wrong = f"is a {type(value).__name__}, not {kind}" if kind else "is not an object"
        found.violate("robust.no-5xx", f"{path} {wrong}")
        return False
    return True


def _check_source(params: Mapping[str, JSON], profile: TargetProfile, found: _Findings) -> None:
    if not _present(params, "Source", "Source", found, kind="a string"):
        return
    source = params["Source"]
    verdict = classify_address(source, role="source")
    if verdict.cls is AddressClass.INVALID:
        found.violate("sender.verified", f"invalid Source {source!r}: {_why(verdict)}")
        return
    if verdict.cls is AddressClass.GRAY:
        # Gray for its own question only (issue 8): whether the target takes this syntax.
        # The address inside stays a question of identities: unverified, it is refused
        # either way (as invalid or as not verified).
        found.gray.append(f"gray Source {source!r}: {_why(verdict)}")
    verified = verified_as_read(verdict, profile.identities)
    if verified is False:
        found.violate("sender.verified", f"Source {verdict.address!r} is not verified")
    elif verified is None and verdict.cls is AddressClass.VALID:
        found.gray.append(f"Source {verdict.address!r}: +label on a verified address")


def _check_destination(
    params: Mapping[str, JSON], profile: TargetProfile, found: _Findings
) -> None:
    if _absent(params, "Destination"):
        # rules.md: "Missing lists and empty lists are both zero" recipients. On the Query
        # wire an empty Destination is not sent at all, so both readings must be allowed.
        found.violate("request.required", "Destination is missing")
        found.violate("recipients.min", "no Destination: no recipients")
        return
    destination = params["Destination"]
    if not holds("Destination", destination):
        kind = type(destination).__name__
        found.violate("robust.no-5xx", f"Destination is a {kind}, not an object")
        return
    well_typed = True
    for key, items in destination.items():
        if key not in DESTINATION_LISTS:
            found.gray.append(f"unknown member 'Destination.{key}'")
        elif items is not None and not holds(f"Destination.{key}", items):
            found.violate("robust.no-5xx", f"Destination.{key} is not a list of strings")
            well_typed = False
    recipients = recipients_of(params)
    if well_typed:
        if not recipients:
            found.violate("recipients.min", "no recipients in To, Cc or Bcc")
        limit = profile.limits.max_recipients
        if len(recipients) > limit:
            found.violate("recipients.max", f"{len(recipients)} recipients > {limit}")
    for recipient in recipients:
        _check_recipient(recipient, profile, found)


def _check_recipient(recipient: str, profile: TargetProfile, found: _Findings) -> None:
    verdict = classify_address(recipient, role="recipient")
    if verdict.cls is AddressClass.INVALID:
        found.violate("recipients.valid", f"invalid recipient {recipient!r}: {_why(verdict)}")
        return
    if verdict.cls is AddressClass.GRAY:  # gray syntax; still checked against identities
        found.gray.append(f"gray recipient {recipient!r}: {_why(verdict)}")
    if not profile.account.sandbox or is_simulator(verdict.address):
        return
    verified = verified_as_read(verdict, profile.identities)
    if verified is None and verdict.cls is AddressClass.GRAY:
        return  # the gray reason already makes either answer right
    if verified is None:
        found.gray.append(f"recipient {recipient!r}: +label on a verified address (sandbox)")
    elif not verified:
        if simulator_in_other_case(verdict.address):
            found.gray.append(f"recipient {recipient!r}: simulator address in another case")
        else:
            found.violate("sandbox.recipients", f"recipient {recipient!r} is not verified")


def _check_message(params: Mapping[str, JSON], profile: TargetProfile, found: _Findings) -> None:
    if not _present(params, "Message", "Message", found, kind="an object"):
        return
    message = params["Message"]
    for key in message:
        if key not in MESSAGE_MEMBERS:
            found.gray.append(f"unknown member 'Message.{key}'")
    well_formed = _check_content(message, "Subject", "Message", found, required=True)
    if _absent(message, "Body"):
        found.violate("request.required", "Message.Body is missing")
        well_formed = False
    elif not holds("Message.Body", message["Body"]):
        found.violate("robust.no-5xx", "Message.Body is not an object")
        well_formed = False
    else:
        body = message["Body"]
        for key in body:
            if key not in BODY_PARTS:
                found.gray.append(f"unknown member 'Message.Body.{key}'")
        if _absent(body, "Text") and _absent(body, "Html"):
            found.violate("request.required", "Message.Body has neither Text nor Html")
            well_formed = False
        for part in BODY_PARTS:
            if not _absent(body, part):
                ok = _check_content(body, part, "Message.Body", found, required=False)
                well_formed = well_formed and ok
        datas = [(_mapping(body.get(p)) or {}).get("Data") for p in BODY_PARTS]
        present = [d for d in datas if isinstance(d, str)]
        if well_formed and present and not any(present):
            # Neither the documentation nor a capture says whether an empty body is a
            # body; aws-ses-v2-local refuses it ("must have either a HTML or Text body").
            found.gray.append("Message.Body has only empty Data")
    if well_formed:
        _check_size(content_bytes(params), profile, found)


def _check_content(
    parent: Mapping[str, JSON], key: str, where: str, found: _Findings, *, required: bool
) -> bool:
    """Check one Content {Data, Charset}; True when it is present and well typed."""
    path = f"{where}.{key}"
    if not _present(parent, key, path, found, required=required):
        return False
    content = parent[key]
    for member in content:
        if member not in CONTENT_MEMBERS:
            found.gray.append(f"unknown member '{path}.{member}'")
    if not _present(content, "Data", f"{path}.Data", found, kind="a string"):
        return False
    data = content["Data"]
    charset = content.get("Charset")
    if charset is None:
        if not data.isascii():
            found.gray.append(f"{path}.Data is not ASCII and has no Charset")
    elif not holds(f"{path}.Charset", charset):
        found.violate("robust.no-5xx", f"{path}.Charset is not a string")
        return False
    elif charset.lower() not in KNOWN_CHARSETS:
        found.gray.append(f"{path}.Charset {charset!r} is not UTF-8, US-ASCII or ISO-8859-1")
    elif not _encodable(data, charset):
        found.gray.append(f"{path}.Data cannot be encoded in {charset}")
    return True


def _encodable(data: str, charset: str) -> bool:
    try:
        data.encode(charset)
    except UnicodeError:
        return False
    return True


def _check_size(size: int, profile: TargetProfile, found: _Findings) -> None:
    limit = profile.limits.max_message_bytes
    if size > limit:
        found.violate("size.max", f"content {size:,} bytes > {limit:,}")
    elif not profile.limits.size_exact and size > safe_content_bytes(limit):
        found.gray.append(f"content {size:,} bytes: over the safe size, under {limit:,}")


def safe_content_bytes(limit: int) -> int:
    """Content surely under `limit` after MIME and base64: 7,000,000 for 10 MiB, scaled."""
    return limit * SAFE_CONTENT_BYTES // SES_SIZE_LIMIT


def _check_optional(params: Mapping[str, JSON], profile: TargetProfile, found: _Findings) -> None:
    reply_to = params.get("ReplyToAddresses")
    if reply_to is not None:
        if not holds("ReplyToAddresses", reply_to):
            found.violate("robust.no-5xx", "ReplyToAddresses is not a list of strings")
        else:
            for address in reply_to:
                verdict = classify_address(address, role="source")
                if verdict.cls is not AddressClass.VALID:
                    found.gray.append(f"ReplyToAddresses {address!r}: {verdict.describe()}")
    return_path = params.get("ReturnPath")
    if return_path is not None:
        if not holds("ReturnPath", return_path):
            found.violate("robust.no-5xx", "ReturnPath is not a string")
        else:
            verdict = classify_address(return_path, role="recipient")
            if verdict.cls is not AddressClass.VALID:
                found.gray.append(f"ReturnPath {return_path!r}: {verdict.describe()}")
            elif is_verified(verdict.address, profile.identities) is not True:
                found.gray.append(f"ReturnPath {return_path!r} is not verified")
    for key in _UNCOVERED:
        value = params.get(key)
        if value is None:
            continue
        if not holds(key, value):
            found.violate("robust.no-5xx", f"{key} is not a string")
        else:
            found.gray.append(f"{key} given: rules.md does not cover it")
    _check_tags(params.get("Tags"), found)


def _check_tags(tags: JSON, found: _Findings) -> None:
    if tags is None:
        return
    if not holds("Tags", tags) or not all(_is_tag(tag) for tag in tags):
        found.violate("robust.no-5xx", "Tags is not a list of {Name, Value} string objects")
        return
    invalid, gray = tag_findings(tags)
    found.gray += [*invalid, *gray]  # tags.valid is SHOULD: at the MUST level, either


def _is_tag(tag: JSON) -> bool:
    """A tag whose Name and Value are strings or absent (null is absent, as everywhere)."""
    where = "Tags" + ITEM
    return isinstance(tag, Mapping) and all(
        tag.get(key) is None or holds(f"{where}.{key}", tag.get(key)) for key in TAG_MEMBERS
    )
