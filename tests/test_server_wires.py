"""The SES Query and SESv2 wires of the reference server, by hand and through botocore."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import botocore.session
import pytest
import requests
from botocore.config import Config
from defusedxml import ElementTree

from conformance.profile import load_builtin_profile
from conformance.server import start_server
from conformance.server.engine import Engine
from conformance.server.results import Accepted, Refused

REFERENCE = load_builtin_profile("reference")
NS = "{http://ses.amazonaws.com/doc/2010-12-01/}"
ID = re.compile(r"^[0-9a-f]{16}-[0-9a-f-]{36}-000000$")
V2 = "v2/email/outbound-emails"


def form(**changes: str | None) -> dict[str, str]:
    fields: dict[str, str | None] = {
        "Action": "SendEmail",
        "Version": "2010-12-01",
        "Source": "sender@verified.example",
        "Destination.ToAddresses.member.1": "to@verified.example",
        "Message.Subject.Data": "Hello",
        "Message.Body.Text.Data": "text",
    }
    fields.update(changes)
    return {key: value for key, value in fields.items() if value is not None}


def query(url: str, fields: dict[str, str]) -> tuple[int, Any, requests.Response]:
    response = requests.post(url, data=fields, timeout=30)
    assert response.headers["Content-Type"].startswith("text/xml")
    return response.status_code, ElementTree.fromstring(response.content), response


def query_error(url: str, fields: dict[str, str]) -> tuple[int, str, str]:
    status, root, response = query(url, fields)
    assert f"{NS}ErrorResponse" == root.tag
    assert "Sender" == root.findtext(f"{NS}Error/{NS}Type")
    request_id = root.findtext(f"{NS}RequestId")
    assert request_id and request_id == response.headers["x-amzn-RequestId"]
    return status, root.findtext(f"{NS}Error/{NS}Code"), root.findtext(f"{NS}Error/{NS}Message")


# --- SES Query ----------------------------------------------------------------------------


def test_query_success_xml(url: str) -> None:
    status, root, response = query(url, form())
    assert (200, f"{NS}SendEmailResponse") == (status, root.tag)
    assert ID.match(root.findtext(f"{NS}SendEmailResult/{NS}MessageId") or "")
    request_id = root.findtext(f"{NS}ResponseMetadata/{NS}RequestId")
    assert request_id == response.headers["x-amzn-RequestId"]
    outbox = requests.get(url + "_outbox", timeout=5).json()["messages"]
    assert [["to@verified.example"]] == [message["to"] for message in outbox]


def test_query_lists_keep_member_order(url: str) -> None:
    fields = form(
        **{
            "Destination.ToAddresses.member.2": "b@verified.example",
            "Destination.ToAddresses.member.1": "a@verified.example",
            "Destination.BccAddresses.member.1": "c@verified.example",
        }
    )
    assert 200 == query(url, fields)[0]
    message = requests.get(url + "_outbox", timeout=5).json()["messages"][0]
    assert (["a@verified.example", "b@verified.example"], ["c@verified.example"]) == (
        message["to"],
        message["bcc"],
    )


@pytest.mark.parametrize(
    ("changes", "code", "message"),
    [
        ({"Source": "x@unverified.example"}, "MessageRejected", None),
        ({"Source": "nobody"}, "InvalidParameterValue", "Missing final '@domain'"),
        (
            {"Destination.ToAddresses.member.1": None, "Destination.ToAddresses": ""},
            "InvalidParameterValue",
            "Invalid email address .",
        ),
        (
            {"Source": None},
            "ValidationError",
            "1 validation error detected: Value null at 'source' failed to satisfy constraint: "
            "Member must not be null",
        ),
        ({"Message.Subject.Data": None}, "ValidationError", None),
        ({"Destination.ToAddresses.member.1": None}, "ValidationError", None),
        ({"Destination.ToAddresses.member.x": "a@verified.example"}, "InvalidParameterValue", None),
    ],
)
def test_query_error_codes(url: str, changes: dict, code: str, message: str | None) -> None:
    status, got_code, got_message = query_error(url, form(**changes))
    assert (400, code) == (status, got_code)
    if message is not None:
        assert message == got_message


def test_query_too_many_recipients(url: str) -> None:
    fields = form(
        **{f"Destination.CcAddresses.member.{i}": f"r{i}@verified.example" for i in range(1, 51)}
    )
    expected = (400, "InvalidParameterValue", "Recipient count exceeds 50.")
    assert expected == query_error(url, fields)


def test_query_escapes_display_names(url: str) -> None:
    _, _, response = query(url, form(Source="Name <x@unverified.example>"))
    assert b"in region US-EAST-1: Name &lt;x@unverified.example&gt;</Message>" in response.content


def test_query_quota_and_identities() -> None:
    profile = dataclasses.replace(
        REFERENCE, account=dataclasses.replace(REFERENCE.account, max_24h_send=2)
    )
    with start_server(profile) as running:
        base = running.url
        status, root, _ = query(
            base, {"Action": "VerifyEmailIdentity", "EmailAddress": "me@unverified.example"}
        )
        assert (200, f"{NS}VerifyEmailIdentityResponse") == (status, root.tag)
        status, root, _ = query(base, {"Action": "VerifyDomainIdentity", "Domain": "new.example"})
        assert root.findtext(f"{NS}VerifyDomainIdentityResult/{NS}VerificationToken")
        assert 200 == query(base, form(Source="me@unverified.example"))[0]
        assert 200 == query(base, form(Source="x@sub.new.example"))[0]
        assert (400, "Throttling", "Daily message quota exceeded.") == query_error(base, form())
        _, root, response = query(base, {"Action": "GetSendQuota"})
        result = f"{NS}GetSendQuotaResult/{NS}"
        assert ("2.0", "2.0", "1.0") == (
            root.findtext(result + "SentLast24Hours"),
            root.findtext(result + "Max24HourSend"),
            root.findtext(result + "MaxSendRate"),
        )
        assert b"<SentLast24Hours>2.0</SentLast24Hours>" in response.content


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"Action": "DeleteIdentity"}, "InvalidAction"),
        ({"Version": "2010-12-01"}, "InvalidAction"),
        ({"Action": "VerifyEmailIdentity"}, "ValidationError"),
    ],
)
def test_query_other_actions(url: str, fields: dict[str, str], code: str) -> None:
    assert (400, code) == query_error(url, fields)[:2]


def ses_client(service: str, url: str) -> Any:
    session = botocore.session.get_session()
    return session.create_client(
        service,
        region_name="us-east-1",
        endpoint_url=url.rstrip("/"),
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}),
    )


def test_botocore_ses_client_understands_the_query_wire(url: str) -> None:
    client = ses_client("ses", url)
    sent = client.send_email(
        Source="sender@verified.example",
        Destination={
            "ToAddresses": ["to@verified.example"],
            "BccAddresses": ["b@verified.example"],
        },
        Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}},
    )
    assert ID.match(sent["MessageId"])
    assert 2.0 == client.get_send_quota()["SentLast24Hours"]
    with pytest.raises(client.exceptions.MessageRejected) as caught:
        client.send_email(
            Source="x@unverified.example",
            Destination={"ToAddresses": ["to@verified.example"]},
            Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}},
        )
    assert "not verified" in caught.value.response["Error"]["Message"]
    with pytest.raises(client.exceptions.ClientError) as caught:
        client.send_email(
            Source="sender@verified.example",
            Destination={"ToAddresses": [], "BccAddresses": ["b@verified.example"]},
            Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}},
        )
    assert "InvalidParameterValue" == caught.value.response["Error"]["Code"]


# --- SESv2 -----------------------------------------------------------------------------------


def v2_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "FromEmailAddress": "sender@verified.example",
        "Destination": {"ToAddresses": ["to@verified.example"]},
        "Content": {"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}},
    }
    body.update(changes)
    return body


def v2_error(response: requests.Response) -> tuple[int, str, str]:
    assert ["message"] == list(response.json())
    return response.status_code, response.headers["x-amzn-ErrorType"], response.json()["message"]


def test_v2_success(url: str) -> None:
    response = requests.post(url + V2, json=v2_body(), timeout=10)
    assert 200 == response.status_code
    assert ["MessageId"] == list(response.json())
    assert ID.match(response.json()["MessageId"])


@pytest.mark.parametrize(
    ("body", "code", "status"),
    [
        (v2_body(FromEmailAddress="x@unverified.example"), "MessageRejected", 400),
        (v2_body(FromEmailAddress="bad"), "BadRequestException", 400),
        (
            v2_body(Destination={"ToAddresses": [f"r{i}@verified.example" for i in range(51)]}),
            "BadRequestException",
            400,
        ),
        (v2_body(Content=None), "BadRequestException", 400),
        (v2_body(Content={"Raw": {"Data": "x"}}), "BadRequestException", 400),
        (v2_body(Destination={}), "BadRequestException", 400),
    ],
)
def test_v2_errors(url: str, body: dict, code: str, status: int) -> None:
    assert (status, code) == v2_error(requests.post(url + V2, json=body, timeout=10))[:2]


def test_v2_missing_paths_use_v2_names(url: str) -> None:
    body = v2_body(Content={"Simple": {"Body": {"Text": {"Data": "t"}}}})
    message = v2_error(requests.post(url + V2, json=body, timeout=10))[2]
    assert "Value null at 'content.simple.subject'" in message


def test_v2_quota_account_and_identities() -> None:
    profile = dataclasses.replace(
        REFERENCE, account=dataclasses.replace(REFERENCE.account, max_24h_send=1)
    )
    with start_server(profile) as running:
        base = running.url
        created = requests.post(
            base + "v2/email/identities", json={"EmailIdentity": "new.example"}, timeout=5
        )
        assert (200, "DOMAIN") == (created.status_code, created.json()["IdentityType"])
        assert (
            200
            == requests.post(
                base + V2, json=v2_body(FromEmailAddress="a@new.example"), timeout=5
            ).status_code
        )
        throttled = v2_error(requests.post(base + V2, json=v2_body(), timeout=5))
        assert (429, "TooManyRequestsException", "Daily message quota exceeded.") == throttled
        account = requests.get(base + "v2/email/account", timeout=5).json()
        expected = {"Max24HourSend": 1.0, "MaxSendRate": 1.0, "SentLast24Hours": 1.0}
        assert expected == account["SendQuota"]


def test_v2_routes_and_methods(url: str) -> None:
    assert (404, "NotFoundException") == v2_error(
        requests.get(url + "v2/email/nothing", timeout=5)
    )[:2]
    assert (405, "MethodNotAllowedException") == v2_error(requests.get(url + V2, timeout=5))[:2]


def test_botocore_sesv2_client_understands_the_v2_wire(url: str) -> None:
    client = ses_client("sesv2", url)
    sent = client.send_email(**v2_body())
    assert ID.match(sent["MessageId"])
    with pytest.raises(client.exceptions.MessageRejected):
        client.send_email(**v2_body(FromEmailAddress="x@unverified.example"))
    assert 1.0 == client.get_account()["SendQuota"]["SentLast24Hours"]


def test_v2_size_limit_is_40mb_on_the_engine() -> None:
    engine = Engine(REFERENCE)
    params = {
        "Source": "sender@verified.example",
        "Destination": {"ToAddresses": ["to@verified.example"]},
        "Message": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "x" * 12_000_000}}},
    }
    assert isinstance(engine.send(params, protocol="sesv2"), Accepted)
    refused = engine.send(params, protocol="envelope")
    assert isinstance(refused, Refused)
    assert refused.message.startswith("Message length is more than 10485760 bytes long")
    params["Message"]["Body"]["Text"]["Data"] = "x" * 32_000_000
    assert isinstance(engine.send(params, protocol="sesv2"), Refused)
