"""Whole requests for the conformance tests, drawn or written out for explicit examples.

The strategies in `strategies/` draw the parts (senders, recipient lists, content); this
module puts them together into `GeneratedCase`s, and writes the boundary cases that every
test runs as `@example`s (0/1/50/51 recipients, the size band's edges).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.model import SendEmailRequest
from conformance.profile import TargetProfile
from sesconf_strategies.addresses import invalid_addresses
from sesconf_strategies.cases import GeneratedCase
from sesconf_strategies.content import GeneratedMessage, fill_utf8, size_label
from sesconf_strategies.recipients import FIELDS, Recipients
from sesconf_strategies.senders import Sender

SIMPLE_MESSAGE: dict[str, Any] = {
    "Subject": {"Data": "Hello", "Charset": "UTF-8"},
    "Body": {"Text": {"Data": "plain text", "Charset": "UTF-8"}},
}


def verified_sender(profile: TargetProfile) -> str:
    """A sender every conformant target with this profile must accept."""
    ids = profile.identities
    if ids.verified_addresses:
        return ids.verified_addresses[0]
    return f"sender@{ids.verified_domains[0]}"


def deliverable(profile: TargetProfile, i: int) -> str:
    """The i-th fixed recipient a conformant target must accept (sandbox-safe)."""
    if profile.identities.verified_domains:
        return f"r{i}@{profile.identities.verified_domains[0]}"
    return f"success+r{i}@simulator.amazonses.com"


def params_of(
    *,
    source: str,
    recipients: Recipients,
    message: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "Source": source,
        "Destination": recipients.params(),
        "Message": message if message is not None else SIMPLE_MESSAGE,
    }


def case_of(
    params: dict[str, Any], *labels: str, violates: frozenset[str] = frozenset()
) -> GeneratedCase:
    return GeneratedCase(SendEmailRequest(params), violates, tuple(labels))


def explicit(
    profile: TargetProfile,
    *,
    to: int = 1,
    cc: int = 0,
    bcc: int = 0,
    source: str | None = None,
    content_bytes: int | None = None,
    label: str = "explicit boundary",
) -> GeneratedCase:
    """A boundary case written out: `to`/`cc`/`bcc` recipients, content of an exact size."""
    n = iter(range(to + cc + bcc))
    recipients = Recipients(
        tuple(deliverable(profile, next(n)) for _ in range(to)),
        tuple(deliverable(profile, next(n)) for _ in range(cc)),
        tuple(deliverable(profile, next(n)) for _ in range(bcc)),
    )
    message = None
    if content_bytes is not None:
        subject = "Size"
        text = fill_utf8("abcdefghij ", max(0, content_bytes - len(subject)))
        message = {"Subject": {"Data": subject}, "Body": {"Text": {"Data": text}}}
    params = params_of(
        source=source or verified_sender(profile), recipients=recipients, message=message
    )
    return case_of(params, label, recipients.label())


def requests(
    *,
    profile: TargetProfile,
    sender: st.SearchStrategy[Sender] | None = None,
    recipients: st.SearchStrategy[Recipients] | None = None,
    message: st.SearchStrategy[GeneratedMessage] | None = None,
) -> st.SearchStrategy[GeneratedCase]:
    """A request built from drawn parts; the parts not given are valid and small (one
    factor at a time). The default parts are built here, once, never per draw."""
    if sender is None:
        address = verified_sender(profile)
        sender = st.just(Sender(address, address, True, "sender: verified"))
    if recipients is None:
        recipients = st.sampled_from(recipient_pool(profile))
    return _requests(sender, recipients, message if message is not None else _MESSAGES)


def recipient_pool(profile: TargetProfile) -> tuple[Recipients, ...]:
    """Accepted recipient lists of every shape (1 to 3, each list, duplicates, verified
    addresses, subdomains, the simulator), so that a test varying something else draws
    its recipients with one choice (one factor at a time)."""
    ids = profile.identities
    sim = "simulator.amazonses.com"
    one = [deliverable(profile, 0), f"success@{sim}", f"bounce+label-1@{sim}"]
    one += list(ids.verified_addresses)
    one += [f"o'neil.x+tag@mail.{d}" for d in ids.verified_domains]
    pool = [Recipients((a,)) for a in one]
    a, b, c = (deliverable(profile, i) for i in (1, 2, 3))
    pool += [
        Recipients((), (a,)),
        Recipients((), (), (a,)),
        Recipients((a, b)),
        Recipients((a,), (b,), (c,)),
        Recipients((a, a)),
        Recipients((a,), (), (a, f"ooto@{sim}")),
    ]
    return tuple(pool)


def _part(data: str, charset: str | None) -> dict[str, str]:
    return {"Data": data} if charset is None else {"Data": data, "Charset": charset}


def _message_pool() -> tuple[GeneratedMessage, ...]:
    """Small accepted messages: Text, Html or both; ASCII or UTF-8; Charset given or not."""
    found = []
    for subject, text, html, charset in (
        ("Hello", "plain text", None, None),
        ("Hello", "plain text", None, "UTF-8"),
        ("Hi", None, "<p>html</p>", "UTF-8"),
        ("Hi", "text", "<p>both</p>", None),
        ("Grüße 😀", "Ünïcode text 日本", None, "UTF-8"),
        ("", "an empty subject", None, "UTF-8"),
        ("x" * 78, fill_utf8("abcdefghij ", 1024 - 78), None, None),
    ):
        body = {k: _part(v, charset) for k, v in (("Text", text), ("Html", html)) if v is not None}
        params = {"Subject": _part(subject, charset), "Body": body}
        size = sum(len(d.encode()) for d in (subject, text or "", html or ""))
        shape = "+".join(k.lower() for k in body)
        found.append(GeneratedMessage(params, size, (size_label(size), f"body: {shape}")))
    return tuple(found)


_MESSAGES = st.sampled_from(_message_pool())


@st.composite
def _requests(
    draw: st.DrawFn,
    sender: st.SearchStrategy[Sender],
    recipients: st.SearchStrategy[Recipients],
    message: st.SearchStrategy[GeneratedMessage],
) -> GeneratedCase:
    chosen = draw(sender)
    drawn_recipients = draw(recipients)
    drawn_message = draw(message)
    params = params_of(
        source=chosen.text, recipients=drawn_recipients, message=dict(drawn_message.params)
    )
    labels = (chosen.label, drawn_recipients.label(), *drawn_message.labels)
    return case_of(params, *labels)


_FAULT_KINDS = st.sampled_from(
    (
        "invalid recipient",
        "too many recipients",
        "no recipients",
        "unverified sender",
        "missing Source",
        "missing Subject",
    )
)
_INVALID = invalid_addresses()
_FIELDS = st.sampled_from(FIELDS)
_PLAIN: dict[int, tuple[TargetProfile, st.SearchStrategy[GeneratedCase]]] = {}


def _plain_requests(profile: TargetProfile) -> st.SearchStrategy[GeneratedCase]:
    """`requests(profile=profile)`, built once per profile (profiles are not hashable)."""
    hit = _PLAIN.get(id(profile))
    if hit is None or hit[0] is not profile:
        hit = (profile, requests(profile=profile))
        _PLAIN[id(profile)] = hit
    return hit[1]


@st.composite
def faulty_requests(draw: st.DrawFn, *, profile: TargetProfile) -> GeneratedCase:
    """A request with one fault a conformant target must reject, of a drawn kind."""
    kind = draw(_FAULT_KINDS)
    base = draw(_plain_requests(profile))
    params = {k: v for k, v in base.request.params.items()}
    match kind:
        case "invalid recipient":
            bad = draw(_INVALID)
            field = draw(_FIELDS)
            destination = dict(params["Destination"])
            destination[field] = [*destination.get(field, []), bad.text]
            params["Destination"] = destination
            violates = "recipients.valid"
        case "too many recipients":
            over = profile.limits.max_recipients + 1
            params["Destination"] = {"ToAddresses": [deliverable(profile, i) for i in range(over)]}
            violates = "recipients.max"
        case "no recipients":
            params["Destination"] = {}
            violates = "recipients.min"
        case "unverified sender":
            params["Source"] = f"someone@{profile.identities.unverified_domain}"
            violates = "sender.verified"
        case "missing Source":
            del params["Source"]
            violates = "request.required"
        case _:
            params["Message"] = {"Body": params["Message"]["Body"]}
            violates = "request.required"
    return case_of(params, f"fault: {kind}", violates=frozenset({violates}))
