"""Address strategies in the three classes of rules.md: valid, invalid (with defect), gray.

Every strategy draws from small, simple-first alphabets so a failing case shrinks to
something like `a@a.aa`. Invalid addresses are built from a valid one by planting exactly
one defect, so a counterexample says what is wrong with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, TypeVar

import idna
from hypothesis import strategies as st

from conformance.addresses import Defect, Gray

Role = Literal["source", "recipient"]
T = TypeVar("T")

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


@lru_cache(maxsize=256)
def strings(alphabet: str, *, min_size: int = 1, max_size: int) -> st.SearchStrategy[str]:
    """Strings over `alphabet` that shrink towards its FIRST character (st.text would
    shrink by code point, towards digits and upper case). Built once per arguments:
    Hypothesis validates each new strategy object on its first draw."""
    chars = st.sampled_from(alphabet)
    return st.lists(chars, min_size=min_size, max_size=max_size).map("".join)


@lru_cache(maxsize=512)
def _sampled(options: tuple[object, ...]) -> st.SearchStrategy[object]:
    return st.sampled_from(options)


def pick(options: tuple[T, ...]) -> st.SearchStrategy[T]:
    """`st.sampled_from(options)`, built once per options (never per draw)."""
    return _sampled(options)  # type: ignore[return-value]


@lru_cache(maxsize=512)
def ints(low: int, high: int) -> st.SearchStrategy[int]:
    """`st.integers(low, high)`, built once per bounds (never per draw)."""
    return st.integers(low, high)


_BOOLS = st.booleans()


def _atoms(alphabet: str, *, max_size: int) -> st.SearchStrategy[str]:
    return strings(alphabet, max_size=max_size)


def local_parts(*, max_length: int = 64) -> st.SearchStrategy[str]:
    """A dot-atom of RFC 5322 atext, 1..max_length characters."""
    if isinstance(max_length, bool) or not isinstance(max_length, int) or not 1 <= max_length <= 64:
        raise ValueError(f"max_length: expected an integer in 1..64, got {max_length!r}")
    return _LOCAL_PARTS.map(lambda local: cut_local(local, max_length))


def cut_local(local: str, max_length: int) -> str:
    """`local` cut to `max_length` characters, never ending on a dot."""
    return local[:max_length].rstrip(".") or "a"


_ATOM_LISTS = {
    alphabet: st.lists(strings(alphabet, max_size=12), min_size=1, max_size=3)
    for alphabet in (_LOWER, _ALNUM, _ATEXT)
}
_LOCAL_ALPHABETS = st.sampled_from((_LOWER, _ALNUM, _ATEXT))
_TAGS = st.one_of(st.just(""), strings(_ALNUM, max_size=8).map(lambda tag: "+" + tag))


@st.composite
def _local_parts_of(draw: st.DrawFn) -> str:
    atoms = draw(_ATOM_LISTS[draw(_LOCAL_ALPHABETS)])
    atoms[-1] += draw(_TAGS)
    return ".".join(atoms)


_LOCAL_PARTS = _local_parts_of()
_LABEL_PARTS = st.lists(strings(_ALNUM, max_size=10), min_size=1, max_size=3)


LOCAL_POOL: tuple[str, ...] = (
    "a",
    "b",
    "ab",
    "john",
    "Mary",
    "x9",
    "user_1",
    "a-b",
    "o'neil",
    "q+tag",
    "first.last",
    "a.b.c",
    "UP",
    "MiXeD.Case",
    "t!x",
    "#hash",
    "$money",
    "%pct",
    "&and",
    "*star",
    "/slash",
    "=eq",
    "?q",
    "^caret",
    "`tick",
    "{brace}",
    "|pipe",
    "~tilde",
    "l" * 64,
    "very.long.local.part.with.many.atoms",
    "1234567890",
    "r+1.2",
)
"""Valid local parts of every shape rules.md names (atext specials, dots, +tags, 64
characters): one choice per address instead of one per character."""
POOLED_LOCALS = st.sampled_from(LOCAL_POOL)
LABEL_POOL: tuple[str, ...] = (
    "a",
    "mail",
    "x1",
    "eu-west-1",
    "b2b",
    "MX",
    "xn--bcher-kva",
    "d" * 63,
)
"""DNS labels of every shape (digits, inner hyphens, upper case, `xn--`, 63 characters)."""
POOLED_LABELS = st.sampled_from(LABEL_POOL)


@lru_cache(maxsize=64)
def dns_labels(*, max_length: int = 63) -> st.SearchStrategy[str]:
    """A DNS label of letters, digits and single inner hyphens (never `--` by accident)."""
    return _LABEL_PARTS.map(lambda parts: "-".join(parts)[:max_length].rstrip("-"))


@lru_cache(maxsize=1)
def tlds() -> st.SearchStrategy[str]:
    """An alphabetic TLD of 2+ letters, or an `xn--` label made from a real Unicode word."""
    alpha = strings(_LETTERS, min_size=2, max_size=6).filter(
        lambda t: t.lower() not in _SPECIAL_USE
    )
    common = st.sampled_from(("com", "org", "example", "COM"))
    return st.one_of(alpha, common, st.sampled_from(IDN_TLDS))


@lru_cache(maxsize=1)
def domain_names() -> st.SearchStrategy[str]:
    """Two or more labels, the last a TLD; IDN labels sometimes."""
    label = st.one_of(dns_labels(), st.sampled_from(IDN_LABELS))
    return st.builds(
        lambda labels, tld: ".".join([*labels, tld]),
        st.lists(label, min_size=1, max_size=4),
        tlds(),
    )


def valid_addresses(*, domains: Sequence[str] | None = None) -> st.SearchStrategy[str]:
    """A valid address per rules.md, at one of `domains` (or a drawn domain), <= 254 chars."""
    if domains is None:
        return _VALID_ANYWHERE
    if isinstance(domains, str) or not domains or not all(isinstance(d, str) for d in domains):
        raise ValueError(f"domains: expected a non-empty sequence of strings, got {domains!r}")
    for domain in domains:
        if len(domain) > 252:
            raise ValueError(f"domains: {domain!r} leaves no room for a local part in 254 chars")
    return st.builds(at_domain, _LOCAL_PARTS, st.sampled_from(tuple(domains)))


def at_domain(local: str, domain: str) -> str:
    """`local@domain`, the local part cut so that the address fits in 254 characters."""
    return f"{cut_local(local, min(64, 254 - 1 - len(domain)))}@{domain}"


_VALID_ANYWHERE = st.builds(at_domain, _LOCAL_PARTS, domain_names())


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
    at = draw(ints(1, len(text) - 1))
    return text[:at] + piece + text[at:]


_CONTROLS = "\x00\x01\x07\x08\x0e\x1b\x7f"  # control, not whitespace (str.isspace is False)
_WHITESPACE = " \t"
_ILLEGAL_LOCAL = ",;:[]\\"
_ILLEGAL_DOMAIN = "_!#$%&'*+/=?^`{|}~"


def _planted(draw: st.DrawFn, defect: Defect, base: str) -> PlantedAddress:
    local, domain = _split(base)
    part = draw(pick(("local", "domain")))
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
            char = draw(pick(tuple(pool)))
            if part == "local":
                text = f"{_insert(draw, local, char)}@{domain}"
            else:
                first, rest = domain.split(".", 1)
                text = f"{local}@{_insert(draw, first, char)}.{rest}"
        case Defect.ILLEGAL_LOCAL_CHAR:
            text = f"{_insert(draw, local, draw(pick(tuple(_ILLEGAL_LOCAL))))}@{domain}"
        case Defect.ILLEGAL_DOMAIN_CHAR:
            first, rest = domain.split(".", 1)
            char = draw(pick(tuple(_ILLEGAL_DOMAIN)))
            text = f"{local}@{_insert(draw, first, char)}.{rest}"
        case Defect.HYPHEN_AT_LABEL_EDGE:
            first, rest = domain.split(".", 1)
            first = f"-{first}" if draw(_BOOLS) else f"{first}-"
            text = f"{local}@{first}.{rest}"
        case Defect.UNBALANCED_ANGLE:
            text = f"<{base}" if draw(_BOOLS) else f"{base}>"
        case _:  # a Defect added to addresses.py that nobody taught us to plant
            raise NotImplementedError(f"no planting for defect {defect!r}")
    return PlantedAddress(text, defect)


@lru_cache(maxsize=1)
def _plain_bases() -> st.SearchStrategy[str]:
    """Bases for planting: ASCII, no IDN, short, so one defect is all there is."""
    domain = st.builds(
        lambda labels, tld: ".".join([*labels, tld]),
        st.lists(POOLED_LABELS.map(lambda label: label[:20]), min_size=1, max_size=3),
        st.sampled_from(("com", "org", "aa", "example", "io")),
    )
    return st.builds(lambda lo, do: f"{lo}@{do}", POOLED_LOCALS.map(lambda lo: lo[:30]), domain)


def invalid_addresses(
    *, defects: Sequence[Defect] | None = None, bases: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[PlantedAddress]:
    """Invalid addresses, each a valid one with exactly one planted defect (every Defect)."""
    chosen = tuple(Defect) if defects is None else tuple(defects)
    bad = [d for d in chosen if not isinstance(d, Defect)]
    if bad or not chosen:
        raise ValueError(f"defects must be a non-empty sequence of Defect, got {defects!r}")
    base_strategy = _PLAIN_BASES if bases is None else bases
    return _invalid(st.sampled_from(chosen), base_strategy)


@st.composite
def _invalid(
    draw: st.DrawFn, defects: st.SearchStrategy[Defect], bases: st.SearchStrategy[str]
) -> PlantedAddress:
    """One defect planted into one base: a single composite, so no strategy per draw."""
    defect = draw(defects)
    return _planted(draw, defect, draw(bases))


_PLAIN_BASES = _plain_bases()


# --- gray: the documentation does not decide ---------------------------------------------

_NAMES = ("Alice", "Bob Smith", "Team", "No Reply")


# One case per Gray reason, as _planted has one per Defect: alike in shape, different facts.
def _gray(draw: st.DrawFn, reason: Gray, role: Role) -> GrayAddress:
    local, domain = _split(draw(_PLAIN_BASES))
    match reason:
        case Gray.QUOTED_LOCAL:
            inner = draw(pick(("", ",", ":", "(", ")")))
            text = f'"{_insert(draw, local, inner) if inner else local}"@{domain}'
        case Gray.DOMAIN_LITERAL:
            literal = draw(pick(("192.0.2.1", "IPv6:2001:db8::1", "198.51.100.7")))
            text = f"{local}@[{literal}]"
        case Gray.NON_ASCII_LOCAL:
            text = f"{draw(pick(('dån', 'josé', '用户', 'ünïcode')))}@{domain}"
        case Gray.NON_ASCII_DOMAIN:
            text = f"{local}@{draw(pick(_UNICODE_WORDS))}.{domain}"
        case Gray.LOCAL_TOO_LONG:
            text = f"{'a' * draw(ints(65, 100))}@{domain}"
        case Gray.ADDRESS_TOO_LONG:
            # domain <= 253 and every label <= 63: only the whole address is too long
            last = draw(ints(1, 57))
            labels = ".".join(["b" * 63] * 3 + ["c" * last])
            text = f"{'a' * draw(ints(58 - last, 64))}@{labels}.com"
        case Gray.LABEL_TOO_LONG:
            text = f"{local}@{'d' * draw(ints(64, 80))}.com"
        case Gray.NUMERIC_OR_SHORT_TLD:
            tld = draw(pick(("123", "1", "c", "42")))
            text = f"{local}@{domain.rsplit('.', 1)[0]}.{tld}"
        case Gray.RECIPIENT_DISPLAY_NAME:
            text = f"{draw(pick(_NAMES))} <{local}@{domain}>"
        case Gray.ENCODED_WORD_NAME:
            word = draw(pick(("=?UTF-8?B?SsO2cmc=?=", "=?UTF-8?Q?J=C3=B6rg?=")))
            text = f"{word} <{local}@{domain}>"
        case Gray.UNUSUAL_DISPLAY_NAME:
            name = draw(pick(('"Doe, John"', "Jörg", '"Ops: Team"')))
            text = f"{name} <{local}@{domain}>"
        case Gray.COMMENT:
            forms = (f"{local}(comment)@{domain}", f"(c){local}@{domain}")
            text = forms[draw(ints(0, 1))]
        case Gray.SPECIAL_USE_OR_BAD_IDN:
            tail = draw(pick(tuple(sorted(_SPECIAL_USE))))
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
    return _grays(st.sampled_from(chosen), role)


@st.composite
def _grays(draw: st.DrawFn, reasons: st.SearchStrategy[Gray], role: Role) -> GrayAddress:
    return _gray(draw, draw(reasons), role)
