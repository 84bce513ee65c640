"""Address strategies in the three classes of rules.md: valid, invalid (with defect), gray.

Every strategy draws from small, simple-first alphabets so a failing case shrinks to
something like `a@a.aa`. Invalid addresses are built from a valid one by planting exactly
one defect, so a counterexample says what is wrong with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import idna
from hypothesis import strategies as st

from conformance.addresses import Defect, Gray

Role = Literal["source", "recipient"]

# Simple first: shrinking goes to the front of each alphabet.
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_ALNUM = _LOWER + "0123456789" + _LOWER.upper()
_ATEXT = _ALNUM + "+-_!#$%&'*/=?^`{|}~"
_LETTERS = _LOWER + _LOWER.upper()

# Real Unicode words, IDNA-encoded once: the only `xn--` labels we emit are real ones.
_UNICODE_WORDS = ("bücher", "münchen", "café", "日本", "пример", "ελλάδα", "españa")
_UNICODE_TLDS = ("рф", "中国", "ελ")
IDN_LABELS: tuple[str, ...] = tuple(idna.encode(w).decode("ascii") for w in _UNICODE_WORDS)
IDN_TLDS: tuple[str, ...] = tuple(idna.encode(w).decode("ascii") for w in _UNICODE_TLDS)

# Top-level labels email-validator refuses (special-use names) are never drawn.
_SPECIAL_USE = frozenset({"test", "localhost", "local", "invalid", "onion", "arpa"})


@dataclass(frozen=True, slots=True)
class PlantedAddress:
    """An address made invalid on purpose, and the one defect that was planted."""

    text: str
    defect: Defect


@dataclass(frozen=True, slots=True)
class GrayAddress:
    """An address the documentation does not decide on, for the role it is used in."""

    text: str
    reason: Gray
    role: Role


def strings(alphabet: str, *, min_size: int = 1, max_size: int) -> st.SearchStrategy[str]:
    """Strings over `alphabet` that shrink towards its FIRST character (st.text would
    shrink by code point, towards digits and upper case)."""
    chars = st.sampled_from(alphabet)
    return st.lists(chars, min_size=min_size, max_size=max_size).map("".join)


def _atoms(alphabet: str, *, max_size: int) -> st.SearchStrategy[str]:
    return strings(alphabet, max_size=max_size)


def local_parts(*, max_length: int = 64) -> st.SearchStrategy[str]:
    """A dot-atom of RFC 5322 atext, 1..max_length characters."""
    if isinstance(max_length, bool) or not isinstance(max_length, int) or not 1 <= max_length <= 64:
        raise ValueError(f"max_length: expected an integer in 1..64, got {max_length!r}")
    return _local_parts(max_length)


@st.composite
def _local_parts(draw: st.DrawFn, max_length: int) -> str:
    alphabet = draw(st.sampled_from((_LOWER, _ALNUM, _ATEXT)))
    atoms = draw(st.lists(_atoms(alphabet, max_size=12), min_size=1, max_size=3))
    if draw(st.booleans()):
        atoms[-1] += "+" + draw(_atoms(_ALNUM, max_size=8))
    local = ".".join(atoms)[:max_length]
    return local.rstrip(".") or "a"


@st.composite
def dns_labels(draw: st.DrawFn, *, max_length: int = 63) -> str:
    """A DNS label of letters, digits and single inner hyphens (never `--` by accident)."""
    parts = draw(st.lists(_atoms(_ALNUM, max_size=10), min_size=1, max_size=3))
    return "-".join(parts)[:max_length].rstrip("-")


def tlds() -> st.SearchStrategy[str]:
    """An alphabetic TLD of 2+ letters, or an `xn--` label made from a real Unicode word."""
    alpha = strings(_LETTERS, min_size=2, max_size=6).filter(
        lambda t: t.lower() not in _SPECIAL_USE
    )
    common = st.sampled_from(("com", "org", "example", "COM"))
    return st.one_of(alpha, common, st.sampled_from(IDN_TLDS))


@st.composite
def domain_names(draw: st.DrawFn) -> str:
    """Two or more labels, the last a TLD; IDN labels sometimes."""
    label = st.one_of(dns_labels(), st.sampled_from(IDN_LABELS))
    labels = draw(st.lists(label, min_size=1, max_size=4))
    return ".".join([*labels, draw(tlds())])


def valid_addresses(*, domains: Sequence[str] | None = None) -> st.SearchStrategy[str]:
    """A valid address per rules.md, at one of `domains` (or a drawn domain), <= 254 chars."""
    if domains is None:
        return domain_names().flatmap(_at_domain)
    if isinstance(domains, str) or not domains or not all(isinstance(d, str) for d in domains):
        raise ValueError(f"domains: expected a non-empty sequence of strings, got {domains!r}")
    for domain in domains:
        if len(domain) > 252:
            raise ValueError(f"domains: {domain!r} leaves no room for a local part in 254 chars")
    return st.sampled_from(tuple(domains)).flatmap(_at_domain)


def _at_domain(domain: str) -> st.SearchStrategy[str]:
    room = min(64, 254 - 1 - len(domain))
    return local_parts(max_length=room).map(lambda local: f"{local}@{domain}")


# --- invalid: one planted defect ---------------------------------------------------------


def defect_label(defect: Defect) -> str:
    """The event label for an invalid address: `invalid address: double dot`."""
    return f"invalid address: {defect.name.lower().replace('_', ' ')}"


def _split(address: str) -> tuple[str, str]:
    local, _, domain = address.rpartition("@")
    return local, domain


def _insert(draw: st.DrawFn, text: str, piece: str) -> str:
    """`piece` strictly inside `text` (never at either end), so only one defect appears."""
    if len(text) < 2:
        return text + piece + text
    at = draw(st.integers(1, len(text) - 1))
    return text[:at] + piece + text[at:]


_CONTROLS = "\x00\x01\x07\x08\x0e\x1b\x7f"  # control, not whitespace (str.isspace is False)
_WHITESPACE = " \t"
_ILLEGAL_LOCAL = ",;:[]\\"
_ILLEGAL_DOMAIN = "_!#$%&'*+/=?^`{|}~"


@st.composite
def _planted(draw: st.DrawFn, defect: Defect, base: str) -> PlantedAddress:
    local, domain = _split(base)
    part = draw(st.sampled_from(("local", "domain")))
    match defect:
        case Defect.EMPTY:
            text = ""
        case Defect.NO_AT:
            text = local + domain
        case Defect.MULTIPLE_AT:
            text = f"{local}@{draw(_atoms(_LOWER, max_size=5))}@{domain}"
        case Defect.EMPTY_LOCAL:
            text = f"@{domain}"
        case Defect.EMPTY_DOMAIN:
            text = f"{local}@"
        case Defect.NO_DOT_IN_DOMAIN:
            text = f"{local}@{draw(_atoms(_LOWER, max_size=10))}"
        case Defect.LEADING_DOT:
            text = f".{local}@{domain}" if part == "local" else f"{local}@.{domain}"
        case Defect.TRAILING_DOT:
            text = f"{local}.@{domain}" if part == "local" else f"{local}@{domain}."
        case Defect.DOUBLE_DOT:
            if part == "local":
                text = f"{_insert(draw, local, '..')}@{domain}".replace("...", "..")
            else:
                first, rest = domain.split(".", 1)
                text = f"{local}@{first}..{rest}"
        case Defect.WHITESPACE | Defect.CONTROL_CHAR:
            pool = _WHITESPACE if defect is Defect.WHITESPACE else _CONTROLS
            char = draw(st.sampled_from(pool))
            if part == "local":
                text = f"{_insert(draw, local, char)}@{domain}"
            else:
                first, rest = domain.split(".", 1)
                text = f"{local}@{_insert(draw, first, char)}.{rest}"
        case Defect.ILLEGAL_LOCAL_CHAR:
            text = f"{_insert(draw, local, draw(st.sampled_from(_ILLEGAL_LOCAL)))}@{domain}"
        case Defect.ILLEGAL_DOMAIN_CHAR:
            first, rest = domain.split(".", 1)
            char = draw(st.sampled_from(_ILLEGAL_DOMAIN))
            text = f"{local}@{_insert(draw, first, char)}.{rest}"
        case Defect.HYPHEN_AT_LABEL_EDGE:
            first, rest = domain.split(".", 1)
            first = f"-{first}" if draw(st.booleans()) else f"{first}-"
            text = f"{local}@{first}.{rest}"
        case Defect.UNBALANCED_ANGLE:
            text = f"<{base}" if draw(st.booleans()) else f"{base}>"
        case _:  # a Defect added to addresses.py that nobody taught us to plant
            raise NotImplementedError(f"no planting for defect {defect!r}")
    return PlantedAddress(text, defect)


def _plain_bases() -> st.SearchStrategy[str]:
    """Bases for planting: ASCII, no IDN, short, so one defect is all there is."""
    domain = st.builds(
        lambda labels, tld: ".".join([*labels, tld]),
        st.lists(dns_labels(max_length=20), min_size=1, max_size=3),
        strings(_LOWER, min_size=2, max_size=4).filter(lambda t: t not in _SPECIAL_USE),
    )
    return st.builds(lambda lo, do: f"{lo}@{do}", local_parts(max_length=30), domain)


def invalid_addresses(
    *, defects: Sequence[Defect] | None = None, bases: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[PlantedAddress]:
    """Invalid addresses, each a valid one with exactly one planted defect (every Defect)."""
    chosen = tuple(Defect) if defects is None else tuple(defects)
    bad = [d for d in chosen if not isinstance(d, Defect)]
    if bad or not chosen:
        raise ValueError(f"defects must be a non-empty sequence of Defect, got {defects!r}")
    base_strategy = _plain_bases() if bases is None else bases
    return st.tuples(st.sampled_from(chosen), base_strategy).flatmap(
        lambda pair: _planted(pair[0], pair[1])
    )


# --- gray: the documentation does not decide ---------------------------------------------

_NAMES = ("Alice", "Bob Smith", "Team", "No Reply")


@st.composite
def _gray(draw: st.DrawFn, reason: Gray, role: Role) -> GrayAddress:
    local, domain = _split(draw(_plain_bases()))
    match reason:
        case Gray.QUOTED_LOCAL:
            inner = draw(st.sampled_from(("", ",", ":", "(", ")")))
            text = f'"{_insert(draw, local, inner) if inner else local}"@{domain}'
        case Gray.DOMAIN_LITERAL:
            literal = draw(st.sampled_from(("192.0.2.1", "IPv6:2001:db8::1", "198.51.100.7")))
            text = f"{local}@[{literal}]"
        case Gray.NON_ASCII_LOCAL:
            text = f"{draw(st.sampled_from(('dån', 'josé', '用户', 'ünïcode')))}@{domain}"
        case Gray.NON_ASCII_DOMAIN:
            text = f"{local}@{draw(st.sampled_from(_UNICODE_WORDS))}.{domain}"
        case Gray.LOCAL_TOO_LONG:
            text = f"{'a' * draw(st.integers(65, 100))}@{domain}"
        case Gray.ADDRESS_TOO_LONG:
            # domain <= 253 and every label <= 63: only the whole address is too long
            last = draw(st.integers(1, 57))
            labels = ".".join(["b" * 63] * 3 + ["c" * last])
            text = f"{'a' * draw(st.integers(58 - last, 64))}@{labels}.com"
        case Gray.LABEL_TOO_LONG:
            text = f"{local}@{'d' * draw(st.integers(64, 80))}.com"
        case Gray.NUMERIC_OR_SHORT_TLD:
            tld = draw(st.sampled_from(("123", "1", "c", "42")))
            text = f"{local}@{domain.rsplit('.', 1)[0]}.{tld}"
        case Gray.RECIPIENT_DISPLAY_NAME:
            text = f"{draw(st.sampled_from(_NAMES))} <{local}@{domain}>"
        case Gray.ENCODED_WORD_NAME:
            word = draw(st.sampled_from(("=?UTF-8?B?SsO2cmc=?=", "=?UTF-8?Q?J=C3=B6rg?=")))
            text = f"{word} <{local}@{domain}>"
        case Gray.UNUSUAL_DISPLAY_NAME:
            name = draw(st.sampled_from(('"Doe, John"', "Jörg", '"Ops: Team"')))
            text = f"{name} <{local}@{domain}>"
        case Gray.COMMENT:
            text = draw(st.sampled_from((f"{local}(comment)@{domain}", f"(c){local}@{domain}")))
        case Gray.SPECIAL_USE_OR_BAD_IDN:
            tail = draw(st.sampled_from(sorted(_SPECIAL_USE)))
            text = f"{local}@{domain.rsplit('.', 1)[0]}.{tail}"
        case _:
            raise NotImplementedError(f"no generator for gray reason {reason!r}")
    return GrayAddress(text, reason, role)


def gray_addresses(
    *, role: Role = "recipient", reasons: Sequence[Gray] | None = None
) -> st.SearchStrategy[GrayAddress]:
    """Gray addresses for `role`: a plain display name is gray only on a recipient."""
    if role not in ("source", "recipient"):
        raise ValueError(f"role must be 'source' or 'recipient', got {role!r}")
    chosen = tuple(Gray) if reasons is None else tuple(reasons)
    if role == "source":
        chosen = tuple(r for r in chosen if r is not Gray.RECIPIENT_DISPLAY_NAME)
    if not chosen or not all(isinstance(r, Gray) for r in chosen):
        raise ValueError(f"reasons: expected a non-empty sequence of Gray, got {reasons!r}")
    return st.sampled_from(chosen).flatmap(lambda reason: _gray(reason, role))
