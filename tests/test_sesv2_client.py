"""The sesv2 client: v1 params as a v2 body, recorded v2 answers, findings, quota, signing."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from werkzeug.wrappers import Response

from conformance.errors import AdminCallFailed
from conformance.model import Accepted, Exchange, Rejected, SendEmailRequest, Unrecognized
from conformance.profile import TargetProfile
from conformance.protocols.aws_answers import SendQuota
from conformance.protocols.clients import make_client
from conformance.protocols.sesv2 import (
    SesV2Client,
    ses_error_code_problems,
    sesv2_body,
    sesv2_json,
)
from conformance.protocols.signing import AwsCredentials
from tests._servers import WsgiServer

RECORDED = json.loads((Path(__file__).parent / "recorded" / "sesv2_recorded.json").read_text())
GOOD: dict[str, Any] = {
    "Source": "sender@verified.example",
    "Destination": {"ToAddresses": ["a@verified.example"], "CcAddresses": []},
    "Message": {"Subject": {"Data": "hi"}, "Body": {"Text": {"Data": "body", "Charset": "UTF-8"}}},
}


def answer(name: str) -> Response:
    item = RECORDED[name]
    response = Response(json.dumps(item["body"]), status=item["status"])
    for key, value in item["headers"].items():
        response.headers[key] = value
    return response


def client_for(url: str, **options: Any) -> SesV2Client:
    return SesV2Client(TargetProfile(protocol="sesv2", url=url, timeout_s=2), **options)


def send(server: WsgiServer, params: dict[str, Any] | None = None) -> Exchange:
    with client_for(server.url) as client:
        return client.send(SendEmailRequest(params or GOOD))


def test_body_maps_v1_names_and_keeps_wrong_types() -> None:
    params = {
        **GOOD,
        "ReplyToAddresses": ["r@x.example"],
        "ReturnPath": "b@verified.example",
        "Tags": [{"Name": "n", "Value": "v"}],
        "ConfigurationSetName": "set-1",
        "Extra": 5,
    }
    assert sesv2_body(params) == {
        "FromEmailAddress": "sender@verified.example",
        "Destination": {"ToAddresses": ["a@verified.example"], "CcAddresses": []},
        "Content": {"Simple": GOOD["Message"]},
        "ReplyToAddresses": ["r@x.example"],
        "FeedbackForwardingEmailAddress": "b@verified.example",
        "EmailTags": [{"Name": "n", "Value": "v"}],
        "ConfigurationSetName": "set-1",
        "Extra": 5,
    }
    assert sesv2_body({"Message": "hello", "Source": 5}) == {
        "Content": {"Simple": "hello"},
        "FromEmailAddress": 5,
    }
    assert sesv2_body({}) == {}


@pytest.mark.parametrize(
    "data",
    [
        "QUJD" * 300_000,  # long base64: spliced
        "QUJD" * 300_000 + '"\\\n',  # long but JSON escapes it: dumped
        "QUJD",  # short: dumped
        "sesconf:spliced-raw-data" + "A" * (1 << 20),
    ],
)
@pytest.mark.parametrize("other", ["x", "sesconf:spliced-raw-data"])
def test_the_json_body_is_json_dumps_of_the_v2_body(data: str, other: str) -> None:
    """A long Data is spliced in, not dumped: the bytes must be what dumping gives, even
    when another value holds the splice mark."""
    params: dict[str, Any] = {"Source": other, "RawMessage": {"Data": data}, "Tags": [other]}
    dumped = json.dumps(sesv2_body(params), ensure_ascii=False).encode("utf-8")
    assert dumped == sesv2_json(params)
    assert {"Data": data} == params["RawMessage"]  # the params are left alone


def test_make_client_builds_the_v2_client() -> None:
    client = make_client(TargetProfile(protocol="sesv2", url="http://127.0.0.1:9/"))
    assert isinstance(client, SesV2Client)
    client.close()


@pytest.mark.parametrize(
    ("name", "outcome"),
    [
        ("success", Accepted(id="01010161b06c7f94-f36c15a6-1e25-49b2-a48d-772fb35fe846-000000")),
        ("throttling", Rejected("TooManyRequestsException", "Maximum sending rate exceeded.", 429)),
        ("bad_request", Rejected("BadRequestException", "Domain contains illegal character", 400)),
        ("empty_address", Rejected("BadRequestException", "Invalid email address .", 400)),
    ],
)
def test_recorded_answers(name: str, outcome: object) -> None:
    with WsgiServer(lambda request: answer(name)) as server:
        exchange = send(server)
        seen = server.requests[0]
    assert exchange.outcome == outcome
    assert dict(exchange.problems) == {}
    assert seen.path == "/v2/email/outbound-emails"
    assert json.loads(seen.body) == sesv2_body(GOOD)


def _raw(body: bytes, status: int, headers: dict[str, str]) -> WsgiServer:
    def handler(request: object) -> Response:
        response = Response(body, status=status, content_type="application/json")
        for key, value in headers.items():
            response.headers[key] = value
        return response

    return WsgiServer(handler)


@pytest.mark.parametrize(
    ("body", "status", "headers", "outcome", "problems"),
    [
        (
            b'{"__type": "MessageRejected", "Message": "Email address not verified x"}',
            400,
            {"X-Amzn-ErrorType": "MessageRejected"},
            Rejected("MessageRejected", "Email address not verified x", 400),
            {},
        ),
        (
            b'{"__type": "com.amazon#BadRequestException", "message": "m"}',
            400,
            {},
            Rejected("BadRequestException", "m", 400),
            {"envelope.error": ("x-amzn-ErrorType header is missing (code taken from the body)",)},
        ),
        (
            b'{"message": "Maximum sending rate exceeded."}',
            400,
            {"x-amzn-ErrorType": "TooManyRequestsException"},
            Rejected("TooManyRequestsException", "Maximum sending rate exceeded.", 400),
            {"http.status": ("TooManyRequestsException answered with HTTP 400, expected 429",)},
        ),
        (
            b"<html>500 Internal Server Error</html>",
            500,
            {},
            Unrecognized(
                "body is not JSON (JSONDecodeError): b'<html>500 Internal Server Error</html>'", 500
            ),
            {"robust.no-5xx": ("HTTP 500",)},
        ),
        (
            b'{"MessageId": ""}',
            200,
            {},
            Accepted(id=None),
            {"envelope.success": ("MessageId is '', not a string",)},
        ),
        (
            b"[1]",
            200,
            {},
            Accepted(id=None),
            {"envelope.success": ("body is list, not an object",)},
        ),
        (
            b"{}",
            400,
            {"x-amzn-ErrorType": "BadRequestException:http://internal.amazon.com/"},
            Rejected("BadRequestException", None, 400),
            {"envelope.error": ("body has no non-empty message (or Message) string",)},
        ),
        (
            b'{"MessageId": "m-1"}',
            500,
            {},
            Accepted(id="m-1"),
            {"robust.no-5xx": ("HTTP 500",)},  # taken: the 5xx is robust.no-5xx's alone
        ),
    ],
    ids=[
        "moto style",
        "no header",
        "429 as 400",
        "html 500",
        "empty id",
        "list",
        "no message",
        "success with 500",
    ],
)
def test_findings(
    body: bytes, status: int, headers: dict[str, str], outcome: object, problems: object
) -> None:
    with _raw(body, status, headers) as server:
        exchange = send(server)
    assert exchange.outcome == outcome
    assert dict(exchange.problems) == problems


def test_get_send_quota_and_identity_provisioning() -> None:
    def handler(request: Any) -> Response:
        if request.path == "/v2/email/account":
            return answer("account")
        return Response("{}", status=200, content_type="application/json")

    with WsgiServer(handler) as server:
        with client_for(server.url) as client:
            assert client.get_send_quota() == SendQuota(200.0, 1.0, 3.0)
            client.verify_domain_identity("verified.example")
        account, identity = server.requests
    assert (account.method, account.path, account.body) == ("GET", "/v2/email/account", b"")
    assert (identity.method, identity.path) == ("POST", "/v2/email/identities")
    assert json.loads(identity.body) == {"EmailIdentity": "verified.example"}


def test_get_send_quota_on_a_target_without_get_account() -> None:
    with _raw(b"<!doctype html>404", 404, {}) as server:
        client = client_for(server.url)
        with client, pytest.raises(AdminCallFailed, match="GetAccount: HTTP 404"):
            client.get_send_quota()


def test_signed_for_ses_and_no_secret_recorded() -> None:
    creds = AwsCredentials("AKIDV2PLANT", "v2-secret-planted-xyz", "v2-token-planted")
    with WsgiServer(lambda request: answer("success")) as server:
        with client_for(server.url, credentials=creds) as client:
            exchange = client.send(SendEmailRequest(GOOD))
            curl = client.curl(exchange)
        seen = server.requests[0]
    authorization = seen.header("Authorization") or ""
    assert re.match(r"AWS4-HMAC-SHA256 Credential=AKIDV2PLANT/\d{8}/us-east-1/ses/", authorization)
    signature = authorization.rsplit("Signature=", 1)[1]
    for secret in (creds.secret_access_key, creds.session_token, signature, creds.access_key_id):
        assert secret not in repr(exchange) + curl
    assert "--aws-sigv4 aws:amz:us-east-1:ses" in curl


@pytest.mark.parametrize(
    ("rules", "code", "ok"),
    [
        ({"sender.verified"}, "MessageRejected", True),
        ({"sandbox.recipients"}, "MailFromDomainNotVerifiedException", True),
        ({"sender.verified"}, "BadRequestException", False),
        ({"recipients.valid"}, "BadRequestException", True),
        ({"recipients.valid"}, "InvalidParameterValue", False),
        ({"recipients.max"}, "MessageRejected", False),
        ({"request.required"}, "BadRequestException", True),
        ({"quota.recipients"}, "TooManyRequestsException", True),
        ({"quota.recipients"}, "LimitExceededException", True),
        ({"quota.recipients"}, "Throttling", False),
    ],
)
def test_ses_error_codes(rules: set[str], code: str, ok: bool) -> None:
    assert (ses_error_code_problems(rules, Rejected(code, "m", 400)) == ()) == ok
