"""One written-out raw message per declared raw class (conformance/class_raw.py), so every
default run over a SES protocol reaches each of them whatever the seed.

Each invalid message names the defect it planted; everything else is a verified sender's
message to deliverable recipients, so the class is the one thing in question.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Final

from conformance.model import SendEmailRequest
from conformance.oracle_raw import raw_safe_bytes
from conformance.profile import TargetProfile
from sesconf_strategies.build import verified_sender
from sesconf_strategies.cases import Deferred, GeneratedCase
from sesconf_strategies.raw import (
    BODIES,
    CRLF,
    attached,
    header_block,
    message_of,
    raw_case,
    recipients,
    sized,
    unverified_address,
    with_line,
)

MIME: Final = frozenset({"raw.mime"})
_LONG_SUBJECT = "Subject: " + " ".join(["folded"] * 20)


def _plain(profile: TargetProfile, *, kind: str = "text", extra: tuple[str, ...] = ()) -> bytes:
    return message_of(
        sender=verified_sender(profile), to=recipients(profile, 1), kind=kind, extra=extra
    )


def _no_blank_line(profile: TargetProfile) -> bytes:
    """Body text right after the headers: the blank line between them removed."""
    head, _, body = _plain(profile).partition(CRLF + CRLF)
    return head + CRLF + b"This body follows the headers with no blank line." + CRLF + body


def _no_boundary(profile: TargetProfile) -> bytes:
    """A multipart whose declared boundary never appears in its body."""
    message = _plain(profile, kind="html")
    marker = message.split(b'boundary="', 1)[1].split(b'"', 1)[0]
    return message.replace(b"--" + marker, b"--not-the-boundary")


_SECOND_PART_BROKEN: Final = (
    "Subject: Raw message",
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="outer"',
    "",
    "--outer",
    "Content-Type: text/plain",
    "",
    "Hello from a raw message.",
    "--outer",
    'Content-Type: multipart/alternative; boundary="inner"',
    "",
    "--not-the-boundary",
    "Content-Type: text/plain",
    "",
    "The inner boundary never appears.",
    "--not-the-boundary--",
    "--outer--",
    "",
)


def _no_inner_boundary(profile: TargetProfile) -> bytes:
    """A multipart whose second part is a multipart whose own boundary never appears (the
    outer boundary does): a reader that stops at the first part or line misses it."""
    head = header_block(sender=verified_sender(profile), to=recipients(profile, 1))
    return head + CRLF.join(line.encode() for line in _SECOND_PART_BROKEN)


def _unclosed(profile: TargetProfile, *, broken: bool) -> bytes:
    """A multipart with no close delimiter (JavaMail, which real SES runs on, ignores a
    missing end boundary); when `broken`, its last part is a multipart whose own boundary
    never appears, so a reader must find that part without the close delimiter."""
    lines = list(_SECOND_PART_BROKEN[:9])  # the headers and the first, text part
    if broken:
        lines += list(_SECOND_PART_BROKEN[9:16])  # the broken multipart, unclosed
    else:
        lines += ["Content-Type: text/html", "", "<p>No close delimiter follows.</p>"]
    head = header_block(sender=verified_sender(profile), to=recipients(profile, 1))
    return head + CRLF.join(line.encode() for line in [*lines, ""])


def nested_multiparts(profile: TargetProfile, depth: int, *, broken: bool) -> bytes:
    """Multiparts nested `depth` deep, the innermost one's boundary never appearing when
    `broken`; the boundaries are unquoted (`boundary=b01`), as some mailers write them, and
    none is the prefix of another (RFC 2046 §5.1.1)."""
    marker = {level: f"--b{level:02}" for level in range(1, depth + 1)}
    if broken:
        marker[depth] = "--not-the-boundary"
    lines = ["Subject: Raw message", "MIME-Version: 1.0"]
    for level in range(1, depth + 1):
        lines += [f"Content-Type: multipart/mixed; boundary=b{level:02}", "", marker[level]]
    lines += ["Content-Type: text/plain", "", "Deep inside."]
    lines += [marker[level] + "--" for level in range(depth, 0, -1)]
    head = header_block(sender=verified_sender(profile), to=recipients(profile, 1))
    return head + CRLF.join(line.encode() for line in [*lines, ""])


def _no_mime_version(profile: TargetProfile) -> bytes:
    return _plain(profile).replace(b"MIME-Version: 1.0" + CRLF, b"")


def mime_cases(profile: TargetProfile) -> list[GeneratedCase]:
    sender, to = verified_sender(profile), recipients(profile, 1)
    plain = _plain(profile)
    head_only = plain.partition(CRLF + CRLF)[0] + CRLF
    no_from = message_of(sender=None, to=to)
    return [
        raw_case(plain, "text only"),
        raw_case(_plain(profile, kind="html"), "text and HTML"),
        raw_case(_plain(profile, kind="attachment"), "attachment"),
        raw_case(_plain(profile, kind="nested"), "nested multipart"),
        raw_case(_plain(profile, extra=(_LONG_SUBJECT,)), "folded header"),
        raw_case(_no_blank_line(profile), "no blank line", violates=MIME),
        raw_case(head_only, "headers only, no blank line"),
        raw_case(b"", "empty message", source=sender, destinations=to),
        raw_case(no_from, "no From and no Source", violates=MIME),
        raw_case(no_from, "no From, Source given", source=sender),
        raw_case(_no_boundary(profile), "boundary never appears", violates=MIME),
        raw_case(_no_mime_version(profile), "no MIME-Version"),
        raw_case(_no_inner_boundary(profile), "inner boundary never appears", violates=MIME),
        raw_case(nested_multiparts(profile, 3, broken=False), "unquoted boundaries"),
        raw_case(_unclosed(profile, broken=False), "no close delimiter"),
        raw_case(
            _unclosed(profile, broken=True), "no close delimiter, last part broken", violates=MIME
        ),
        raw_case(
            nested_multiparts(profile, 15, broken=True),
            "15 deep, boundary never appears",
            violates=MIME,
        ),
    ]


def line_cases(profile: TargetProfile) -> list[GeneratedCase]:
    cases = [raw_case(with_line(_plain(profile), n), f"line of {n}") for n in (998, 999, 1000)]
    too_long = frozenset({"raw.line-length"})
    for n in (1001, 2500):
        cases.append(raw_case(with_line(_plain(profile), n), f"line of {n}", violates=too_long))
    bare_cr = _plain(profile) + b"x" * 600 + b"\r" + b"x" * 600 + CRLF  # one line of 1,201
    cases.append(raw_case(bare_cr, "line of 1201 holding a bare CR", violates=too_long))
    return cases


def encoding_cases(profile: TargetProfile) -> list[GeneratedCase]:
    undeclared = _plain(profile, kind="8bit").replace(
        b"Content-Transfer-Encoding: 8bit" + CRLF, b""
    )
    return [
        raw_case(undeclared, "8-bit, no Content-Transfer-Encoding"),
        *(raw_case(_plain(profile, kind=k), k) for k in ("8bit", "quoted-printable", "base64")),
    ]


def _display_forms(profile: TargetProfile) -> list[str]:
    """To addresses as people write them: quoted names (one holding an escaped quote, one a
    comma, one empty, one the address itself), a plain name, and groups whose names hold
    comments (one with a comma inside)."""
    a, b, c, d, e, f, g = recipients(profile, 7)
    return [
        f'"Ann \\"A" <{a}>', f'"Doe, Jo" <{e}>', f'"" <{f}>', f'"{g}" <{g}>', f"Bob <{b}>",
        f"Team (EU): {c};", f"Staff (EU, UK): {d};",
    ]  # fmt: skip


def sender_cases(profile: TargetProfile) -> list[GeneratedCase]:
    verified, to = verified_sender(profile), recipients(profile, 1)
    unverified = unverified_address(profile, "from")
    bad = "from..dots@" + profile.identities.unverified_domain
    named = f"=?utf-8?q?J=C3=B6rg?= <{verified}>"
    refused = frozenset({"sender.verified"})
    return [
        raw_case(message_of(sender=verified, to=to), "From verified"),
        raw_case(message_of(sender=unverified, to=to), "From unverified", violates=refused),
        raw_case(message_of(sender=named, to=to), "From with an encoded-word name"),
        raw_case(message_of(sender=unverified, to=to), "Source over From", source=verified),
        raw_case(message_of(sender=verified, to=to), "Source unverified", source=unverified,
                 violates=refused),
        raw_case(message_of(sender=bad, to=to), "From invalid", violates=refused),
        raw_case(message_of(sender=bad, to=to), "From invalid, Source given", source=verified),
    ]  # fmt: skip


def sandbox_cases(profile: TargetProfile) -> list[GeneratedCase]:
    verified, to = verified_sender(profile), recipients(profile, 1)
    stranger = unverified_address(profile, "to")
    refused = frozenset({"sandbox.recipients"}) if profile.account.sandbox else frozenset()
    return [
        raw_case(message_of(sender=verified, to=[stranger]), "To unverified", violates=refused),
        raw_case(message_of(sender=verified, to=["success@simulator.amazonses.com"]), "simulator"),
        raw_case(message_of(sender=verified, to=[stranger]), "Destinations win", destinations=to),
    ]


def valid_cases(profile: TargetProfile) -> list[GeneratedCase]:
    verified, (a, b, c) = verified_sender(profile), recipients(profile, 3)
    bad = "a..b@" + (profile.identities.verified_domains or ["verified.example"])[0]
    refused = frozenset({"recipients.valid"})
    return [
        raw_case(message_of(sender=verified, to=[f"Bob <{a}>", bad]), "invalid in To",
                 violates=refused),
        raw_case(message_of(sender=verified, to=[f"team: {a}, {bad};"]), "invalid in a group",
                 violates=refused),
        raw_case(message_of(sender=verified, to=[bad]), "invalid To, Destinations given",
                 destinations=[a]),
        raw_case(message_of(sender=verified, to=[a]), "invalid in Destinations",
                 destinations=[b, bad], violates=refused),
        raw_case(message_of(sender=verified, to=[a], bcc=[bad]), "invalid in Bcc",
                 violates=refused),
        raw_case(message_of(sender=verified, to=[a], cc=[b], bcc=[c]), "To, Cc and Bcc"),
        raw_case(message_of(sender=verified, to=_display_forms(profile)), "display forms"),
    ]  # fmt: skip


def _grouped(profile: TargetProfile, n: int) -> bytes:
    """n recipients: 10 in To, the rest in a group list in Cc."""
    people = recipients(profile, n)
    group = "list: " + ", ".join(people[10:]) + ";"
    return message_of(sender=verified_sender(profile), to=people[:10], cc=[group])


def count_cases(profile: TargetProfile) -> list[GeneratedCase]:
    limit = profile.limits.max_recipients
    over = frozenset({"recipients.max"})
    few = message_of(sender=verified_sender(profile), to=recipients(profile, 1))
    return [
        raw_case(_grouped(profile, limit), f"{limit} with a group"),
        raw_case(_grouped(profile, limit + 1), f"{limit + 1} with a group", violates=over),
        raw_case(few, f"{limit + 1} in Destinations",
                 destinations=recipients(profile, limit + 1), violates=over),
        raw_case(_grouped(profile, limit + 1), "Destinations win",
                 destinations=recipients(profile, 2)),
    ]  # fmt: skip


def min_cases(profile: TargetProfile) -> list[GeneratedCase]:
    sender, to = verified_sender(profile), recipients(profile, 1)
    none = frozenset({"recipients.min"})
    return [
        raw_case(message_of(sender=sender), "no recipients", violates=none),
        raw_case(message_of(sender=sender, to=["undisclosed-recipients:;"]), "empty group",
                 violates=none),
        raw_case(message_of(sender=sender, bcc=to), "Bcc only"),
        raw_case(message_of(sender=sender), "Destinations only", destinations=to),
    ]  # fmt: skip


def size_plans(profile: TargetProfile) -> list[Deferred]:
    """The size band's examples, each written out only when its example runs."""
    limit = profile.limits.max_message_bytes
    base = _plain(profile)
    sizes = (
        ("small", len(base)),
        ("at 3/4 of the limit", raw_safe_bytes(limit)),
        ("between 3/4 and the limit", (raw_safe_bytes(limit) + limit) // 2),
        ("at the limit", limit),
    )
    plans = [Deferred(label, partial(sized, base, size, label)) for label, size in sizes]
    over = partial(sized, base, limit + 1, "over the limit", frozenset({"size.max"}))
    plans.append(Deferred("over the limit", over))
    in_attachment = partial(
        attached, _plain(profile, kind="attachment"), limit + 1,
        "over the limit, bulk in an attachment", frozenset({"size.max"}),
    )  # fmt: skip
    plans.append(Deferred("over the limit, bulk in an attachment", in_attachment))
    return plans


def size_cases(profile: TargetProfile) -> list[GeneratedCase]:
    return [plan.case() for plan in size_plans(profile)]


def required_cases(profile: TargetProfile) -> list[GeneratedCase]:
    missing = frozenset({"request.required"})
    sender, to = verified_sender(profile), recipients(profile, 1)
    holders: tuple[tuple[str, dict[str, None] | None], ...] = (
        ("RawMessage null", None), ("Data null", {"Data": None}), ("RawMessage empty", {}),
    )  # fmt: skip
    return [
        GeneratedCase(
            SendEmailRequest({"RawMessage": holder, "Source": sender, "Destinations": to}),
            missing,
            (label,),
        )
        for label, holder in holders
    ]


def robust_cases(profile: TargetProfile) -> list[GeneratedCase]:
    """Destinations as one string, and as an object (SESv2's Destination with a string
    ToAddresses): refused, never left unread while the headers name the recipients."""
    case = raw_case(_plain(profile), "Destinations not a list of strings")
    to = recipients(profile, 1, start=1)[0]
    return [
        GeneratedCase(
            SendEmailRequest({**case.request.params, "Destinations": wrong}),
            frozenset({"robust.no-5xx"}),
            case.labels,
        )
        for wrong in (to, {"ToAddresses": to})
    ]


RAW_CASES: Final[dict[str, Callable[[TargetProfile], list[GeneratedCase]]]] = {
    "raw.mime": mime_cases,
    "raw.line-length": line_cases,
    "raw.encoding": encoding_cases,
    "sender.verified": sender_cases,
    "sandbox.recipients": sandbox_cases,
    "recipients.valid": valid_cases,
    "recipients.max": count_cases,
    "recipients.min": min_cases,
    "size.max": size_cases,
    "request.required": required_cases,
    "robust.no-5xx": robust_cases,
}


def raw_class_cases(rule_id: str, profile: TargetProfile) -> list[GeneratedCase]:
    """The written-out raw examples of `rule_id` (none for a rule without raw classes)."""
    make = RAW_CASES.get(rule_id)
    return make(profile) if make is not None else []


__all__ = ["BODIES", "RAW_CASES", "nested_multiparts", "raw_class_cases", "size_plans"]
