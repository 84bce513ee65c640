"""Raw messages (rules.md "Raw messages"): the reader, the oracle and the reference server
read a raw MIME message alike; the reference answers SendRawEmail and SESv2 Content.Raw
with real SES's codes and messages (ses-ground-truth.md §3.7, §3.8), over real sockets.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.model import Accept, Accepted, Either, Reject, Rejected, SendEmailRequest
from conformance.oracle_raw import expect_any, expect_raw, expect_raw_lines, sender_well_formed
from conformance.profile import load_builtin_profile, with_protocol
from conformance.protocols import query, sesv2
from conformance.protocols.clients import make_client
from conformance.raw import (
    classify_header_address,
    encode_data,
    header_addresses,
    read_message,
    split_addresses,
)
from conformance.server.app import start_server
from sesconf_strategies.raw import (
    BODIES,
    TEXT_FILLER_LINE,
    attachment_padded,
    message_of,
    padded,
    raw_params,
    raw_requests,
)
from sesconf_strategies.raw_cases import RAW_CASES

REFERENCE = load_builtin_profile("reference")
VERIFIED = "sender@verified.example"
TO = "r0@verified.example"


# --- the reader -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "addresses"),
    [
        ("a@x.example, b@x.example", ["a@x.example", "b@x.example"]),
        ('"Doe, Jane" <j@x.example>, k@x.example', ['"Doe, Jane" <j@x.example>', "k@x.example"]),
        ("team: a@x.example, b@x.example;, c@x.example", ["a@x.example", "b@x.example", "c@x.example"]),  # noqa: E501
        ("undisclosed-recipients:;", []),
        ("a@x.example (work, home)", ["a@x.example (work, home)"]),
        ("=?utf-8?q?J=C3=B6rg?= <j@x.example>", ["=?utf-8?q?J=C3=B6rg?= <j@x.example>"]),
        ('"a:b" <q@x.example>', ['"a:b" <q@x.example>']),
    ],
)  # fmt: skip
def test_addresses_split_by_hand_groups_quotes_and_comments(
    value: str, addresses: list[str]
) -> None:
    assert addresses == split_addresses(value)


def test_display_names_are_normal_in_a_header() -> None:
    for text in ("Jo <a@verified.example>", '"Doe, J" <a@verified.example>',
                 "=?utf-8?b?SsO2cmc=?= <a@verified.example>"):  # fmt: skip
        assert "valid" == classify_header_address(text).cls
    assert "invalid" == classify_header_address("a..b@verified.example").cls


def test_the_reader_finds_headers_lines_parts_and_defects() -> None:
    message = read_message(message_of(sender=VERIFIED, to=[f"list: {TO}, x@verified.example;"],
                                      kind="nested"))  # fmt: skip
    assert [VERIFIED] == header_addresses(message, ("From",))
    assert [TO, "x@verified.example"] == header_addresses(message, ("To",))
    assert (message.blank_line, message.stray_lines, message.boundary_missing) == (True, (), False)
    assert 2 == message.multipart_depth
    stray = read_message(b"From: a@x.example\r\nbody text\r\n\r\nmore\r\n")
    assert (2,) == stray.stray_lines
    eight = read_message(b"From: a@x.example\r\n\r\nK\xc3\xb6ln\r\n")
    assert 1 == eight.eight_bit_parts
    assert 1000 == read_message(b"From: a@x.example\r\n\r\n" + b"x" * 1000 + b"\r\n").longest_line


@given(st.binary().map(lambda b: bytes(b"a\r\n-"[x % 4] for x in b)))
def test_the_longest_line_is_read_as_line_by_line(data: bytes) -> None:
    """A line ends at CRLF or LF; a bare CR is part of its line (a final one too, when the
    data ends there). The reader's one-pass shortcut must agree on any mix of them."""
    lines = re.split(rb"\r?\n", data)
    lines[-1] = lines[-1].removesuffix(b"\r")
    assert max(map(len, lines)) == read_message(data).longest_line


def test_padding_builds_any_size_exactly() -> None:
    base = message_of(sender=VERIFIED, to=[TO])
    width = TEXT_FILLER_LINE
    for extra in (0, 1, 2, 3, width + 1, width + 2, width + 3, 2 * width + 5, 100_003):
        grown = padded(base, len(base) + extra)
        assert len(base) + extra == len(grown)
        assert grown.startswith(base)
        assert read_message(grown).longest_line <= width + 1


# --- the oracle ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "given", "expected"),
    [
        (message_of(sender=VERIFIED, to=[TO]), {}, Accept()),
        (message_of(sender="x@unverified.example", to=[TO]), {}, {"sender.verified"}),
        (message_of(sender="x@unverified.example", to=[TO]), {"Source": VERIFIED}, Accept()),
        (message_of(sender=None, to=[TO]), {}, {"raw.mime"}),
        (message_of(sender=VERIFIED), {}, {"recipients.min"}),
        (message_of(sender=VERIFIED, to=["a..b@verified.example"]), {}, {"recipients.valid"}),
        (message_of(sender=VERIFIED, to=["a..b@verified.example"]), {"Destinations": [TO]},
         "either"),
        (message_of(sender=VERIFIED, to=["to@unverified.example"]), {}, {"sandbox.recipients"}),
        (b"", {"Source": VERIFIED, "Destinations": [TO]}, "either"),
    ],
)  # fmt: skip
def test_the_oracle_reads_sender_and_recipients_from_the_message(
    message: bytes, given: dict[str, Any], expected: Any
) -> None:
    found = expect_raw(raw_params(message, **_named(given)), REFERENCE)
    if isinstance(expected, set):
        assert isinstance(found, Reject)
        assert expected == set(found.rules)
    elif expected == "either":
        assert isinstance(found, Either)
    else:
        assert expected == found


def _named(given: dict[str, Any]) -> dict[str, Any]:
    return {"source": given.get("Source"), "destinations": given.get("Destinations")}


def test_size_band_and_line_length_are_three_valued() -> None:
    base = message_of(sender=VERIFIED, to=[TO])
    limit = REFERENCE.limits.max_message_bytes
    assert Accept() == expect_raw(raw_params(padded(base, limit * 3 // 4)), REFERENCE)
    assert isinstance(expect_raw(raw_params(padded(base, limit * 3 // 4 + 1)), REFERENCE), Either)
    over = expect_raw(raw_params(padded(base, limit + 1)), REFERENCE)
    assert isinstance(over, Reject) and {"size.max"} == over.rules
    exact = dataclasses.replace(
        REFERENCE, limits=dataclasses.replace(REFERENCE.limits, size_exact=True)
    )
    assert Accept() == expect_raw(raw_params(padded(base, limit)), exact)
    long = raw_params(base + b"x" * 1001 + b"\r\n")
    assert isinstance(expect_raw(long, REFERENCE), Either)  # MUST level: every length
    should = expect_raw_lines(long, REFERENCE)
    assert isinstance(should, Reject) and {"raw.line-length"} == should.rules
    edge = raw_params(base + b"x" * 1000 + b"\r\n")
    assert isinstance(expect_raw_lines(edge, REFERENCE), Either)


def test_required_and_types_and_dispatch() -> None:
    missing = expect_raw({"RawMessage": {"Data": None}}, REFERENCE)
    assert isinstance(missing, Reject) and {"request.required"} == missing.rules
    wrong = expect_raw({"RawMessage": {"Data": 5}}, REFERENCE)
    assert isinstance(wrong, Reject) and {"robust.no-5xx"} == wrong.rules
    assert isinstance(expect_raw({"RawMessage": {"Data": "%%%"}}, REFERENCE), Either)
    simple = expect_any({"Source": VERIFIED}, REFERENCE)
    assert isinstance(simple, Reject) and "request.required" in simple.rules


# --- strategies ---------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(case=raw_requests(profile=REFERENCE))
def test_drawn_messages_are_what_the_email_package_writes(case: Any) -> None:
    found = expect_raw(case.request.params, REFERENCE)
    assert not (isinstance(found, Reject) and "raw.mime" in found.rules)
    assert "RawMessage" in case.request.params


def test_bodies_are_built_once() -> None:
    assert BODIES["text"] is BODIES["text"]
    assert all(b"MIME-Version: 1.0" in body for body in BODIES.values())


# --- the reference, over both SES wires -------------------------------------------------------


def _answers(protocol: str) -> dict[str, tuple[str, str | None, str | None]]:
    """Every raw class example sent to the reference: label -> (outcome, code, message)."""
    profile = with_protocol(REFERENCE, protocol)
    found: dict[str, tuple[str, str | None, str | None]] = {}
    with start_server(profile) as server:
        client = make_client(dataclasses.replace(profile, url=server.url))
        try:
            for rule in ("raw.mime", "sender.verified", "recipients.max", "recipients.min"):
                for case in RAW_CASES[rule](profile):
                    outcome = client.send(case.request).outcome
                    if isinstance(outcome, Accepted):
                        found[case.labels[0]] = ("accepted", None, None)
                    else:
                        assert isinstance(outcome, Rejected), outcome
                        found[case.labels[0]] = ("rejected", outcome.code, outcome.message)
            outbox = server.engine.outbox()
            counted = server.engine.sent_last_24h  # accepted raw messages use the quota
        finally:
            client.close()
        assert 0 == server.engine.internal_errors
    assert outbox and all(entry["to"] + entry["cc"] + entry["bcc"] for entry in outbox)
    assert sum(len(e["to"] + e["cc"] + e["bcc"]) for e in outbox) == counted
    return found


def test_the_reference_answers_raw_messages_as_real_ses_over_the_query_wire() -> None:
    found = _answers("ses-query")
    assert ("rejected", "InvalidParameterValue", "Missing required header 'From'.") == found[
        "no From and no Source"
    ]
    assert ("rejected", "InvalidParameterValue", "Missing required header 'To'.") == found[
        "no recipients"
    ]
    assert ("rejected", "InvalidParameterValue", "Recipient count exceeds 50.") == found[
        "51 with a group"
    ]
    assert ("rejected", "InvalidParameterValue", "Illegal content.") == found["no blank line"]
    outcome, code, message = found["From unverified"]
    assert ("rejected", "MessageRejected") == (outcome, code)
    assert message is not None and message.startswith("Email address is not verified.")
    accepted_labels = ("text only", "attachment", "empty message", "From verified")
    for accepted in (*accepted_labels, "50 with a group"):
        assert "accepted" == found[accepted][0], accepted


def test_the_reference_answers_content_raw_over_sesv2() -> None:
    found = _answers("sesv2")
    assert ("rejected", "BadRequestException") == found["no From and no Source"][:2]
    assert ("rejected", "MessageRejected") == found["From unverified"][:2]
    assert "accepted" == found["Destinations win"][0]


def test_the_size_limit_counts_the_message_and_names_its_length() -> None:
    profile = with_protocol(REFERENCE, "ses-query")
    limit = profile.limits.max_message_bytes
    message = padded(message_of(sender=VERIFIED, to=[TO]), limit + 1)
    with start_server(profile) as server:
        client = make_client(dataclasses.replace(profile, url=server.url))
        try:
            outcome = client.send(SendEmailRequest(raw_params(message))).outcome
        finally:
            client.close()
    assert isinstance(outcome, Rejected)
    assert f"Message length is more than {limit} bytes long: '{limit + 1}'." == outcome.message
    assert encode_data(b"ab") == "YWI="


def test_a_hostile_message_is_refused_unread_not_slowly() -> None:
    """1,001 header addresses, or a 20,000-character one: refused before classification."""
    profile = with_protocol(REFERENCE, "ses-query")
    many = message_of(sender=VERIFIED, bcc=[f"r{i}@verified.example" for i in range(1001)])
    long = message_of(sender=VERIFIED, to=["a" * 20_000 + "@verified.example"])
    with start_server(profile) as server:
        client = make_client(dataclasses.replace(profile, url=server.url))
        try:
            answers = [client.send(SendEmailRequest(raw_params(m))).outcome for m in (many, long)]
        finally:
            client.close()
        assert 0 == server.engine.internal_errors
    assert ["Recipient count exceeds 50.", "Address too long: 20017 characters."] == [
        a.message for a in answers if isinstance(a, Rejected)
    ]


def test_an_attachment_carries_the_bulk_of_a_padded_message() -> None:
    """The size class 'bulk in an attachment': the text part stays small, every part is
    counted (RawMessage.non_text_bytes is what a text-only count leaves out)."""
    base = message_of(sender=VERIFIED, to=[TO], kind="attachment")
    grown = attachment_padded(base, 100_000)
    message = read_message(grown)
    assert 100_000 <= message.size < 100_000 + 78
    assert not message.boundary_missing and message.non_text_bytes > 98_000
    assert 0 == read_message(padded(message_of(sender=VERIFIED, to=[TO]), 100_000)).non_text_bytes
    with pytest.raises(ValueError, match="no attachment"):
        attachment_padded(message_of(sender=VERIFIED, to=[TO]), 100_000)


def test_raw_refusals_are_judged_by_real_ses_codes() -> None:
    """raw.mime is InvalidParameterValue over v1 (BadRequestException over v2); a raw
    message's sender is its From: when no Source is given, so a well-formed unverified
    From is MessageRejected's, not a syntax error's."""
    wrong = Rejected("MessageRejected", "Illegal content.", 400)
    assert query.ses_error_code_problems({"raw.mime"}, wrong)
    assert sesv2.ses_error_code_problems({"raw.mime"}, wrong)
    right = Rejected("InvalidParameterValue", "Illegal content.", 400)
    assert () == query.ses_error_code_problems({"raw.mime"}, right)
    unverified = raw_params(message_of(sender="from@unverified.example", to=[TO]))
    assert sender_well_formed(unverified)
    assert sender_well_formed({**unverified, "Source": VERIFIED})
    for sender in ("from..dots@unverified.example", None):
        assert not sender_well_formed(raw_params(message_of(sender=sender, to=[TO])))
