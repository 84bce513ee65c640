"""The ses-query client: Query serialisation, parsing of recorded SES XML, hostile answers,
SigV4 signing and secret redaction, credentials, and the `ses.error-codes` table."""

from __future__ import annotations

import re
import resource
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from werkzeug.wrappers import Response

from conformance.errors import ProfileError
from conformance.model import (
    Accepted,
    Exchange,
    Rejected,
    SendEmailRequest,
    TransportFailure,
    Unrecognized,
)
from conformance.profile import TargetProfile
from conformance.protocols.aws_answers import SendQuota
from conformance.protocols.query import QueryClient, ses_error_code_problems
from conformance.protocols.signing import EMULATOR_CREDENTIALS, AwsCredentials, resolve_credentials
from conformance.wire.query_form import query_body, query_form, query_form_notes
from tests._servers import RawServer, Recorded, WsgiServer, huge_body, timed

RECORDED = Path(__file__).parent / "recorded"
GOOD: dict[str, Any] = {
    "Source": "sender@verified.example",
    "Destination": {"ToAddresses": ["a@verified.example"]},
    "Message": {"Subject": {"Data": "hi"}, "Body": {"Text": {"Data": "body"}}},
}
HEAD = [("Action", "SendEmail"), ("Version", "2010-12-01")]


def xml_answer(body: bytes, status: int = 200, ctype: str = "text/xml") -> WsgiServer:
    return WsgiServer(lambda request: Response(body, status=status, content_type=ctype))


def client_for(url: str, **options: Any) -> QueryClient:
    profile = TargetProfile(name="t", protocol="ses-query", url=url, timeout_s=2)
    return QueryClient(profile, **options)


def send(url: str, params: dict[str, Any] | None = None, **options: Any) -> Exchange:
    with client_for(url, **options) as client:
        return client.send(SendEmailRequest(params or GOOD))


# --- serialisation -------------------------------------------------------------------------

SERIALISATION: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    (
        "full request, members from 1",
        {
            "Source": "Name <s@verified.example>",
            "Destination": {
                "ToAddresses": ["a@x.example", "b@x.example"],
                "BccAddresses": ["c@x.example"],
            },
            "Message": {
                "Subject": {"Data": "S", "Charset": "UTF-8"},
                "Body": {"Text": {"Data": "T"}, "Html": {"Data": "<p>H</p>"}},
            },
            "ReplyToAddresses": ["r@x.example"],
            "ReturnPath": "b@verified.example",
            "Tags": [{"Name": "n", "Value": "v"}, {"Name": "m", "Value": "w"}],
            "ConfigurationSetName": "set-1",
        },
        [
            ("Source", "Name <s@verified.example>"),
            ("Destination.ToAddresses.member.1", "a@x.example"),
            ("Destination.ToAddresses.member.2", "b@x.example"),
            ("Destination.BccAddresses.member.1", "c@x.example"),
            ("Message.Subject.Data", "S"),
            ("Message.Subject.Charset", "UTF-8"),
            ("Message.Body.Text.Data", "T"),
            ("Message.Body.Html.Data", "<p>H</p>"),
            ("ReplyToAddresses.member.1", "r@x.example"),
            ("ReturnPath", "b@verified.example"),
            ("Tags.member.1.Name", "n"),
            ("Tags.member.1.Value", "v"),
            ("Tags.member.2.Name", "m"),
            ("Tags.member.2.Value", "w"),
            ("ConfigurationSetName", "set-1"),
        ],
    ),
    (
        "empty lists send no member at all",
        {"Destination": {"ToAddresses": [], "CcAddresses": [], "BccAddresses": ["c@x.example"]}},
        [("Destination.BccAddresses.member.1", "c@x.example")],
    ),
    ("null means absent", {"Source": None, "ReturnPath": None}, []),
    (
        "scalars are stringified",
        {"Source": 5, "ConfigurationSetName": True},
        [("Source", "5"), ("ConfigurationSetName", "true")],
    ),
    (
        "a string where a list belongs is member 1",
        {"Destination": {"ToAddresses": "a@x.example"}},
        [("Destination.ToAddresses.member.1", "a@x.example")],
    ),
    (
        "an object where a string belongs is left out",
        {"Source": {"x": 1}, "Message": {"Subject": {"Data": {"nested": True}}}},
        [],
    ),
    (
        "members that cannot be carried do not leave gaps",
        {"Destination": {"ToAddresses": [{"a": 1}, "b@x.example", None, 7]}},
        [
            ("Destination.ToAddresses.member.1", "b@x.example"),
            ("Destination.ToAddresses.member.2", "7"),
        ],
    ),
    ("an object where a list belongs is left out", {"ReplyToAddresses": {"a": "b"}}, []),
    (
        "a scalar where an object belongs is sent as is",
        {"Destination": "abc"},
        [("Destination", "abc")],
    ),
    (
        "unknown members follow their value",
        {"Extra": {"A": [1, "x"], "B": "c"}},
        [("Extra.A.member.1", "1"), ("Extra.A.member.2", "x"), ("Extra.B", "c")],
    ),
]


@pytest.mark.parametrize(
    ("params", "expected"),
    [(p, e) for _, p, e in SERIALISATION],
    ids=[i for i, _, _ in SERIALISATION],
)
def test_query_form(params: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert HEAD + expected == query_form(params)


def test_query_body_percent_encodes_utf8_and_keeps_unreserved() -> None:
    body = query_body([("Source", "Ann <a+b@x.example>"), ("D", "é~-_.")])
    assert body == b"Source=Ann%20%3Ca%2Bb%40x.example%3E&D=%C3%A9~-_."


def test_query_form_notes_name_what_the_wire_changed() -> None:
    assert query_form_notes(GOOD) == ()
    notes = query_form_notes({"Source": 5, "Destination": {"ToAddresses": "a@x.example"}})
    assert notes == (
        "Source: 5 sent as the string '5'",
        "Destination.ToAddresses: 'a@x.example' sent as a one-member list",
    )


def test_query_form_rejects_a_non_mapping() -> None:
    with pytest.raises(TypeError, match="params: expected a mapping"):
        query_form(["Source"])  # type: ignore[arg-type]


# --- recorded real SES answers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status", "outcome"),
    [
        (
            "ses_success.xml",
            200,
            Accepted(id="00000131d51d2292-159ad6eb-077c-46e6-ad09-ae7c05925ed4-000000"),
        ),
        (
            "ses_message_rejected.xml",
            400,
            Rejected(
                code="MessageRejected",
                message="Email address is not verified. The following identities failed the "
                "check in region US-EAST-1: alice@paulhauner.com, paul@paulhauner.com",
                status=400,
            ),
        ),
        (
            "ses_invalid_parameter_value.xml",
            400,
            Rejected("InvalidParameterValue", "Missing final '@domain'", 400),
        ),
        ("ses_throttling.xml", 400, Rejected("Throttling", "Maximum sending rate exceeded.", 400)),
    ],
)
def test_recorded_answers_parse_without_problems(name: str, status: int, outcome: object) -> None:
    with xml_answer((RECORDED / name).read_bytes(), status) as server:
        exchange = send(server.url)
    assert outcome == exchange.outcome
    assert dict(exchange.problems) == {}
    assert exchange.protocol == "ses-query"


def test_recorded_get_send_quota() -> None:
    with xml_answer((RECORDED / "ses_get_send_quota.xml").read_bytes()) as server:
        with client_for(server.url) as client:
            assert SendQuota(200.0, 1.0, 127.0) == client.get_send_quota()
        assert server.requests[0].body.decode() == "Action=GetSendQuota&Version=2010-12-01"


SUCCESS_NO_NS = (
    b"<SendEmailResponse><SendEmailResult><MessageId>m</MessageId></SendEmailResult>"
    b"</SendEmailResponse>"
)
ERROR_200 = (RECORDED / "ses_message_rejected.xml").read_bytes()
SUCCESS = (RECORDED / "ses_success.xml").read_bytes()
INVALID_ACTION = ERROR_200.replace(b"MessageRejected", b"InvalidAction")


@pytest.mark.parametrize(
    ("body", "status", "ctype", "problems"),
    [
        (
            SUCCESS_NO_NS,
            200,
            "application/json",
            {
                "envelope.success": (
                    "root namespace is None, expected 'http://ses.amazonaws.com/doc/2010-12-01/'",
                    "ResponseMetadata/RequestId is missing or empty",
                    "Content-Type is 'application/json', expected text/xml",
                )
            },
        ),
        (
            ERROR_200,
            200,
            "text/xml",
            {"http.status": ("error answered with HTTP 200, expected 4xx",)},
        ),
        (ERROR_200, 503, "text/xml", {"robust.no-5xx": ("HTTP 503",)}),
        (
            ERROR_200,
            403,
            "text/xml",
            {
                "http.status": (
                    "MessageRejected answered with HTTP 403, expected 400 (real SES answers "
                    "every SendEmail sender fault with 400)",
                )
            },
        ),
        (INVALID_ACTION, 404, "text/xml", {}),  # not a SendEmail sender fault's code
        (SUCCESS, 500, "text/xml", {"robust.no-5xx": ("HTTP 500",)}),  # not http.status's
        (
            b'<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Oops</Type>'
            b"<Code></Code><Message>m</Message></Error></ErrorResponse>",
            400,
            "text/xml",
            {
                "envelope.error": (
                    "Error/Type is 'Oops', expected Sender or Receiver",
                    "Error/Code is missing or empty",
                    "RequestId (a sibling of Error) is missing or empty",
                )
            },
        ),
    ],
    ids=[
        "success without namespace",
        "error with 200",
        "error with 503",
        "sender fault with 403",
        "another code with 404",
        "success with 500",
        "error incomplete",
    ],
)
def test_envelope_findings(
    body: bytes, status: int, ctype: str, problems: dict[str, tuple[str, ...]]
) -> None:
    with xml_answer(body, status, ctype) as server:
        exchange = send(server.url)
    assert problems == dict(exchange.problems)


# --- hostile answers -------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<SendEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><SendEmailResult>
<MessageId>&lol9;</MessageId></SendEmailResult></SendEmailResponse>"""


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (BILLION_LAUGHS, "XML with a DTD or entities, refused"),
        (ERROR_200[: len(ERROR_200) // 2], "not well-formed XML"),
        (b"", "not well-formed XML"),
    ],
    ids=["billion laughs", "truncated", "empty"],
)
def test_hostile_or_corrupt_xml_is_broken_within_the_timeout(body: bytes, reason: str) -> None:
    """XML that cannot be read safely gives no verdict: the rule ends `broken`."""
    before = _maxrss_mib()
    with xml_answer(body) as server, timed() as elapsed:
        exchange = send(server.url)
    assert isinstance(exchange.outcome, TransportFailure)
    assert "unreadable" == exchange.outcome.kind
    assert exchange.outcome.detail.startswith(reason)
    assert elapsed() < 2
    assert _maxrss_mib() - before < 32


def test_well_formed_xml_of_another_kind_is_unrecognized() -> None:
    with xml_answer(b"<html><body>oops</body></html>") as server:
        exchange = send(server.url)
    assert isinstance(exchange.outcome, Unrecognized)
    assert exchange.outcome.reason.startswith("XML root <html> is neither")


def test_fifty_megabyte_body_is_cut_off() -> None:
    before = _maxrss_mib()
    with RawServer(huge_body(50_000_000)) as server, timed() as elapsed:
        exchange = send(server.url)
    assert isinstance(exchange.outcome, TransportFailure)
    assert exchange.outcome.kind == "too-large"
    assert exchange.response is not None and len(exchange.response.body) <= 1 << 20
    assert elapsed() < 4
    assert _maxrss_mib() - before < 32


# --- signing and secrets ---------------------------------------------------------------------

PLANTED = AwsCredentials(
    "AKIDPLANTED0001", "sEcReT-planted-KEY-0123456789", "ToKeN-planted-session-987"
)


def expected_signature(seen: Recorded, url: str, creds: AwsCredentials, region: str) -> str:
    """Recompute the signature the way AWS does, from what the server received."""
    auth_header = seen.header("Authorization") or ""
    signed = re.search(r"SignedHeaders=([^,\s]+)", auth_header)
    assert signed is not None
    names = signed.group(1).split(";")
    headers = {k: v for k, v in seen.headers if k.lower() in names}
    request = AWSRequest(method=seen.method, url=url, data=seen.body, headers=headers)
    request.context["timestamp"] = seen.header("X-Amz-Date")
    auth = SigV4Auth(
        Credentials(creds.access_key_id, creds.secret_access_key, creds.session_token),
        "ses",
        region,
    )
    return auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)


def test_sigv4_is_valid_and_no_secret_is_recorded(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    with xml_answer((RECORDED / "ses_success.xml").read_bytes()) as server:
        with client_for(server.url, credentials=PLANTED) as client:
            exchange = client.send(SendEmailRequest(GOOD))
            curl = client.curl(exchange)
        seen = server.requests[0]
    authorization = seen.header("Authorization") or ""
    match = re.fullmatch(
        r"AWS4-HMAC-SHA256 Credential=AKIDPLANTED0001/\d{8}/us-east-1/ses/aws4_request, "
        r"SignedHeaders=(\S+), Signature=([0-9a-f]{64})",
        authorization,
    )
    assert match is not None, authorization
    assert expected_signature(seen, server.url, PLANTED, "us-east-1") == match.group(2)
    assert PLANTED.session_token == seen.header("X-Amz-Security-Token")
    assert seen.body == query_body(query_form(GOOD))
    recorded = "\n".join([repr(exchange), curl, caplog.text])
    assert "sEcReT-planted" not in repr(PLANTED) and "ToKeN-planted" not in repr(PLANTED)
    secrets = (PLANTED.secret_access_key, PLANTED.session_token, match.group(2))
    for secret in (*secrets, PLANTED.access_key_id):
        assert secret not in recorded
    assert (
        '--aws-sigv4 aws:amz:us-east-1:ses --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"'
        in curl
    )
    assert '-H "X-Amz-Security-Token: $AWS_SESSION_TOKEN"' in curl


def test_credentials_loopback_explicit_and_chain(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    ses = "https://email.eu-west-1.amazonaws.com/"
    assert resolve_credentials(url="http://127.0.0.1:5000/") == EMULATOR_CREDENTIALS
    assert AwsCredentials("a", "b", None) == resolve_credentials(
        url=ses, access_key_id="a", secret_access_key="b"
    )
    with pytest.raises(ProfileError, match="no AWS credentials found"):
        resolve_credentials(url=ses)
    (tmp_path / "credentials").write_text(
        "[ci]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s3cret\n"
    )
    assert AwsCredentials("AKIDFILE", "s3cret") == resolve_credentials(url=ses, aws_profile="ci")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "envsecret")
    assert AwsCredentials("AKIDENV", "envsecret") == resolve_credentials(url=ses)
    with pytest.raises(ProfileError, match="give both"):
        resolve_credentials(url=ses, access_key_id="a")
    assert "envsecret" not in repr(resolve_credentials(url=ses))


# --- ses.error-codes -------------------------------------------------------------------------

NOT_VERIFIED = (
    "Email address is not verified. The following identities failed the check in region "
    "US-EAST-1: x@y.example"
)


@pytest.mark.parametrize(
    ("rules", "code", "message", "ok"),
    [
        ({"sender.verified"}, "MessageRejected", NOT_VERIFIED, True),
        ({"sender.verified"}, "MessageRejected", "Email address not verified x@y.example", False),
        ({"sandbox.recipients"}, "InvalidParameterValue", "x", False),
        ({"recipients.max"}, "InvalidParameterValue", "Recipient count exceeds 50.", True),
        ({"recipients.max"}, "MessageRejected", "Too many recipients.", False),
        ({"recipients.valid", "sender.verified"}, "InvalidParameterValue", "Missing domain", True),
        ({"recipients.valid", "sender.verified"}, "MessageRejected", NOT_VERIFIED, True),
        ({"request.required"}, "ValidationError", "1 validation error detected", True),
        ({"request.required"}, "InvalidParameterValue", "x", False),
        ({"quota.recipients"}, "Throttling", "Daily message quota exceeded.", True),
        (
            {"size.max"},
            "InvalidParameterValue",
            "Message length is more than 10485760 bytes long",
            True,
        ),
        ({"robust.no-5xx"}, "Anything", "x", True),
    ],
)
def test_ses_error_codes(rules: set[str], code: str, message: str, ok: bool) -> None:
    problems = ses_error_code_problems(rules, Rejected(code, message, 400))
    assert ok == (problems == ())


def test_source_syntax_error_may_be_invalid_parameter_value() -> None:
    rejected = Rejected("InvalidParameterValue", "Missing final '@domain'", 400)
    assert ses_error_code_problems({"sender.verified"}, rejected, source_syntax_invalid=True) == ()
    assert len(ses_error_code_problems({"sender.verified"}, rejected)) == 1
