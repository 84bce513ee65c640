"""One explicit request for every declared class (conformance/classes.py), per rule.

Hypothesis draws combinations; these written-out cases make sure that every default run,
whatever the seed or budget, reaches each class at least once. Each case varies only its
own rule's dimension and keeps the rest at values a conformant target accepts.
"""

from __future__ import annotations

from typing import Any

from conformance.addresses import Defect, Gray
from conformance.classes import POSITIONS
from conformance.profile import TargetProfile
from conformance.verification import SIMULATOR_DOMAIN, is_verified
from sesconf_strategies.build import (
    SIMPLE_MESSAGE,
    case_of,
    deliverable,
    params_of,
    verified_sender,
)
from sesconf_strategies.cases import GeneratedCase
from sesconf_strategies.recipients import FIELDS, Recipients


def _domain(profile: TargetProfile) -> str:
    ids = profile.identities
    return ids.verified_domains[0] if ids.verified_domains else "verified.example"


def defect_example(defect: Defect, local: str, domain: str, variant: int = 0) -> str:
    """An address `local@domain` with exactly `defect` planted (`variant` picks where)."""
    first, _, rest = domain.partition(".")
    in_local = variant % 2 == 0
    table = {
        Defect.EMPTY: "",
        Defect.NO_AT: f"{local}{domain}",
        Defect.MULTIPLE_AT: f"{local}@x@{domain}",
        Defect.EMPTY_LOCAL: f"@{domain}",
        Defect.EMPTY_DOMAIN: f"{local}@",
        Defect.NO_DOT_IN_DOMAIN: f"{local}@{first}",
        Defect.LEADING_DOT: f".{local}@{domain}" if in_local else f"{local}@.{domain}",
        Defect.TRAILING_DOT: f"{local}.@{domain}" if in_local else f"{local}@{domain}.",
        Defect.DOUBLE_DOT: f"{local[0]}..{local[1:]}@{domain}"
        if in_local
        else f"{local}@{first}..{rest}",
        Defect.WHITESPACE: (
            f"{local[0]} {local[1:]}@{domain}",
            f"{local}@{first}\t.{rest}",
            f"{local[0]}\u2003{local[1:]}@{domain}",  # a non-ASCII space
        )[variant % 3],
        Defect.CONTROL_CHAR: f"{local[0]}\x01{local[1:]}@{domain}"
        if in_local
        else f"{local}@{first}\x7f.{rest}",
        Defect.ILLEGAL_LOCAL_CHAR: f"{local[0]},{local[1:]}@{domain}",
        Defect.ILLEGAL_DOMAIN_CHAR: f"{local}@{first}_x.{rest}",
        Defect.HYPHEN_AT_LABEL_EDGE: f"{local}@-{domain}"
        if in_local
        else f"{local}@{first}-.{rest}",
        Defect.UNBALANCED_ANGLE: f"<{local}@{domain}" if in_local else f"{local}@{domain}>",
    }
    return table[defect]


def gray_example(reason: Gray, local: str, domain: str) -> str:
    """An address `local@domain` turned gray for `reason` (rules.md "gray")."""
    stem = domain.rsplit(".", 1)[0]
    table = {
        Gray.QUOTED_LOCAL: f'"{local},x"@{domain}',
        Gray.DOMAIN_LITERAL: f"{local}@[192.0.2.1]",
        Gray.NON_ASCII_LOCAL: f"josé.{local}@{domain}",
        Gray.NON_ASCII_DOMAIN: f"{local}@bücher.{domain}",
        Gray.LOCAL_TOO_LONG: f"{'a' * 65}@{domain}",
        Gray.ADDRESS_TOO_LONG: f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 50}.{domain}",
        Gray.LABEL_TOO_LONG: f"{local}@{'d' * 64}.{domain}",
        Gray.NUMERIC_OR_SHORT_TLD: f"{local}@{stem}.123",
        Gray.RECIPIENT_DISPLAY_NAME: f"Bob Smith <{local}@{domain}>",
        Gray.ENCODED_WORD_NAME: f"=?UTF-8?B?SsO2cmc=?= <{local}@{domain}>",
        Gray.UNUSUAL_DISPLAY_NAME: f'"Doe, John" <{local}@{domain}>',
        Gray.COMMENT: f"{local}(comment)@{domain}",
        Gray.SPECIAL_USE_OR_BAD_IDN: f"{local}@{stem}.test",
    }
    return table[reason]


# --- recipients.valid -------------------------------------------------------------------


def _placed(profile: TargetProfile, field: str, address: str, position: str) -> Recipients:
    """`address` in `field` at `position` among deliverable recipients."""
    size, index = {
        "first": (3, 0),
        "middle": (3, 1),
        "last": (3, 2),
        "past 5": (8, 6),
        "past 50": (52, 51),
    }[position]
    others = [deliverable(profile, i) for i in range(size - 1)]
    others.insert(index, address)
    lists: dict[str, tuple[str, ...]] = {
        f: ((deliverable(profile, 99),) if f == "ToAddresses" else ()) for f in FIELDS
    }
    lists[field] = tuple(others)
    return Recipients(lists["ToAddresses"], lists["CcAddresses"], lists["BccAddresses"])


def recipient_class_cases(profile: TargetProfile) -> list[GeneratedCase]:
    """Each defect and gray reason in To, Cc and Bcc, cycling through every position."""
    domain = _domain(profile)
    source = verified_sender(profile)
    cases: list[GeneratedCase] = []
    for shift, field in enumerate(FIELDS):
        items: list[tuple[str, str]] = [
            (defect_example(d, "bad", domain, i + shift), f"invalid {d}")
            for i, d in enumerate(Defect)
        ]
        items += [(gray_example(g, "gray", domain), f"gray {g}") for g in Gray]
        for i, (address, label) in enumerate(items):
            position = POSITIONS[i % len(POSITIONS)]
            recipients = _placed(profile, field, address, position)
            params = params_of(source=source, recipients=recipients)
            cases.append(case_of(params, f"class example: {label} in {field} at {position}"))
    ends = (f" bad@{domain}", f"bad@{domain}\t", f"bad@{domain}\r\n", f"ba\nd@{domain}")
    for address in (*ends, f"b\u2003ad@{domain}", f"bad@{domain}\u00a0"):
        recipients = Recipients((deliverable(profile, 0), address))
        cases.append(case_of(params_of(source=source, recipients=recipients), "class example"))
    longest = at_every_limit(domain)  # under subdomains of a verified domain: deliverable
    cases.append(case_of(params_of(source=source, recipients=Recipients((longest,))), "longest"))
    named = f"Blog \ud55c\uad6d\uc5b4 <{source}>"  # accepted by real SES (ses-ground-truth)
    after = Recipients((deliverable(profile, 0), f"bad@@{domain}"))
    cases.append(case_of(params_of(source=named, recipients=after), f"class example: {named!r}"))
    return cases + _line_break_cases(profile)


def at_every_limit(domain: str) -> str:
    """A valid address at every length limit: a local part of 64, labels of 63 and 254
    characters in all, under `domain` (at most 60 characters)."""
    if len(domain) > 60:
        raise ValueError(f"domain: {domain!r} leaves no room for two 63-character labels")
    filler = 254 - (64 + 1 + 64 + 64 + len(domain) + 1)  # the third label, then its dot
    return f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * filler}.{domain}"


LINE_BREAKS = ("\n", "\r\n", "\r")


def _line_break_cases(profile: TargetProfile) -> list[GeneratedCase]:
    """A line break at a recipient's very end, in every list and position (issue 17): a
    target that strips it must be caught wherever the recipient sits."""
    domain = _domain(profile)
    source = verified_sender(profile)
    cases: list[GeneratedCase] = []
    for shift, field in enumerate(FIELDS):
        for i, position in enumerate(POSITIONS):
            end = LINE_BREAKS[(i + shift) % len(LINE_BREAKS)]
            recipients = _placed(profile, field, f"bad@{domain}{end}", position)
            label = f"class example: line break {end!r} at the end in {field} at {position}"
            cases.append(case_of(params_of(source=source, recipients=recipients), label))
    return cases


# --- sender.verified --------------------------------------------------------------------


def _address_only(profile: TargetProfile) -> str:
    """An address identity whose other-case spelling is not verified by a domain."""
    ids = profile.identities
    return next(
        (a for a in ids.verified_addresses if is_verified(a.swapcase(), ids) is False),
        verified_sender(profile),
    )


def _spellings(profile: TargetProfile) -> tuple[str, str, str, str, str]:
    """(verified domain, verified sender, address-only identity, its local part, its domain):
    what the Source and the sandbox recipient classes are spelled from."""
    only = _address_only(profile)
    local, _, only_domain = only.rpartition("@")
    return _domain(profile), verified_sender(profile), only, local, only_domain


def sender_sources(profile: TargetProfile) -> list[str]:
    """Every Source class: each syntax class bare and with a name, each identity relation."""
    ids = profile.identities
    domain, address, only, local, only_domain = _spellings(profile)
    found = [address, f"Sender Name <{address}>"]
    found += [defect_example(d, "sender", domain, i) for i, d in enumerate(Defect)]
    found += [gray_example(g, "sender", domain) for g in Gray]
    found += [
        f"Sender Name <{defect_example(d, 'sender', domain, i)}>" for i, d in enumerate(Defect)
    ]
    found += [f"Sender Name <{domain}>", f"Sender Name <sender@{domain}", "Name <<a@b.example>"]
    found += [
        f"=?UTF-8?B?SsO2cmc=?= <{address}>",
        f'"Doe, John" <{address}>',
        f'Sender <"s,x"@{domain}>',
        only.swapcase(),
        f"{local}+tag@{only_domain}",
        f"noreply@{domain}",
        f"noreply@{domain.upper()}",
        f"a@mail.{domain}",
        f"a@b.mail.{domain}",
        f"a@c.b.mail.{domain}",
        f"a@xn--bcher-kva.{domain}",
        f"a@evil{domain}",
        f"a@{domain}.x.de",  # a one-letter label before a two-letter TLD: the shortest valid
        f"a@{domain}.",
        f"a@{ids.unverified_domain}",
        f"Sender Name <a@{ids.unverified_domain}>",
        f"{local}@{only_domain.upper()}",  # the identity is case-sensitive, domain included
        # a verified address as display name does not verify the address in <> (issue 17)
        f'"{address}" <a@{ids.unverified_domain}>',
        f"{address} <a@{ids.unverified_domain}>",
        # gray for their syntax only: the address inside is still verified or not (issue 8)
        f"=?UTF-8?B?SsO2cmc=?= <a@{ids.unverified_domain}>",
        f'"Doe, John" <a@{ids.unverified_domain}>',
        f'"s,x"@{ids.unverified_domain}',
        f"a(comment)@{ids.unverified_domain}",
        # whitespace that is not ASCII, in a verified domain (the mutation run found it missing)
        defect_example(Defect.WHITESPACE, "sender", domain, 2),
    ]
    return found


def sender_class_cases(profile: TargetProfile) -> list[GeneratedCase]:
    recipients = Recipients((deliverable(profile, 0),))
    return [
        case_of(params_of(source=s, recipients=recipients), f"class example: Source {s!r}")
        for s in sender_sources(profile)
    ]


# --- sandbox.recipients -----------------------------------------------------------------


def sandbox_recipients(profile: TargetProfile) -> list[str]:
    ids = profile.identities
    domain, address, only, local, only_domain = _spellings(profile)
    sim = SIMULATOR_DOMAIN
    return [
        address,
        only.swapcase(),
        f"{local}@{only_domain.upper()}",
        f"{local}+tag@{only_domain}",
        f"r@{domain}",
        f"r@{domain.upper()}",
        f"r@a.{domain}",
        f"r@a.b.{domain}",
        f"r@a.b.c.{domain}",
        f"r@xn--bcher-kva.{domain}",
        f"r@evil{domain}",
        f"r@{domain}.evil.example",
        f"r@{ids.unverified_domain}",
        f"success@{sim}",
        f"bounce+label-1@{sim}",
        f"SUCCESS@{sim}",
        f"Success@{sim.upper()}",
        f"other@{sim}",
        f"success@{sim}.evil.example",
        f"success@evil{sim}",
        f"Bob <r@{domain}>",
        f"Bob <r@{ids.unverified_domain}>",
        f'"r,x"@{domain}',
        f'"r,x"@{ids.unverified_domain}',
        f"r(comment)@{ids.unverified_domain}",
    ]


def sandbox_class_cases(profile: TargetProfile) -> list[GeneratedCase]:
    source = verified_sender(profile)
    return [
        case_of(params_of(source=source, recipients=Recipients((r,))), f"class example: To {r!r}")
        for r in sandbox_recipients(profile)
    ]


# --- recipients.max and recipients.min --------------------------------------------------


def _spread(profile: TargetProfile, n: int, layout: str, *, duplicates: bool) -> Recipients:
    everyone = [deliverable(profile, 0 if duplicates and i % 2 else i) for i in range(n)]
    if layout == "spread":
        third = max(1, n // 3)
        return Recipients(
            tuple(everyone[:third]),
            tuple(everyone[third : 2 * third]),
            tuple(everyone[2 * third :]),
        )
    lists = {"To only": 0, "Cc only": 1, "Bcc only": 2}
    parts: list[tuple[str, ...]] = [(), (), ()]
    parts[lists[layout]] = tuple(everyone)
    return Recipients(*parts)


def count_class_cases(profile: TargetProfile) -> list[GeneratedCase]:
    """0, 1, limit-1, limit, limit+1 and far beyond, in each list and spread; duplicates."""
    limit = profile.limits.max_recipients
    source = verified_sender(profile)
    sizes = {"1": 1, "limit - 1": limit - 1, "limit": limit, "limit + 1": limit + 1}
    sizes["far beyond"] = 2 * limit + 5
    cases = [case_of(params_of(source=source, recipients=Recipients()), "class example: 0")]
    for name, n in sizes.items():
        layouts = (
            ("To only", "Cc only", "Bcc only", "spread")
            if n >= 3
            else ("To only", "Cc only", "Bcc only")
        )
        for layout in layouts:
            r = _spread(profile, n, layout, duplicates=False)
            cases.append(
                case_of(params_of(source=source, recipients=r), f"class example: {name}, {layout}")
            )
        if name in ("limit", "limit + 1", "far beyond"):
            r = _spread(profile, n, "To only", duplicates=True)
            cases.append(
                case_of(params_of(source=source, recipients=r), f"class example: {name} dup")
            )
    return cases


def min_class_cases(profile: TargetProfile) -> list[GeneratedCase]:
    base = params_of(
        source=verified_sender(profile), recipients=Recipients((deliverable(profile, 0),))
    )
    shapes: list[Any] = [
        None,
        {},
        {"ToAddresses": [], "CcAddresses": [], "BccAddresses": []},
        {"ToAddresses": None, "CcAddresses": []},
        {"ToAddresses": [deliverable(profile, 0)]},
        {"CcAddresses": [deliverable(profile, 0)]},
        {"BccAddresses": [deliverable(profile, 0)]},
    ]
    cases = []
    for shape in shapes:
        params = dict(base)
        if shape is None:
            del params["Destination"]
        else:
            params["Destination"] = shape
        cases.append(case_of(params, f"class example: Destination {shape!r}"))
    return cases


__all__ = [
    "SIMPLE_MESSAGE",
    "count_class_cases",
    "defect_example",
    "gray_example",
    "min_class_cases",
    "recipient_class_cases",
    "sandbox_class_cases",
    "sender_class_cases",
]
