"""Raw MIME messages (rules.md "Raw messages"): built with Python's `email` package under
`email.policy.SMTP` (CRLF line ends: sizes and line lengths count the bytes sent), so
"valid" means what the standard library writes; an invalid message names its defect.

The bodies are built once at import; a draw only picks one and writes the address
headers in front of it, and a big message is a small one padded with filler lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from email import policy
from email.message import EmailMessage
from typing import Any, Final

from hypothesis import strategies as st

from conformance.model import SendEmailRequest
from conformance.profile import TargetProfile
from conformance.raw import encode_data, raw_data, split_head
from sesconf_strategies.addresses import ints, pick
from sesconf_strategies.build import deliverable, verified_sender
from sesconf_strategies.cases import GeneratedCase
from sesconf_strategies.controls import control_recipient, control_sender

CRLF: Final = b"\r\n"
FILLER_LINE: Final = 76
"""Characters of an attachment's filler line (as base64 writes them), CRLF not counted."""
TEXT_FILLER_LINE: Final = 900
"""Characters of a text part's filler line: well under the 1,000 of raw.line-length (and
its gray edge at 999), and long enough that a 40 MB message has 44,000 lines, not 520,000,
for the oracle and the target to split."""


def _body(kind: str) -> bytes:
    """A message without address headers, as the `email` package writes it."""
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = "Raw message"
    if kind == "8bit":
        message.set_content("Grüße aus Köln\n", cte="8bit")
    elif kind == "quoted-printable":
        message.set_content("Grüße aus Köln\n", cte="quoted-printable")
    elif kind == "base64":
        message.set_content("Grüße aus Köln\n", cte="base64")
    else:
        message.set_content("Hello from a raw message.\n")
    if kind in ("html", "nested"):
        message.add_alternative("<p>Hello from a <b>raw</b> message.</p>\n", subtype="html")
    if kind in ("attachment", "nested"):
        message.add_attachment(
            bytes(range(256)) * 4, maintype="application", subtype="octet-stream",
            filename="data.bin",
        )  # fmt: skip
    return message.as_bytes()


BODY_KINDS: Final = ("text", "html", "attachment", "nested", "8bit", "quoted-printable", "base64")
BODIES: Final[dict[str, bytes]] = {kind: _body(kind) for kind in BODY_KINDS}
"""Built once: every draw and every class example reuses these bytes."""


def header_block(
    *,
    sender: str | None,
    to: Sequence[str] = (),
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    extra: Sequence[str] = (),
) -> bytes:
    """Address headers as written lines (`To:` holds addresses or a `name: a, b;` group)."""
    lines = [f"From: {sender}"] if sender is not None else []
    for name, values in (("To", to), ("Cc", cc), ("Bcc", bcc)):
        if values:
            lines.append(f"{name}: " + ", ".join(values))
    lines += list(extra)
    return b"".join(line.encode("utf-8") + CRLF for line in lines)


def message_of(
    *,
    sender: str | None,
    to: Sequence[str] = (),
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    kind: str = "text",
    extra: Sequence[str] = (),
) -> bytes:
    """A whole message: the address headers, then one of the prebuilt bodies."""
    return header_block(sender=sender, to=to, cc=cc, bcc=bcc, extra=extra) + BODIES[kind]


def padded(message: bytes, size: int) -> bytes:
    """`message` (a single text part) grown to exactly `size` bytes by filler lines of at
    most TEXT_FILLER_LINE + 1 characters: a 40 MB message costs one join, not a MIME build."""
    missing = size - len(message)
    if missing < 0:
        raise ValueError(f"size: {size} is under the message's own {len(message)} bytes")
    width = TEXT_FILLER_LINE
    full, rest = divmod(missing, width + 2)
    line = b"a" * width + CRLF
    if rest == 1 and full:  # one byte short of a line end: the last filler line grows
        pieces = [line] * (full - 1) + [b"a" * (width + 1) + CRLF]
    elif rest == 1:  # one byte in all: a last line with no line end
        pieces = [b"a"]
    else:
        pieces = [line] * full + ([b"b" * (rest - 2) + CRLF] if rest else [])
    return b"".join([message, *pieces])


def attachment_padded(message: bytes, size: int) -> bytes:
    """`message` (its attachment part in base64) grown to at least `size` bytes by lines of
    76 `A`s at the head of the attachment's base64 (each decodes to zero bytes): the text
    part stays small, the attachment carries the bulk."""
    head, field, rest = message.partition(b"Content-Disposition: attachment")
    if not field:
        raise ValueError("message: no attachment part to pad")
    part_head, blank, body = rest.partition(CRLF + CRLF)
    lines = max(0, -(-(size - len(message)) // (FILLER_LINE + 2)))
    return head + field + part_head + blank + (b"A" * FILLER_LINE + CRLF) * lines + body


def with_line(message: bytes, length: int) -> bytes:
    """`message` with one body line of exactly `length` characters (before its CRLF)."""
    return message + b"x" * length + CRLF


def raw_params(
    message: bytes, *, source: str | None = None, destinations: Sequence[str] | None = None
) -> dict[str, Any]:
    """SendRawEmail's params (the v1 names; the SESv2 client renames them)."""
    params: dict[str, Any] = {"RawMessage": {"Data": encode_data(message)}}
    if source is not None:
        params["Source"] = source
    if destinations is not None:
        params["Destinations"] = list(destinations)
    return params


def raw_case(
    message: bytes,
    label: str,
    *,
    source: str | None = None,
    destinations: Sequence[str] | None = None,
    violates: frozenset[str] = frozenset(),
) -> GeneratedCase:
    params = raw_params(message, source=source, destinations=destinations)
    return GeneratedCase(SendEmailRequest(params), violates, (label,))


def recipients(profile: TargetProfile, n: int, *, start: int = 0) -> list[str]:
    """n recipients every conformant target accepts (sandbox-safe)."""
    return [deliverable(profile, i) for i in range(start, start + n)]


def unverified_address(profile: TargetProfile, local: str = "someone") -> str:
    return f"{local}@{profile.identities.unverified_domain}"


# --- drawn requests -----------------------------------------------------------------------

_KINDS = pick(("text", "html", "attachment", "nested"))
_COUNTS = ints(0, 3)
_FLAGS = st.booleans()


@st.composite
def raw_requests(draw: st.DrawFn, *, profile: TargetProfile) -> GeneratedCase:
    """A raw message from a verified or unverified sender, its recipients over To, Cc, Bcc
    and a group, with Source and Destinations given or read from the headers."""
    unverified = draw(_FLAGS) and draw(_FLAGS)
    sender = unverified_address(profile, "from") if unverified else verified_sender(profile)
    counts = [draw(_COUNTS) for _ in range(4)]
    pool = iter(recipients(profile, sum(counts)))
    to = [next(pool) for _ in range(counts[0])]
    grouped = [next(pool) for _ in range(counts[3])]
    if grouped:
        to.append("team: " + ", ".join(grouped) + ";")
    cc = [next(pool) for _ in range(counts[1])]
    bcc = [next(pool) for _ in range(counts[2])]
    message = message_of(sender=sender, to=to, cc=cc, bcc=bcc, kind=draw(_KINDS))
    source = verified_sender(profile) if draw(_FLAGS) else None
    destinations = recipients(profile, 1 + draw(_COUNTS), start=60) if draw(_FLAGS) else None
    label = f"{sum(counts)} header recipients" + (", Source given" if source else "")
    return raw_case(message, label, source=source, destinations=destinations)


# --- controls (checks.builtin sends them for raw requests) --------------------------------


def raw_control(params: Any, profile: TargetProfile) -> dict[str, Any]:
    """Every raw rule's control: a small well-formed message from the control sender to
    the control recipient, given as Source and Destinations too."""
    sender, recipient = control_sender(profile), control_recipient(profile)
    message = message_of(sender=sender, to=[recipient])
    return raw_params(message, source=sender, destinations=[recipient])


_ADDRESS_FIELDS: Final = (b"from", b"to", b"cc", b"bcc")


def _address_lines(data: bytes) -> list[bytes]:
    """The From/To/Cc/Bcc header lines as written (folded lines and groups kept)."""
    kept: list[bytes] = []
    keeping = False
    for line in split_head(data)[0]:
        if line[:1] not in (b" ", b"\t"):
            name, colon, _ = line.partition(b":")
            keeping = bool(colon) and name.strip().lower() in _ADDRESS_FIELDS
        if keeping:
            kept.append(line)
    return kept


def raw_form_control(params: Any, profile: TargetProfile) -> dict[str, Any]:
    """The control of the message's form (raw.mime, line length, encoding, size): the same
    Source, Destinations and From/To/Cc/Bcc headers over a small well-formed text body, so
    a refusal for the senders or recipients is refused in the control too."""
    data = raw_data(params) if isinstance(params, Mapping) else None
    if data is None:
        return raw_control(params, profile)
    lines = _address_lines(data)
    if params.get("Source") is None and not any(line[:5].lower() == b"from:" for line in lines):
        lines.insert(0, f"From: {control_sender(profile)}".encode())
    message = b"".join(line + CRLF for line in lines) + BODIES["text"]
    kept = {key: params[key] for key in ("Source", "Destinations") if key in params}
    return {"RawMessage": {"Data": encode_data(message)}, **kept}


def raw_count_control(
    counts: Sequence[int], destinations: int | None, profile: TargetProfile
) -> dict[str, Any]:
    """The count rules' control: as many control addresses in To, Cc and Bcc (`counts`)
    and in Destinations (None: not given) as the request had, from the control sender:
    refused too, the count (as the target reads it) is why."""
    domains = profile.identities.verified_domains
    serial = iter(range(100_000))

    def addresses(n: int) -> list[str]:
        return [
            f"control{i}@{domains[0]}" if domains else f"success+c{i}@simulator.amazonses.com"
            for i in (next(serial) for _ in range(n))
        ]

    to, cc, bcc = (addresses(n) for n in counts)
    message = message_of(sender=control_sender(profile), to=to, cc=cc, bcc=bcc)
    given = None if destinations is None else addresses(destinations)
    return raw_params(message, source=control_sender(profile), destinations=given)


def sized(
    base: bytes, size: int, label: str, violates: frozenset[str] = frozenset()
) -> GeneratedCase:
    """`base` padded to `size` bytes, as a case (`base` itself at its own size)."""
    message = base if size == len(base) else padded(base, size)
    return raw_case(message, label, violates=violates)


def attached(
    base: bytes, size: int, label: str, violates: frozenset[str] = frozenset()
) -> GeneratedCase:
    """`base` (with an attachment) grown past `size` bytes inside its attachment, as a case."""
    return raw_case(attachment_padded(base, size), label, violates=violates)


@st.composite
def raw_sizes(draw: st.DrawFn, *, profile: TargetProfile) -> GeneratedCase:
    """A verified sender's message of a drawn size: small, or around the size band (3/4 of
    the limit, read as base64, up to past the limit)."""
    limit = profile.limits.max_message_bytes
    base = message_of(sender=verified_sender(profile), to=recipients(profile, 1))
    big = draw(_FLAGS)
    low, high = (limit * 3 // 4 - 1000, limit + 1000) if big else (len(base), 64 * 1024)
    size = draw(ints(max(low, len(base)), high))
    return sized(base, size, f"{size:,} bytes")
