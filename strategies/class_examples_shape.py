"""Explicit requests for size.max, request.required and robust.no-5xx's declared classes.

Big contents are built by repetition (`fill_utf8`), never drawn: the four over-limit
cases are the only ones that move 10 MB, and each covers several classes at once.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import partial
from typing import Any

from conformance.addresses import Defect, Gray
from conformance.class_shape import (
    ELEMENT_PATHS,
    EMPTIES,
    ITEM_STRING_PATHS,
    LIST_PATHS,
    OPTIONAL,
    OPTIONAL_LISTS,
    RECIPIENT_LISTS,
    REQUIRED,
    STRING_PATHS,
    WRONG_TYPE_PATHS,
)
from conformance.class_size import safe_size, wide_over_limit
from conformance.profile import TargetProfile
from sesconf_strategies.build import case_of, deliverable, explicit, params_of, verified_sender
from sesconf_strategies.cases import Deferred, GeneratedCase
from sesconf_strategies.class_examples import defect_example, gray_example
from sesconf_strategies.content import fill_utf8
from sesconf_strategies.recipients import Recipients

WIDE = {1: "abcdefghij", 2: "éüßñ", 3: "日本語", 4: "😀🎉"}
MIXED = "é日😀"


def _message(subject: str, text: str | None = None, html: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if text is not None:
        body["Text"] = {"Data": text, "Charset": "UTF-8"}
    if html is not None:
        body["Html"] = {"Data": html, "Charset": "UTF-8"}
    return {"Subject": {"Data": subject, "Charset": "UTF-8"}, "Body": body}


def _with_message(profile: TargetProfile, message: dict[str, Any], label: str) -> GeneratedCase:
    params = params_of(
        source=verified_sender(profile),
        recipients=Recipients((deliverable(profile, 0),)),
        message=message,
    )
    return case_of(params, f"class example: {label}")


def size_class_plans(profile: TargetProfile) -> list[Deferred]:
    """Every band edge, part combination and UTF-8 width; over the limit by each part.
    Each message is written out only when its example runs (Deferred)."""
    limit = profile.limits.max_message_bytes
    safe = safe_size(limit)
    wide = wide_over_limit(profile)
    half = limit // 2 + 8
    messages: list[tuple[Callable[[], dict[str, Any]], str]] = [
        (lambda: _message("Hi", text="small"), "Subject+Text"),
        (lambda: _message("Hi", html="<p>small</p>"), "Subject+Html"),
        (lambda: _message("Hi", text="t", html="<p>h</p>"), "all parts"),
        (lambda: _message("", text="no subject"), "empty Subject"),
        # over JSON a cap on strings counted by quote characters misses escaped quotes
        (lambda: _message("Quotes", html='<b title="q">' * 15_001), "30,002 quotes"),
        (lambda: _message("Quotes", html='<b title="q">' * 20_001), "40,002 quotes"),
    ]
    for width, seed in WIDE.items():
        messages.append(
            (partial(_filled, seed, 100_000), f"width {width}, 100 kB"),
        )
    for size, label in ((safe, "safe"), (safe + 1, "safe + 1"), (limit, "limit")):
        messages.append((partial(_sized, size), label))
    # Only one over-limit message carries non-ASCII text: it holds characters of widths
    # 2, 3 and 4 at once (the Query wire percent-encodes it to three times its size).
    messages += [
        (lambda: _message("Size", text=fill_utf8(WIDE[1], limit - 3)), "limit + 1, Text, ASCII"),
        (
            lambda: _message("S", html=fill_utf8(MIXED if wide else WIDE[1], limit + 999)),
            "just over, Html only, widths 2-4" if wide else "just over, Html only",
        ),
        (
            lambda: _message(fill_utf8(WIDE[1], half), text=fill_utf8(WIDE[1], limit // 2)),
            "Subject largest",
        ),
        (
            lambda: _message(
                "S",
                text=fill_utf8(WIDE[1], (limit + 1_048_576) // 2),
                html=fill_utf8(WIDE[1], limit // 2 + 1_048_576),
            ),
            "far over, Text+Html",
        ),
    ]
    return [
        Deferred(label, partial(_with_built_message, profile, make, label))
        for make, label in messages
    ]


def _filled(seed: str, size: int) -> dict[str, Any]:
    return _message("w", text=fill_utf8(seed, size))


def _sized(size: int) -> dict[str, Any]:
    return _message("Size", text=fill_utf8(WIDE[1], size - 4))


def _with_built_message(
    profile: TargetProfile, make: Callable[[], dict[str, Any]], label: str
) -> GeneratedCase:
    return _with_message(profile, make(), label)


def size_class_cases(profile: TargetProfile) -> list[GeneratedCase]:
    """size_class_plans, built now (for tests that read every case)."""
    return [plan.case() for plan in size_class_plans(profile)]


def _set(params: dict[str, Any], path: str, value: Any, *, delete: bool = False) -> dict[str, Any]:
    result = copy.deepcopy(params)
    *parents, last = path.split(".")
    node = result
    for key in parents:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    if delete:
        node.pop(last, None)
    else:
        node[last] = value
    return result


def _base(profile: TargetProfile, *, html: bool = False) -> dict[str, Any]:
    params = dict(explicit(profile).request.params)
    if html:
        params = _set(params, "Message.Body.Html", {"Data": "<p>x</p>"})
    return params


_GIVEN: dict[str, Any] = {
    "ReplyToAddresses": None,  # filled per profile
    "Tags": [{"Name": "campaign", "Value": "spring"}],
    "ConfigurationSetName": "my-set",
    "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/verified.example",
    "ReturnPathArn": "arn:aws:ses:us-east-1:123456789012:identity/verified.example",
}


def request_class_cases(profile: TargetProfile) -> list[GeneratedCase]:
    """Each required member missing and null; empties; body shapes; each optional member
    given, null and empty; each documented Charset and an unknown one."""
    cases: list[GeneratedCase] = []
    for path in REQUIRED:
        base = _base(profile, html=path.endswith("Html.Data"))
        cases.append(case_of(_set(base, path, None, delete=True), f"missing {path}"))
        cases.append(case_of(_set(base, path, None), f"null {path}"))
    empties = {"Source": "", "Destination": {}, "Message": {}}
    for path in EMPTIES:
        cases.append(case_of(_set(_base(profile), path, empties.get(path, {})), f"empty {path}"))
    body = {"Text only": {"Text": {"Data": "t"}}, "Html only": {"Html": {"Data": "<p>h</p>"}}}
    body["Text and Html"] = {**body["Text only"], **body["Html only"]}
    for shape, value in body.items():
        cases.append(case_of(_set(_base(profile), "Message.Body", value), f"Body: {shape}"))
    given = dict(_GIVEN, ReplyToAddresses=[deliverable(profile, 0)])
    given["ReturnPath"] = verified_sender(profile)
    for path in OPTIONAL:
        base = _base(profile, html=path.startswith("Message.Body.Html"))
        value = given.get(path, "UTF-8")
        empty: Any = [] if path in OPTIONAL_LISTS else ""
        cases.append(case_of(_set(base, path, value), f"given {path}"))
        cases.append(case_of(_set(base, path, None), f"null {path}"))
        cases.append(case_of(_set(base, path, empty), f"empty {path}"))
    for charset in ("utf-8", "US-ASCII", "ISO-8859-1", "KOI8-R"):
        params = _set(_base(profile), "Message.Subject.Charset", charset)
        cases.append(case_of(params, f"Charset {charset}"))
    return cases


_WRONG: dict[str, Any] = {"string": 5, "list": "a@b.example", "object": ["x"]}


def _wrong_value(path: str) -> Any:
    if path in STRING_PATHS:
        return _WRONG["string"]
    if path in LIST_PATHS:
        return _WRONG["list"]
    return _WRONG["object"]


def robust_class_cases(profile: TargetProfile) -> list[GeneratedCase]:
    """Each member of the wrong type, wrong list elements, unknown members at every level,
    each ReplyTo address class, and one huge string."""
    cases = []
    for path in WRONG_TYPE_PATHS:
        base = _base(profile, html=path.startswith("Message.Body.Html"))
        cases.append(case_of(_set(base, path, _wrong_value(path)), f"wrong type: {path}"))
    elements = {"Destination.ToAddresses": [5], "ReplyToAddresses": [True], "Tags": ["x"]}
    for path in ELEMENT_PATHS:
        cases.append(case_of(_set(_base(profile), path, elements[path]), f"element: {path}"))
    keyed = {deliverable(profile, 0): "x"}  # read by its keys, a valid recipient
    for path in RECIPIENT_LISTS:
        cases.append(case_of(_set(_base(profile), path, keyed), f"{path} as an object"))
    for path in ITEM_STRING_PATHS:  # `Tags[].Name`: one object item, that member a number
        where, _, member = path.partition("[].")
        item = {**_GIVEN[where][0], member: 5}
        cases.append(case_of(_set(_base(profile), where, [item]), f"wrong type: {path}"))
    for where in ("", "Destination.", "Message.", "Message.Body.", "Message.Subject."):
        params = _set(_base(profile), f"{where}UnknownMember", "x")
        cases.append(case_of(params, f"unknown member in {where or 'top level'}"))
    domain = deliverable(profile, 0).rpartition("@")[2]
    reply = [defect_example(d, "reply", domain, i) for i, d in enumerate(Defect)]
    # A plain display name is valid on a Source-like address; the reference server refuses
    # it in ReplyToAddresses while the oracle accepts it (reported to the oracle's owner).
    reply += [
        gray_example(g, "reply", domain) for g in Gray if g is not Gray.RECIPIENT_DISPLAY_NAME
    ]
    for address in reply:
        params = _set(_base(profile), "ReplyToAddresses", [address])
        cases.append(case_of(params, f"ReplyTo {address!r}"))
    huge = _set(_base(profile), "Message.Subject.Data", "x" * 1_000_000)
    cases.append(case_of(huge, "huge Subject"))
    return cases
