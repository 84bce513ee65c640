"""The address classes of rules.md, row by row, and the classifier's totality."""

from __future__ import annotations

import pytest
from email_validator import validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conformance.addresses import (
    AddressClass,
    AddressVerdict,
    Defect,
    Gray,
    _email_validator_accepts,
    _whole_accepted,
    bare_address,
    classify_address,
    domain_of,
)

_DOMAIN_249 = ".".join(["d" * 61] * 4) + ".co"
ADDRESS_254 = "xyz@" + _DOMAIN_249
ADDRESS_255 = "wxyz@" + _DOMAIN_249

VALID = [
    pytest.param("user@example.com", id="plain"),
    pytest.param("User.Name@Example.COM", id="upper-case"),
    pytest.param("user+tag@example.com", id="plus-tag"),
    pytest.param("a@b.c.d.e.f.g.example.com", id="long-subdomain-chain"),
    pytest.param("!#$%&'*+/=?^_`{|}~-@example.com", id="all-atext-specials"),
    pytest.param("first.middle.last@example.com", id="dot-atom"),
    pytest.param("x@a-b.example", id="inner-hyphen"),
    pytest.param("x@123.example", id="numeric-inner-label"),
    pytest.param("x@example.xn--p1ai", id="punycode-tld"),
    pytest.param("x@xn--bcher-kva.example", id="punycode-label"),
    pytest.param("l" * 64 + "@example.com", id="local-64"),
    pytest.param("x@" + "d" * 63 + ".example", id="label-63"),
    pytest.param(ADDRESS_254, id="address-254"),
]


@pytest.mark.parametrize("text", VALID)
@pytest.mark.parametrize("role", ["source", "recipient"])
def test_valid_addresses(text: str, role: str) -> None:
    expected = AddressVerdict(AddressClass.VALID, text)
    assert expected == classify_address(text, role=role)  # type: ignore[arg-type]


def test_length_rows_really_are_254_and_255() -> None:
    expected = (254, 255)
    assert expected == (len(ADDRESS_254), len(ADDRESS_255))


@pytest.mark.parametrize(
    ("text", "bare"),
    [
        pytest.param("Sender Name <sender@example.com>", "sender@example.com", id="name"),
        pytest.param("O'Brien J. <ob@example.com>", "ob@example.com", id="apostrophe-dot"),
        pytest.param("a_b-c 2 <x@example.com>", "x@example.com", id="underscore-hyphen-digit"),
        pytest.param("Name  <x@example.com>", "x@example.com", id="two-spaces-before-angle"),
    ],
)
def test_source_display_name_stays_valid(text: str, bare: str) -> None:
    assert AddressVerdict(AddressClass.VALID, bare) == classify_address(text, role="source")


INVALID = [
    pytest.param("", Defect.EMPTY, id="empty-string"),
    pytest.param("Name <>", Defect.EMPTY, id="empty-angle"),
    pytest.param("userexample.com", Defect.NO_AT, id="no-at"),
    pytest.param("a@b@example.com", Defect.MULTIPLE_AT, id="two-at"),
    pytest.param("a@@example.com", Defect.MULTIPLE_AT, id="doubled-at"),
    pytest.param("x@y.example <z@example.com>", Defect.MULTIPLE_AT, id="at-in-name"),
    pytest.param("@example.com", Defect.EMPTY_LOCAL, id="empty-local"),
    pytest.param("user@", Defect.EMPTY_DOMAIN, id="empty-domain"),
    pytest.param("user@localhost", Defect.NO_DOT_IN_DOMAIN, id="no-dot-in-domain"),
    pytest.param(".user@example.com", Defect.LEADING_DOT, id="leading-dot-local"),
    pytest.param("user@.example.com", Defect.LEADING_DOT, id="leading-dot-domain"),
    pytest.param("user.@example.com", Defect.TRAILING_DOT, id="trailing-dot-local"),
    pytest.param("user@example.com.", Defect.TRAILING_DOT, id="trailing-dot-domain"),
    pytest.param("a..b@example.com", Defect.DOUBLE_DOT, id="double-dot-local"),
    pytest.param("ab@example..com", Defect.DOUBLE_DOT, id="double-dot-domain"),
    pytest.param("a b@example.com", Defect.WHITESPACE, id="space-local"),
    pytest.param("ab@exa mple.com", Defect.WHITESPACE, id="space-domain"),
    pytest.param("ab@example.com ", Defect.WHITESPACE, id="trailing-space"),
    pytest.param("a\tb@example.com", Defect.WHITESPACE, id="tab"),
    pytest.param("ab@exa\u00a0mple.com", Defect.WHITESPACE, id="nbsp-domain"),
    pytest.param("a\nb@example.com", Defect.CONTROL_CHAR, id="newline"),
    pytest.param("ab@example.com\r", Defect.CONTROL_CHAR, id="carriage-return"),
    pytest.param("a\x00b@example.com", Defect.CONTROL_CHAR, id="nul"),
    pytest.param("Bad\r\nBcc: x <a@example.com>", Defect.CONTROL_CHAR, id="crlf-in-name"),
    pytest.param("a(b@example.com", Defect.ILLEGAL_LOCAL_CHAR, id="open-paren"),
    pytest.param("a)b@example.com", Defect.ILLEGAL_LOCAL_CHAR, id="close-paren"),
    pytest.param("a,b@example.com", Defect.ILLEGAL_LOCAL_CHAR, id="comma"),
    pytest.param("a;b@example.com", Defect.ILLEGAL_LOCAL_CHAR, id="semicolon"),
    pytest.param("github:haiodo@example.com", Defect.ILLEGAL_LOCAL_CHAR, id="colon"),
    pytest.param('a"b@example.com', Defect.ILLEGAL_LOCAL_CHAR, id="stray-quote"),
    pytest.param('a."b".c@example.com', Defect.ILLEGAL_LOCAL_CHAR, id="obs-local-quote"),
    pytest.param("a[b]@example.com", Defect.ILLEGAL_LOCAL_CHAR, id="brackets"),
    pytest.param("a\\b@example.com", Defect.ILLEGAL_LOCAL_CHAR, id="backslash"),
    pytest.param("ab@exam_ple.com", Defect.ILLEGAL_DOMAIN_CHAR, id="underscore-domain"),
    pytest.param("ab@exam!ple.com", Defect.ILLEGAL_DOMAIN_CHAR, id="bang-domain"),
    pytest.param("ab@ex[1]ample.com", Defect.ILLEGAL_DOMAIN_CHAR, id="bracket-in-label"),
    pytest.param("ab@-example.com", Defect.HYPHEN_AT_LABEL_EDGE, id="leading-hyphen"),
    pytest.param("ab@example-.com", Defect.HYPHEN_AT_LABEL_EDGE, id="trailing-hyphen"),
    pytest.param("ab@example.com-", Defect.HYPHEN_AT_LABEL_EDGE, id="hyphen-tld"),
    pytest.param("Name <ab@example.com", Defect.UNBALANCED_ANGLE, id="missing-gt"),
    pytest.param("ab@example.com>", Defect.UNBALANCED_ANGLE, id="missing-lt"),
    pytest.param("<<ab@example.com>>", Defect.UNBALANCED_ANGLE, id="nested-angles"),
    pytest.param("A <a@example.com> <b@example.com>", Defect.UNBALANCED_ANGLE, id="two-routes"),
    pytest.param('"a b"@x..com', Defect.DOUBLE_DOT, id="defect-beats-quoted-local"),
    pytest.param("dån@exa mple.com", Defect.WHITESPACE, id="defect-beats-non-ascii"),
    pytest.param("l" * 70 + "@example..com", Defect.DOUBLE_DOT, id="defect-beats-long-local"),
    pytest.param("a@1.2.3.4.", Defect.TRAILING_DOT, id="defect-beats-numeric-tld"),
]


@pytest.mark.parametrize("text", [p.values[0] for p in INVALID], ids=[p.id for p in INVALID])
@pytest.mark.parametrize("role", ["source", "recipient"])
def test_invalid_addresses_name_their_defect(text: str, role: str) -> None:
    verdict = classify_address(text, role=role)  # type: ignore[arg-type]
    defect = next(p.values[1] for p in INVALID if p.values[0] == text)
    expected = (AddressClass.INVALID, True, ())
    assert expected == (verdict.cls, defect in verdict.defects, verdict.gray)


def test_every_defect_has_a_row() -> None:
    assert set(Defect) == {p.values[1] for p in INVALID}


GRAY = [
    pytest.param('"a b"@example.com', "recipient", Gray.QUOTED_LOCAL, id="quoted-local"),
    pytest.param('"a@b"@example.com', "recipient", Gray.QUOTED_LOCAL, id="quoted-at"),
    pytest.param("ab@[192.0.2.1]", "recipient", Gray.DOMAIN_LITERAL, id="domain-literal"),
    pytest.param("dån@example.com", "recipient", Gray.NON_ASCII_LOCAL, id="non-ascii-local"),
    pytest.param("ab@bücher.example", "recipient", Gray.NON_ASCII_DOMAIN, id="idn-domain"),
    pytest.param("l" * 65 + "@example.com", "recipient", Gray.LOCAL_TOO_LONG, id="local-65"),
    pytest.param(ADDRESS_255, "recipient", Gray.ADDRESS_TOO_LONG, id="address-255"),
    pytest.param("x@" + "d" * 64 + ".example", "recipient", Gray.LABEL_TOO_LONG, id="label-64"),
    pytest.param("ab@192.0.2.1", "recipient", Gray.NUMERIC_OR_SHORT_TLD, id="numeric-tld"),
    pytest.param("ab@example.c", "recipient", Gray.NUMERIC_OR_SHORT_TLD, id="one-letter-tld"),
    pytest.param("ab@example.c0m", "recipient", Gray.NUMERIC_OR_SHORT_TLD, id="mixed-tld"),
    pytest.param(
        "Ann <ab@example.com>", "recipient", Gray.RECIPIENT_DISPLAY_NAME, id="recipient-name"
    ),
    pytest.param(
        "=?UTF-8?B?w4VzYQ==?= <ab@example.com>", "source", Gray.ENCODED_WORD_NAME, id="enc-word"
    ),
    pytest.param('"Ann" <ab@example.com>', "source", Gray.UNUSUAL_DISPLAY_NAME, id="quoted-name"),
    pytest.param("Åsa <ab@example.com>", "source", Gray.UNUSUAL_DISPLAY_NAME, id="raw-utf8-name"),
    pytest.param("<ab@example.com>", "source", Gray.UNUSUAL_DISPLAY_NAME, id="angle-no-name"),
    pytest.param("Ann<ab@example.com>", "source", Gray.UNUSUAL_DISPLAY_NAME, id="no-space"),
    pytest.param("A, B <ab@example.com>", "source", Gray.UNUSUAL_DISPLAY_NAME, id="comma-name"),
    pytest.param("Ann <ab@example.com> x", "source", Gray.UNUSUAL_DISPLAY_NAME, id="tail"),
    pytest.param("ab@example.com (Ann)", "recipient", Gray.COMMENT, id="comment-after"),
    pytest.param("(c)ab@example.com", "recipient", Gray.COMMENT, id="comment-before"),
    pytest.param("Ann (x) <ab@example.com>", "source", Gray.COMMENT, id="comment-in-name"),
    pytest.param("ab@example.test", "recipient", Gray.SPECIAL_USE_OR_BAD_IDN, id="dot-test"),
    pytest.param("ab@host.localhost", "recipient", Gray.SPECIAL_USE_OR_BAD_IDN, id="localhost"),
    pytest.param("ab@example.onion", "recipient", Gray.SPECIAL_USE_OR_BAD_IDN, id="onion"),
    pytest.param("ab@xn--zz.example", "recipient", Gray.SPECIAL_USE_OR_BAD_IDN, id="bad-puny"),
    pytest.param("ab@ab--cd.example", "recipient", Gray.SPECIAL_USE_OR_BAD_IDN, id="r-ldh"),
]


@pytest.mark.parametrize(("text", "role", "reason"), GRAY)
def test_gray_addresses_name_their_reason(text: str, role: str, reason: Gray) -> None:
    verdict = classify_address(text, role=role)  # type: ignore[arg-type]
    expected = (AddressClass.GRAY, True, ())
    assert expected == (verdict.cls, reason in verdict.gray, verdict.defects)


def test_every_gray_reason_has_a_row() -> None:
    assert set(Gray) == {p.values[2] for p in GRAY}


def test_recipient_display_name_keeps_the_bare_address() -> None:
    expected = AddressVerdict(
        AddressClass.GRAY, "ab@example.com", gray=(Gray.RECIPIENT_DISPLAY_NAME,)
    )
    assert expected == classify_address("Ann <ab@example.com>", role="recipient")


def test_bad_role_is_named() -> None:
    with pytest.raises(ValueError, match="'sender'"):
        classify_address("a@example.com", role="sender")  # type: ignore[arg-type]


def test_non_string_is_named() -> None:
    with pytest.raises(TypeError, match="int"):
        classify_address(3, role="source")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "bare", "domain"),
    [
        ("a@example.com", "a@example.com", "example.com"),
        ("Ann <a@Sub.Example.com>", "a@Sub.Example.com", "Sub.Example.com"),
        ('"a@b"@example.com', '"a@b"@example.com', "example.com"),
        ("no-at-sign", "no-at-sign", ""),
        ("Ann <a@example.com", "Ann <a@example.com", "example.com"),
    ],
)
def test_bare_address_and_domain_of(text: str, bare: str, domain: str) -> None:
    assert (bare, domain) == (bare_address(text), domain_of(text))


def _check_verdict_shape(verdict: AddressVerdict) -> None:
    assert (verdict.cls is AddressClass.INVALID) == bool(verdict.defects)
    assert (verdict.cls is AddressClass.GRAY) == bool(verdict.gray)
    assert not (verdict.defects and verdict.gray)


ODD = [
    "\ud800@example.com",
    "a@\udfff.com",
    "<",
    ">",
    "<>",
    "@",
    "@@",
    ".",
    '"',
    '""@x.com',
    '"\\"@x.com',
    "(",
    ")",
    "((a)@x.com",
    "a@x.com(",
    "[",
    "a@[",
    "a@]",
    "a@[]",
    "=?",
    "\x00",
    "\u2028",
    "a@" + "." * 300,
    "a" * 10_000,
]


@settings(max_examples=500)
@given(text=st.text(), role=st.sampled_from(["source", "recipient"]))
@example(text="a@b.c", role="source")
def test_classifier_is_total(text: str, role: str) -> None:
    _check_verdict_shape(classify_address(text, role=role))  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ODD)
@pytest.mark.parametrize("role", ["source", "recipient"])
def test_classifier_is_total_on_odd_inputs(text: str, role: str) -> None:
    _check_verdict_shape(classify_address(text, role=role))  # type: ignore[arg-type]


_ATEXT = st.text(
    alphabet="abcxyzABCXYZ0189!#$%&'*+/=?^_`{|}~-.@<> \"()[]\\,;:", min_size=1, max_size=12
)
_LABEL = st.text(alphabet="abcxyzXN019-_.", min_size=1, max_size=8)


@settings(max_examples=500)
@given(
    local=_ATEXT,
    labels=st.lists(_LABEL, min_size=1, max_size=4),
    name=st.none() | st.text(alphabet="Ab1 .-_'\"=?<>", max_size=6),
)
def test_valid_verdicts_are_accepted_by_email_validator(
    local: str, labels: list[str], name: str | None
) -> None:
    address = f"{local}@{'.'.join(labels)}"
    text = address if name is None else f"{name} <{address}>"
    verdict = classify_address(text, role="source")
    _check_verdict_shape(verdict)
    if verdict.cls is AddressClass.VALID:
        validate_email(verdict.address, check_deliverability=False)  # raises if not


_ATOM = st.text(alphabet="abcXYZ019!#$%&'*+/=?^_`{|}~-", min_size=1, max_size=8)
_DNS_LABEL = st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?", fullmatch=True).filter(
    lambda label: label[2:4] != "--"  # R-LDH labels are reserved for Punycode
)
_TLD = st.from_regex(r"[a-zA-Z]{2,6}", fullmatch=True).filter(
    lambda tld: tld.lower() not in {"test", "local", "onion", "arpa"}
)


@settings(max_examples=300)
@given(
    atoms=st.lists(_ATOM, min_size=1, max_size=3),
    labels=st.lists(_DNS_LABEL, min_size=1, max_size=3),
    tld=_TLD,
)
def test_grammar_built_addresses_are_valid_and_email_validator_agrees(
    atoms: list[str], labels: list[str], tld: str
) -> None:
    """rules.md's "valid" grammar, built directly: VALID here and for email-validator."""
    address = f"{'.'.join(atoms)}@{'.'.join([*labels, tld])}"
    verdict = classify_address(address, role="recipient")
    validate_email(address, check_deliverability=False)
    assert AddressVerdict(AddressClass.VALID, address) == verdict


_LABELS = st.one_of(
    st.sampled_from(["example", "EXAMPLE", "a", "x-y", "-x", "x-", "1", "123", "xn--bcher-kva"]),
    st.sampled_from(["test", "local", "localhost", "invalid", "onion", "arpa", "example", "com"]),
    st.text("abcxyz019-_", min_size=0, max_size=8),
    st.just("d" * 63),
    st.just("d" * 64),
)
_DOMAINS = st.lists(_LABELS, min_size=1, max_size=5).map(".".join)
_LOCALS = st.one_of(
    st.text("abcXYZ019.+-_!#$%&'*/=?^`{|}~", min_size=0, max_size=12),
    st.sampled_from(["postmaster", "Abuse", "a" * 64, "a" * 65, "a..b", ".a", "a."]),
    st.text(min_size=0, max_size=4),
)


@given(local=_LOCALS, domain=_DOMAINS)
@example(local="xyz", domain=_DOMAIN_249)  # 254 characters: the fast path
@example(local="wxyz", domain=_DOMAIN_249)  # 255: the whole address, too long
@example(local="a", domain="xn--bcher-kva.example")
@settings(max_examples=1500, deadline=None)
def test_the_cached_domain_path_agrees_with_email_validator_on_the_whole_address(
    local: str, domain: str
) -> None:
    """`_email_validator_accepts` reads a plain ASCII address by its domain alone (cached);
    that must be email_validator's verdict on the whole address, for every local part."""

    address = f"{local}@{domain}"
    assert _whole_accepted(address) == _email_validator_accepts(address)
