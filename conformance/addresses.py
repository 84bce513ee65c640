"""Address classes of rules.md: valid, invalid (with the defect) or gray (with the reason).

The oracle, the strategies and the reference server all judge addresses here, so that
"valid" means the same thing everywhere. The classifier is total: any `str` gets a
verdict, nothing raises. A definite defect wins over a gray feature.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum, auto
from functools import cache, lru_cache
from typing import Any, Literal, TypeAlias

from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import DOT_ATOM_TEXT

Role: TypeAlias = Literal["source", "recipient"]
ROLES: tuple[str, ...] = ("source", "recipient")

MAX_LOCAL = 64
MAX_ADDRESS = 254
MAX_LABEL = 63


class AddressClass(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    GRAY = "gray"


class Defect(StrEnum):
    """Why an address is invalid (rules.md "invalid")."""

    EMPTY = auto()
    NO_AT = auto()
    MULTIPLE_AT = auto()
    EMPTY_LOCAL = auto()
    EMPTY_DOMAIN = auto()
    NO_DOT_IN_DOMAIN = auto()
    LEADING_DOT = auto()
    TRAILING_DOT = auto()
    DOUBLE_DOT = auto()
    WHITESPACE = auto()
    CONTROL_CHAR = auto()
    ILLEGAL_LOCAL_CHAR = auto()
    ILLEGAL_DOMAIN_CHAR = auto()
    HYPHEN_AT_LABEL_EDGE = auto()
    UNBALANCED_ANGLE = auto()


# Defect and Gray: two enums of different facts, alike in shape only.
class Gray(StrEnum):
    """Why the documentation does not decide (rules.md "gray")."""

    QUOTED_LOCAL = auto()
    DOMAIN_LITERAL = auto()
    NON_ASCII_LOCAL = auto()
    NON_ASCII_DOMAIN = auto()
    LOCAL_TOO_LONG = auto()
    ADDRESS_TOO_LONG = auto()
    LABEL_TOO_LONG = auto()
    NUMERIC_OR_SHORT_TLD = auto()
    RECIPIENT_DISPLAY_NAME = auto()
    ENCODED_WORD_NAME = auto()
    UNUSUAL_DISPLAY_NAME = auto()
    COMMENT = auto()
    SPECIAL_USE_OR_BAD_IDN = auto()
    """Valid by rules.md's grammar but refused by email-validator (.test, bad Punycode)."""


@dataclass(frozen=True, slots=True)
class AddressVerdict:
    cls: AddressClass
    address: str
    """The bare address (display name and <> removed)."""
    defects: tuple[Defect, ...] = ()
    gray: tuple[Gray, ...] = ()

    def describe(self) -> str:
        """`valid`, `invalid: double dot`, `gray: quoted local`: for reasons and events."""
        why = self.defects or self.gray
        if not why:
            return str(self.cls)
        return f"{self.cls}: {', '.join(str(w).replace('_', ' ') for w in why)}"


_ATEXT = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-"
)
_LDH = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9._'-]+(?: [A-Za-z0-9._'-]+)*")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=")


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc" and ch != "\t"


def _is_space(ch: str) -> bool:
    return ch == "\t" or (ch.isspace() and unicodedata.category(ch) != "Cc")


# The same sets as _is_space and _is_control, as regexes: a 2 MB Source is scanned in C,
# not one Python call per character (every isspace() character is below U+3001).
_SPACES = re.compile(
    "[" + "".join(re.escape(chr(i)) for i in range(0x3001) if _is_space(chr(i))) + "]"
)
_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_DOT_ATEXT = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]*")
_LDH_LABEL = re.compile(r"[A-Za-z0-9-]*")
_QUOTING = re.compile(r'["\\()]')


def _char_defects(text: str) -> list[Defect]:
    found: list[Defect] = []
    if _SPACES.search(text):
        found.append(Defect.WHITESPACE)
    if _CONTROLS.search(text):
        found.append(Defect.CONTROL_CHAR)
    return found


class _Quotes:
    """RFC 5322 quoted strings read a character at a time (backslash escapes inside them):
    the one quote reader of the three scanners below."""

    __slots__ = ("escaped", "quoted")

    def __init__(self) -> None:
        self.quoted = self.escaped = False

    def inside(self, ch: str) -> bool:
        """Whether `ch` belongs to a quoted string, its quotes and escapes included."""
        if self.escaped:
            self.escaped = False
        elif self.quoted:
            if ch == "\\":
                self.escaped = True
            elif ch == '"':
                self.quoted = False
        elif ch == '"':
            self.quoted = True
        else:
            return False
        return True


def _unquoted(text: str, wanted: str) -> list[int]:
    """Indexes of `wanted` characters outside "quotes" (with \\ escapes) and (comments)."""
    if not _QUOTING.search(text):  # nothing quoted or commented: every hit counts
        if not _any_of(text, wanted):
            return []
        return [m.start() for m in _one_of(wanted).finditer(text)]
    hits: list[int] = []
    quotes = _Quotes()
    depth = 0
    for i, ch in enumerate(text):
        if quotes.inside(ch):
            continue
        if ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif depth == 0 and ch in wanted:
            hits.append(i)
    return hits


@cache
def _one_of(wanted: str) -> re.Pattern[str]:
    return re.compile("[" + re.escape(wanted) + "]")


def _any_of(text: str, wanted: str) -> bool:
    return any(ch in text for ch in wanted)


def _quotes_closed(text: str) -> bool:
    """Whether every opening `"` has its closing one (backslash escapes inside quotes)."""
    if '"' not in text:
        return True
    quotes = _Quotes()
    for ch in text:
        quotes.inside(ch)
    return not quotes.quoted


def _split_name(text: str) -> tuple[str | None, str, str] | None:
    """(display name or None, address, text after `>`); None when the angles are unbalanced."""
    angles = _unquoted(text, "<>")
    if not angles:
        return None, text, ""
    if len(angles) != 2 or text[angles[0]] != "<" or text[angles[1]] != ">":
        return None
    lt, gt = angles
    return text[:lt], text[lt + 1 : gt], text[gt + 1 :]


@lru_cache(maxsize=8192)
def bare_address(text: str) -> str:
    """The address inside `<>` when the text has a display name; the text otherwise.
    (Cached: the oracle asks it of every recipient several times.)"""
    split = _split_name(text)
    return text if split is None else split[1]


def domain_of(address: str) -> str:
    """The part after the last `@` of the bare address; "" when there is none."""
    bare = bare_address(address)
    return bare.rpartition("@")[2] if "@" in bare else ""


def _name_gray(name: str, tail: str, role: Role) -> tuple[list[Defect], list[Gray]]:
    defects = [Defect.CONTROL_CHAR] if any(_is_control(ch) for ch in name + tail) else []
    gray: list[Gray] = []
    if role == "recipient":
        gray.append(Gray.RECIPIENT_DISPLAY_NAME)
    stripped = name.strip()
    if "(" in name or ")" in name or "(" in tail or ")" in tail:
        gray.append(Gray.COMMENT)
    if _ENCODED_WORD.search(name):
        gray.append(Gray.ENCODED_WORD_NAME)
    plain = (
        _PLAIN_NAME.fullmatch(stripped) is not None
        and name == stripped + " " * (len(name) - len(stripped))
        and name != stripped
    )
    explained = Gray.COMMENT in gray or Gray.ENCODED_WORD_NAME in gray
    if (tail or not plain) and not explained:
        gray.append(Gray.UNUSUAL_DISPLAY_NAME)
    return defects, gray


def _illegal_in_local(ch: str) -> bool:
    """ASCII outside atext and `.`: the specials `()<>,;:"[]\\@` (space and controls aside)."""
    return (
        ord(ch) < 128
        and ch not in _ATEXT
        and ch != "."
        and not _is_space(ch)
        and not _is_control(ch)
    )


def _local_checks(local: str) -> tuple[list[Defect], list[Gray]]:
    defects: list[Defect] = []
    gray: list[Gray] = []
    if not local:
        return [Defect.EMPTY_LOCAL], []
    if len(local) >= 2 and local[0] == '"' and local[-1] == '"' and _unquoted(local, '"') == []:
        gray.append(Gray.QUOTED_LOCAL)
        if any(ord(ch) > 127 for ch in local):
            gray.append(Gray.NON_ASCII_LOCAL)
    else:
        if local.startswith("."):
            defects.append(Defect.LEADING_DOT)
        if local.endswith("."):
            defects.append(Defect.TRAILING_DOT)
        if ".." in local:
            defects.append(Defect.DOUBLE_DOT)
        plain = _DOT_ATEXT.fullmatch(local) is not None  # the common case, checked in C
        if not plain and any(_illegal_in_local(ch) for ch in local):
            defects.append(Defect.ILLEGAL_LOCAL_CHAR)
        if not plain and any(
            ord(ch) > 127 and not _is_space(ch) and not _is_control(ch) for ch in local
        ):
            gray.append(Gray.NON_ASCII_LOCAL)
    if len(local) > MAX_LOCAL:
        gray.append(Gray.LOCAL_TOO_LONG)
    return defects, gray


def _domain_checks(domain: str) -> tuple[list[Defect], list[Gray]]:
    if not domain:
        return [Defect.EMPTY_DOMAIN], []
    if domain.startswith("[") and domain.endswith("]") and domain.count("[") == 1:
        return ([Defect.ILLEGAL_DOMAIN_CHAR] if "]" in domain[:-1] else []), [Gray.DOMAIN_LITERAL]
    defects: list[Defect] = []
    gray: list[Gray] = []
    if "." not in domain:
        defects.append(Defect.NO_DOT_IN_DOMAIN)
    if domain.startswith("."):
        defects.append(Defect.LEADING_DOT)
    if domain.endswith("."):
        defects.append(Defect.TRAILING_DOT)
    if ".." in domain:
        defects.append(Defect.DOUBLE_DOT)
    labels = [label for label in domain.split(".") if label]
    for label in labels:
        for ch in "" if _LDH_LABEL.fullmatch(label) else label:
            if ch in _LDH or _is_space(ch) or _is_control(ch):
                continue
            if ord(ch) > 127:
                gray.append(Gray.NON_ASCII_DOMAIN)
            else:
                defects.append(Defect.ILLEGAL_DOMAIN_CHAR)
        if label.startswith("-") or label.endswith("-"):
            defects.append(Defect.HYPHEN_AT_LABEL_EDGE)
        if len(label) > MAX_LABEL:
            gray.append(Gray.LABEL_TOO_LONG)
    if len(labels) >= 2 and all(ch in _LDH for ch in labels[-1]):
        tld = labels[-1]
        if not (tld.lower().startswith("xn--") or (tld.isalpha() and len(tld) >= 2)):
            gray.append(Gray.NUMERIC_OR_SHORT_TLD)
    return defects, gray


def _unique(items: list[Defect] | list[Gray]) -> tuple[Any, ...]:
    return tuple(dict.fromkeys(items))


def classify_address(text: str, *, role: Role) -> AddressVerdict:
    """Classify one address as rules.md does; `role="source"` allows `Name <addr>`."""
    if role not in ROLES:
        raise ValueError(f"role: expected 'source' or 'recipient', got {role!r}")
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__} {text!r}")
    return _classify(text, role)


@lru_cache(maxsize=8192)
def _classify(text: str, role: Role) -> AddressVerdict:
    if text == "":
        return AddressVerdict(AddressClass.INVALID, text, defects=(Defect.EMPTY,))
    split = _split_name(text)
    if split is None:
        return AddressVerdict(AddressClass.INVALID, text, defects=(Defect.UNBALANCED_ANGLE,))
    name, address, tail = split
    defects: list[Defect] = []
    gray: list[Gray] = []
    if name is not None:
        defects, gray = _name_gray(name, tail, role)
        if _unquoted(name, "@"):
            defects.append(Defect.MULTIPLE_AT)
    if address == "":
        defects.append(Defect.EMPTY)
    stripped, had_comment, balanced = _strip_comments(address)
    if not balanced:
        defects.append(Defect.ILLEGAL_LOCAL_CHAR)
        stripped = address.replace("(", "").replace(")", "")
    elif had_comment:
        gray.append(Gray.COMMENT)
        stripped = stripped.strip(" ")  # `a@x.com (Ann)`: the space belongs to the comment
    ats = _unquoted(stripped, "@")
    if not _quotes_closed(stripped):
        defects.append(Defect.ILLEGAL_LOCAL_CHAR)  # a stray `"`: JavaMail's "Missing '\"'"
        ats = [i for i, ch in enumerate(stripped) if ch == "@"]
    if address and not ats:
        defects.append(Defect.NO_AT)
    elif len(ats) > 1:
        defects.append(Defect.MULTIPLE_AT)
    elif ats:
        local, domain = stripped[: ats[0]], stripped[ats[0] + 1 :]
        local_defects, local_gray = _local_checks(local)
        if Gray.QUOTED_LOCAL in local_gray:
            # a quoted local part may hold spaces (gray); control characters stay defects
            defects.extend(d for d in _char_defects(local) if d is Defect.CONTROL_CHAR)
            defects.extend(_char_defects(domain))
        else:
            defects.extend(_char_defects(stripped))
        domain_defects, domain_gray = _domain_checks(domain)
        defects += local_defects + domain_defects
        gray += local_gray + domain_gray
        if len(address) > MAX_ADDRESS:
            gray.append(Gray.ADDRESS_TOO_LONG)
    if (address and not ats) or len(ats) > 1:
        defects.extend(_char_defects(stripped))
    if defects:
        return AddressVerdict(AddressClass.INVALID, address, defects=_unique(defects))
    if not gray and not _email_validator_accepts(address):
        gray.append(Gray.SPECIAL_USE_OR_BAD_IDN)
    if gray:
        return AddressVerdict(AddressClass.GRAY, address, gray=_unique(gray))
    return AddressVerdict(AddressClass.VALID, address)


def comments_removed(text: str) -> str:
    """`text` without its RFC 5322 (comments); unchanged when its parentheses don't balance."""
    return _strip_comments(text)[0]


def _strip_comments(text: str) -> tuple[str, bool, bool]:
    """(text without its (comments), whether it had any, whether the parentheses balance)."""
    if "(" not in text and ")" not in text:
        return text, False, True
    kept: list[str] = []
    quotes = _Quotes()
    had = False
    depth = 0
    for ch in text:
        if depth == 0:
            if not quotes.inside(ch):
                if ch == "(":
                    depth, had = 1, True
                    continue
                if ch == ")":
                    return text, had, False
            kept.append(ch)
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
    return "".join(kept), had, depth == 0


def _email_validator_accepts(address: str) -> bool:
    """email_validator's verdict. For a plain ASCII address (a dot-atom local part, a
    domain without `xn--` labels, at most 254 characters) every check but the domain's
    passes whatever the local part, so the verdict is the domain's, cached: a run
    classifies thousands of addresses over a few dozen domains. tests/test_addresses.py
    holds the two paths equal."""
    local, _, domain = address.rpartition("@")
    if (
        len(address) <= MAX_ADDRESS
        and DOT_ATOM_TEXT.match(local)  # email_validator's own pattern, ending in \Z
        and domain.isascii()
        and "xn--" not in domain.lower()
    ):
        return _domain_accepted(domain)
    return _whole_accepted(address)


@lru_cache(maxsize=4096)
def _domain_accepted(domain: str) -> bool:
    return _whole_accepted(f"a@{domain}")


def _whole_accepted(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except (EmailNotValidError, ValueError, UnicodeError):
        return False
    return True
