"""tags.valid: the reference answers every tag request recorded from real SES as SES did,
over the three wires; the oracle, the classes and the strategies read tags as rules.md.

The recorded rows are the project's own copy (tests/recorded/ses_tags.json, from
ses-ground-truth.md §3.10): nothing here reads the spec's folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from defusedxml import ElementTree
from hypothesis import given, settings

from conformance.checks.judge import tag_error_verdict
from conformance.classes import declared, observed
from conformance.model import (
    Accept,
    Accepted,
    Either,
    Exchange,
    Reject,
    Rejected,
    WireRequest,
    WireResponse,
)
from conformance.oracle import expect
from conformance.oracle_tags import expect_tags, tag_error_owed
from conformance.profile import load_builtin_profile
from conformance.protocols.query import QueryClient
from conformance.server.tags import tag_problem
from conformance.tags import TagDefect, classify_tag
from sesconf_strategies.tags import invalid_tags, tag_class_cases, tag_requests, valid_tags

REFERENCE = load_builtin_profile("reference")
RECORDED = json.loads((Path(__file__).parent / "recorded" / "ses_tags.json").read_text("utf-8"))[
    "requests"
]
NS = "{http://ses.amazonaws.com/doc/2010-12-01/}"
UNVERIFIED = "user@unverified.example"
VERIFIED = "sender@verified.example"
ENVELOPE_CODES = {
    "InvalidParameterValue": "VALIDATION_ERROR",
    "MessageRejected": "MESSAGE_REJECTED",
}
V2_CODES = {"InvalidParameterValue": "BadRequestException", "MessageRejected": "MessageRejected"}


def _tag(row: dict[str, Any]) -> dict[str, str]:
    return {
        "Name": row["name"] * row.get("name_repeat", 1),
        "Value": row["value"] * row.get("value_repeat", 1),
    }


def _params(tag: dict[str, str], source: str) -> dict[str, Any]:
    return {
        "Source": source,
        "Destination": {"ToAddresses": ["to@verified.example"]},
        "Message": {"Subject": {"Data": "Hello"}, "Body": {"Text": {"Data": "text"}}},
        "Tags": [tag],
    }


def _query(url: str, params: dict[str, Any]) -> tuple[int, str | None, str | None]:
    fields = {
        "Action": "SendEmail",
        "Version": "2010-12-01",
        "Source": params["Source"],
        "Destination.ToAddresses.member.1": "to@verified.example",
        "Message.Subject.Data": "Hello",
        "Message.Body.Text.Data": "text",
        "Tags.member.1.Name": params["Tags"][0]["Name"],
        "Tags.member.1.Value": params["Tags"][0]["Value"],
    }
    response = requests.post(url, data=fields, timeout=30)
    root = ElementTree.fromstring(response.content)
    if root.tag != f"{NS}ErrorResponse":
        return response.status_code, None, None
    assert "Sender" == root.findtext(f"{NS}Error/{NS}Type")
    code, message = (root.findtext(f"{NS}Error/{NS}{k}") for k in ("Code", "Message"))
    return response.status_code, code, message


def _sesv2(url: str, params: dict[str, Any]) -> tuple[int, str | None, str | None]:
    body = {
        "FromEmailAddress": params["Source"],
        "Destination": params["Destination"],
        "Content": {"Simple": params["Message"]},
        "EmailTags": params["Tags"],
    }
    response = requests.post(url + "v2/email/outbound-emails", json=body, timeout=30)
    code = response.headers.get("x-amzn-ErrorType")
    return response.status_code, code, response.json().get("message") if code else None


def _envelope(url: str, params: dict[str, Any]) -> tuple[int, str | None, str | None]:
    response = requests.post(url, json=params, timeout=30)
    error = response.json().get("error") or {}
    return response.status_code, error.get("code"), error.get("message")


WIRES = {
    "ses-query": (_query, {}),
    "sesv2": (_sesv2, V2_CODES),
    "envelope": (_envelope, ENVELOPE_CODES),
}


@pytest.mark.parametrize("wire", sorted(WIRES))
@pytest.mark.parametrize("row", RECORDED, ids=[r["case"] for r in RECORDED])
def test_the_reference_answers_each_recorded_tag_request_as_real_ses(
    url: str, row: dict[str, Any], wire: str
) -> None:
    send, codes = WIRES[wire]
    status, code, message = send(url, _params(_tag(row), UNVERIFIED))
    assert (row["status"], codes.get(row["code"], row["code"])) == (status, code)
    if row["message"] is not None:
        assert row["message"] == message
    else:
        assert message is not None and "not verified" in message


@pytest.mark.parametrize("row", RECORDED, ids=[r["case"] for r in RECORDED])
def test_from_a_verified_sender_only_the_ses_prefix_passes(url: str, row: dict[str, Any]) -> None:
    status, code, message = _query(url, _params(_tag(row), VERIFIED))
    if row["code"] == "MessageRejected":
        assert (200, None) == (status, code)
    else:
        assert (row["status"], row["code"], row["message"]) == (status, code, message)


def test_the_oracle_reads_every_recorded_request() -> None:
    """Each recorded refusal is tags.valid's at the SHOULD level and gray at the MUST one;
    the tag error is owed before the identity error; a `ses:` name is a valid tag."""
    for row in RECORDED:
        params = _params(_tag(row), UNVERIFIED)
        verified = _params(_tag(row), VERIFIED)
        should = expect_tags(params, REFERENCE)
        assert isinstance(should, Reject)
        if row["code"] == "MessageRejected":
            assert {"sender.verified"} == should.rules
            assert Accept() == expect_tags(verified, REFERENCE)
        else:
            assert {"sender.verified", "tags.valid"} == should.rules, row["case"]
            assert tag_error_owed(should, params)
            assert isinstance(expect(verified, REFERENCE), Either)
            assert Reject(frozenset({"tags.valid"})) == _rules(expect_tags(verified, REFERENCE))


def _rules(expectation: Any) -> Reject:
    return Reject(expectation.rules)


@pytest.mark.parametrize(
    ("tag", "defects", "gray"),
    [
        ({"Name": "a" * 255, "Value": "b" * 255}, (), False),
        ({"Name": "a" * 256, "Value": "b"}, (), True),
        ({"Name": "a", "Value": "b" * 256}, (), True),
        ({"Name": "a" * 257, "Value": "b"}, (TagDefect.LONG_NAME,), False),
        ({"Name": "ses:x", "Value": "a.b@c"}, (), False),
        ({"Name": "ses:", "Value": "v"}, (), False),
        ({"Name": "x:ses", "Value": "v"}, (TagDefect.NAME_CHARS,), False),
        ({"Name": "a.b", "Value": "v"}, (TagDefect.NAME_CHARS,), False),
        ({"Name": "caf\u00e9", "Value": "v"}, (TagDefect.NAME_CHARS,), False),
        ({"Value": "v"}, (TagDefect.MISSING_NAME,), False),
        ({"Name": "n", "Value": None}, (TagDefect.MISSING_VALUE,), False),
        ({"Name": "", "Value": "a b"}, (TagDefect.EMPTY_NAME, TagDefect.VALUE_CHARS), False),
    ],
)
def test_classify_tag(tag: dict[str, Any], defects: tuple[TagDefect, ...], gray: bool) -> None:
    verdict = classify_tag(tag)
    assert (defects, gray) == (verdict.defects, bool(verdict.gray))


def test_wrong_types_stay_robust_no_5xx() -> None:
    for tags in ([{"Name": 5, "Value": "v"}], ["x"], {"Name": "n"}):
        params = _params({"Name": "n", "Value": "v"}, VERIFIED) | {"Tags": tags}
        assert {"robust.no-5xx"} == _rules(expect_tags(params, REFERENCE)).rules


def test_a_256_character_name_beside_a_bad_tag_is_still_refused() -> None:
    params = _params({"Name": "a" * 256, "Value": "v"}, VERIFIED)
    params["Tags"].append({"Name": "bad:name", "Value": "v"})
    should = expect_tags(params, REFERENCE)
    assert isinstance(should, Reject) and {"tags.valid"} == should.rules and should.gray
    assert not tag_error_owed(should, params)  # the gray tag leaves the refusal open


def test_every_declared_class_has_an_explicit_example() -> None:
    seen = {
        c
        for case in tag_class_cases(REFERENCE)
        for c in observed("tags.valid", case.request.params, REFERENCE)
    }
    assert set(declared("tags.valid", REFERENCE)) == seen


def test_the_query_wire_carries_empty_tag_members() -> None:
    client = QueryClient(REFERENCE)
    try:
        carried = client.effective_params(_params({"Name": "", "Value": ""}, VERIFIED))
    finally:
        client.close()
    assert [{"Name": "", "Value": ""}] == carried["Tags"]


@settings(max_examples=100, deadline=None)
@given(valid=valid_tags(), invalid=invalid_tags())
def test_the_strategies_plant_what_they_say(valid: dict[str, str], invalid: dict[str, str]) -> None:
    assert classify_tag(valid).valid
    assert classify_tag(invalid).defects
    assert tag_problem({"Tags": [valid]}) is None
    assert tag_problem({"Tags": [invalid]}) is not None


@settings(max_examples=50, deadline=None)
@given(case=tag_requests(profile=REFERENCE))
def test_drawn_requests_are_judged_by_their_tags(case: Any) -> None:
    params = case.request.params
    should = expect_tags(params, REFERENCE)
    bad = any(classify_tag(tag).defects for tag in params["Tags"])
    assert bad == ("tags.valid" in getattr(should, "rules", ()))
    assert (tag_problem(params) is not None) == bad


class _Client:
    """The Query client's code table, without a connection (error_code_problems is pure)."""

    def error_code_problems(self, rules: frozenset[str], rejected: Rejected, **kw: bool) -> Any:
        return QueryClient.error_codes(rules, rejected, **kw)


def _answer(status: int, outcome: Any) -> Exchange:
    return Exchange(
        WireRequest("POST", "http://127.0.0.1:1/", (), b""),
        WireResponse(status, (), b"", 0.0),
        outcome,
        {},
    )


def _verdict(
    params: dict[str, Any], code: str | None, message: str, *, control_accepted: bool = False
) -> Any:
    answer = _answer(400, Rejected(code, message, 400))
    control = _answer(200, Accepted("id")) if control_accepted else answer
    return tag_error_verdict(
        expect_tags(params, REFERENCE), answer, params, profile=REFERENCE, client=_Client(),
        send_control=lambda params: control,
    )  # fmt: skip


BAD = {"Name": "bad:name", "Value": "x"}


@pytest.mark.parametrize(
    ("source", "code", "message", "finding"),
    [
        (UNVERIFIED, "InvalidParameterValue", "Invalid tag name <bad:name>: ...", None),
        (UNVERIFIED, "MessageRejected", "Email address is not verified.", "identity error"),
        (UNVERIFIED, "InvalidParameterValue", "Email address is not verified.", "identity error"),
        (UNVERIFIED, "MessageRejected", "Tag rejected", "InvalidParameterValue"),
        (UNVERIFIED, None, "Tag rejected", None),  # no code: envelope.error's finding
        ("bad@@verified.example", "MessageRejected", "Email address is not verified.", None),
    ],
)
def test_the_refusal_must_be_the_tag_error(
    source: str, code: str | None, message: str, finding: str | None
) -> None:
    found = _verdict(_params(BAD, source), code, message, control_accepted=True)
    assert (finding is None) == (found is None), found
    if finding is not None:
        assert "tags.valid" == found.rule_id and finding in found.summary


def test_a_finding_stands_only_when_the_tagless_control_is_accepted() -> None:
    """A refusal with a foreign code, or the identity error: when the control (no Tags,
    the control sender and recipient) is refused too, the target refuses for a reason of
    its own (a body it will not take) and its answer says nothing of the tags."""
    for source, code, message in (
        (VERIFIED, "ConfigurationSetDoesNotExist", "No such set"),
        (UNVERIFIED, "MissingParameter", "Body needs Html"),
        (UNVERIFIED, "MessageRejected", "Email address is not verified."),
    ):
        assert _verdict(_params(BAD, source), code, message) is None
        assert (
            "tags.valid"
            == _verdict(_params(BAD, source), code, message, control_accepted=True).rule_id
        )
