"""The engine's hooks for the planted class faults of server/class_faults.py.

The engine asks at four places: a view of the request (what the faulty target reads),
who is verified, which parts the size counts, how many recipients count. Every hook is a
no-op unless a `class-...` effect is on, so the faithful reference is untouched.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping
from typing import Any

from conformance.addresses import AddressClass, Gray, classify_address
from conformance.members import BODY_PARTS, DESTINATION_LISTS, MESSAGE_MEMBERS, TOP_LEVEL_OPTIONAL
from conformance.server.http import MAX_JSON_STRINGS

_SIM = "simulator.amazonses.com"
_SIM_BOXES = ("success", "bounce", "ooto", "complaint", "suppressionlist")


def active(on: frozenset[str]) -> bool:
    """Whether any class fault is planted (their effects are named `class-...`)."""
    return any(effect.startswith("class-") for effect in on)


ACCEPT = "accept"
INTERNAL = "internal"


# --- the view: the request as a faulty target reads it ----------------------------------


def _lists(params: Mapping[str, Any]) -> dict[str, Any]:
    destination = params.get("Destination")
    return dict(destination) if isinstance(destination, Mapping) else {}


def _recipients_view(params: dict[str, Any], on: frozenset[str], placeholder: str) -> None:
    destination = _lists(params)
    for key in DESTINATION_LISTS:
        items = destination.get(key)
        if "class-list-object-read-as-list" in on and isinstance(items, Mapping):
            items = list(items)  # iterating an object gives its keys
        if not isinstance(items, list):
            continue
        fixed = []
        for index, item in enumerate(items):
            if isinstance(item, str):
                item = _mend(item, index, on, placeholder)
            fixed.append(item)
        destination[key] = fixed
    if destination:
        params["Destination"] = destination


def _unread_after_raw_name(params: dict[str, Any], placeholder: str) -> None:
    """Invalid recipients pass unread when the Source was accepted for its raw non-ASCII
    display name (the loop over the addresses stopped there)."""
    source = params.get("Source")
    if not isinstance(source, str) or source.isascii():
        return
    if classify_address(source, role="source").gray != (Gray.UNUSUAL_DISPLAY_NAME,):
        return
    for key, items in _lists(params).items():
        if isinstance(items, list):
            params["Destination"][key] = [
                placeholder
                if isinstance(a, str)
                and classify_address(a, role="recipient").cls is AddressClass.INVALID
                else a
                for a in items
            ]


def _mend(address: str, index: int, on: frozenset[str], placeholder: str) -> str:
    if "class-strips-address-ends" in on:
        address = address.strip()
    if "class-strips-trailing-line-break" in on:
        address = address.removesuffix("\n").removesuffix("\r")  # \n, \r\n or \r
    if "class-strips-crlf" in on:
        address = address.replace("\r", "").replace("\n", "")
    if "class-unicode-space-allowed" in on:
        address = "".join(ch for ch in address if ch.isascii() or not ch.isspace())
    past_5 = "class-invalid-past-5-unchecked" in on and index >= 5
    if past_5 and classify_address(address, role="recipient").cls is AddressClass.INVALID:
        return placeholder
    return address


def _source_view(source: str, on: frozenset[str]) -> str:
    if "class-source-unicode-space-allowed" in on:
        source = "".join(ch for ch in source if ch.isascii() or not ch.isspace())
    name = source[: max(0, source.find("<"))].strip().strip('"').strip()
    if "class-source-name-address" in on and "@" in name:
        return name  # `"a@verified.example" <x@unverified.example>` read as its name
    if "class-source-trailing-dot" in on and source.endswith(".") and "<" not in source:
        return source[:-1]
    lt = source.find("<")
    if lt > 0 and "class-unbalanced-source" in on and not source.rstrip().endswith(">"):
        return source + ">"
    if lt > 0 and "class-named-source-unchecked" in on and source.rstrip().endswith(">"):
        inner = source[lt + 1 : source.rstrip().rfind(">")]
        return f"{source[:lt]}<x@{inner.rpartition('@')[2]}>"
    return source


def view(
    params: Mapping[str, Any], on: frozenset[str], placeholder: str
) -> tuple[Mapping[str, Any], str | None]:
    """(the request as the faulty target reads it, ACCEPT / INTERNAL / None)."""
    if not active(on):
        return params, None
    early = _early(params, on)
    if early is not None:
        return params, early
    result = copy.deepcopy(dict(params))
    _recipients_view(result, on, placeholder)
    if "class-recipients-unread-after-raw-name-source" in on:
        _unread_after_raw_name(result, placeholder)
    if isinstance(result.get("Source"), str):
        result["Source"] = _source_view(result["Source"], on)
    if "class-tag-member-type-unchecked" in on and isinstance(result.get("Tags"), list):
        result["Tags"] = [_tag_as_text(tag) for tag in result["Tags"]]
    message = result.get("Message")
    if isinstance(message, dict):
        body = message.get("Body")
        body = body if isinstance(body, dict) else {}
        html = body.get("Html")
        dataless = isinstance(html, dict) and "Data" not in html
        if "class-html-data-optional" in on and dataless and body.get("Text") is not None:
            del body["Html"]
        if "class-empty-subject-accepted" in on and message.get("Subject") == {}:
            message["Subject"] = {"Data": ""}
    return result, None


def _tag_as_text(tag: Any) -> Any:
    """A tag as a target that prints its members reads it: `{"Name": 5}` is `{"Name": "5"}`."""
    if not isinstance(tag, Mapping):
        return tag
    return {k: v if v is None or isinstance(v, str) else str(v) for k, v in tag.items()}


def _early(params: Mapping[str, Any], on: frozenset[str]) -> str | None:
    """Faults that answer before any check: a refusal, a 500 or an acceptance."""
    destination = _lists(params)
    lists = [destination.get(k) for k in DESTINATION_LISTS]
    nobody = not any(isinstance(items, list) and items for items in lists)
    if "class-empty-lists-accepted" in on and nobody and all(i == [] for i in lists):
        return ACCEPT
    if (
        "class-null-lists-accepted" in on
        and nobody
        and any(k in destination and destination[k] is None for k in DESTINATION_LISTS)
    ):
        return ACCEPT
    everyone = [a for items in lists if isinstance(items, list) for a in items]
    if "class-limits-one-short" in on and any(
        isinstance(a, str) and len(a) >= 254 for a in everyone
    ):
        return "refuse: Address too long (over 253 characters)"
    if "class-null-optional-refused" in on and any(
        k in params and params[k] is None for k in TOP_LEVEL_OPTIONAL
    ):
        return "refuse: Value null at an optional member"
    contents = _contents(params)
    if "class-size-quotes-counted" in on and _quotes(contents) > 2 * MAX_JSON_STRINGS:
        return "refuse: The request holds too many JSON strings (its quotes counted)"
    if "class-other-charset-refused" in on and any(
        isinstance(c.get("Charset"), str) and c["Charset"] != "UTF-8" for c in contents
    ):
        return "refuse: Only the UTF-8 charset is supported"
    if "class-charset-type-500" in on and any(
        "Charset" in c and c["Charset"] is not None and not isinstance(c["Charset"], str)
        for c in contents
    ):
        return INTERNAL
    if "class-unknown-nested-500" in on and _unknown_nested(params):
        return INTERNAL
    tags = params.get("Tags")
    odd_tags = isinstance(tags, list) and any(not isinstance(tag, Mapping) for tag in tags)
    return INTERNAL if "class-tags-element-500" in on and odd_tags else None


def _contents(params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    message = params.get("Message")
    if not isinstance(message, Mapping):
        return []
    body: Mapping[str, Any] = message.get("Body") or {}
    body = body if isinstance(body, Mapping) else {}
    found = [message.get("Subject"), body.get("Text"), body.get("Html")]
    return [c for c in found if isinstance(c, Mapping)]


def _quotes(contents: list[Mapping[str, Any]]) -> int:
    return sum(c["Data"].count('"') for c in contents if isinstance(c.get("Data"), str))


def _unknown_nested(params: Mapping[str, Any]) -> bool:
    message = params.get("Message")
    if not isinstance(message, Mapping):
        return False
    body = message.get("Body")
    if any(k not in MESSAGE_MEMBERS for k in message):
        return True
    return isinstance(body, Mapping) and any(k not in BODY_PARTS for k in body)


# --- identities, size, counts -----------------------------------------------------------


def verified_override(
    address: str,
    role: str,
    on: frozenset[str],
    addresses: Collection[str],
    domains: Collection[str],
) -> bool | None:
    """True / False when a planted fault decides whether `address` is verified."""
    if not active(on):
        return None
    domain = address.rpartition("@")[2]
    low = domain.lower()
    prefix = "source" if role == "source" else "recipient"
    any_case = role == "recipient" and "class-recipient-case-insensitive" in on
    if role == "source" and "class-source-address-domain-case" in on:
        local = address.rpartition("@")[0]
        known = (a.rpartition("@") for a in addresses)
        if any(k_local == local and k_domain.lower() == low for k_local, _, k_domain in known):
            return True
    if any_case and address.lower() in {a.lower() for a in addresses}:
        return True
    for verified in (d.lower() for d in domains):
        if f"class-{prefix}-suffix-lookalike" in on and low.startswith(verified + "."):
            return True
        if role == "recipient" and "class-recipient-domain-case" in on and low == verified:
            return domain == domain.lower()
        if role == "source" and low.endswith("." + verified):
            sub = low[: -len(verified) - 1].split(".")
            if "class-source-xn-refused" in on and any(s.startswith("xn--") for s in sub):
                return False
            if "class-source-depth-1-only" in on and len(sub) > 1:
                return False
    return None


def identity_skipped(text: str, role: str, on: frozenset[str]) -> bool:
    """The gray-identity faults: a gray Source or recipient is taken without a check."""
    if f"class-gray-{role}-unverified" not in on:
        return False
    verdict = classify_address(text, role="source" if role == "source" else "recipient")
    return verdict.cls is AddressClass.GRAY


def is_simulator_override(address: str, on: frozenset[str]) -> bool:
    """The simulator look-alike fault: any domain containing the simulator's."""
    if "class-simulator-lookalike" not in on:
        return False
    local, _, domain = address.rpartition("@")
    return _SIM in domain.lower() and local.partition("+")[0] in _SIM_BOXES


def size_parts(params: Mapping[str, Any], parts: list[bytes], on: frozenset[str]) -> list[bytes]:
    """The parts a faulty size check counts (`parts`: what the faithful one counts)."""
    if not active(on):
        return parts
    message: Mapping[str, Any] = params.get("Message") or {}
    message = message if isinstance(message, Mapping) else {}
    body: Mapping[str, Any] = message.get("Body") or {}
    body = body if isinstance(body, Mapping) else {}
    named = {"Subject": message.get("Subject"), "Text": body.get("Text"), "Html": body.get("Html")}
    data = {
        k: v["Data"]
        for k, v in named.items()
        if isinstance(v, Mapping) and isinstance(v.get("Data"), str)
    }
    if "class-size-ignores-html" in on:
        data.pop("Html", None)
    if "class-size-ignores-subject" in on:
        data.pop("Subject", None)
    counted_parts = [d.encode("utf-8", "surrogatepass") for d in data.values()]
    if "class-size-in-characters" in on:
        counted_parts = [b"x" * len(d) for d in data.values()]
    if "class-size-largest-part" in on and counted_parts:
        counted_parts = [max(counted_parts, key=len)]
    return counted_parts


def counted(lists: Mapping[str, list[str]], on: frozenset[str], limit: int) -> int | None:
    """How many recipients a faulty count sees; None for the faithful count."""
    if not active(on):
        return None
    everyone = [a for items in lists.values() for a in items]
    if "class-duplicates-uncounted" in on:
        return len(set(everyone))
    if "class-far-beyond-accepted" in on and len(everyone) > 2 * limit:
        return 0
    if "class-per-list-limit" in on:
        return max(len(items) for items in lists.values())
    return None
