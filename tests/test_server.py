"""The reference server's rules over the JSON envelope, through real HTTP."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from conformance.profile import TargetProfile, load_builtin_profile
from conformance.server import start_server

REFERENCE = load_builtin_profile("reference")
ID = re.compile(
    r"^[0-9a-f]{16}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}-000000$"
)
NOT_VERIFIED = (
    "Email address is not verified. The following identities failed the check in region US-EAST-1: "
)


def with_quota(profile: TargetProfile, quota: int | None, **account: Any) -> TargetProfile:
    return dataclasses.replace(
        profile,
        account=dataclasses.replace(profile.account, max_24h_send=quota, **account),
    )


def good(**changes: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "Source": "sender@verified.example",
        "Destination": {"ToAddresses": ["to@verified.example"]},
        "Message": {"Subject": {"Data": "Hello"}, "Body": {"Text": {"Data": "plain text"}}},
    }
    params.update(changes)
    return params


def to(*addresses: str, cc: tuple[str, ...] = (), bcc: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"ToAddresses": list(addresses), "CcAddresses": list(cc), "BccAddresses": list(bcc)}


def many(count: int) -> list[str]:
    return [f"r{i}@verified.example" for i in range(count)]


def post(url: str, params: Any) -> requests.Response:
    return requests.post(url, json=params, timeout=30)


def error_of(response: requests.Response) -> tuple[int, str, str]:
    body = response.json()
    assert False is body["success"]
    assert "data" not in body
    return response.status_code, body["error"]["code"], body["error"]["message"]


# --- success -------------------------------------------------------------------------------


def test_success_envelope_shape(url: str) -> None:
    response = post(url, good())
    assert 200 == response.status_code
    assert "application/json" == response.headers["Content-Type"]
    body = response.json()
    assert ["data", "success"] == sorted(body)
    assert True is body["success"]
    assert ID.match(body["data"]["id"]), body["data"]["id"]
    created = body["data"]["created_at"]
    assert created.endswith("Z")
    moment = datetime.fromisoformat(created)
    assert abs((datetime.now(UTC) - moment).total_seconds()) < 60


def test_ids_are_unique_and_land_in_outbox(url: str) -> None:
    ids = [post(url, good()).json()["data"]["id"] for _ in range(20)]
    assert 20 == len(set(ids))
    outbox = requests.get(url + "_outbox", timeout=5).json()["messages"]
    assert ids == [message["id"] for message in outbox]
    first = outbox[0]
    assert ["bcc", "cc", "created_at", "id", "source", "to"] == sorted(first)
    assert ("sender@verified.example", ["to@verified.example"], [], []) == (
        first["source"],
        first["to"],
        first["cc"],
        first["bcc"],
    )


@pytest.mark.parametrize(
    "body",
    [{"Text": {"Data": "t"}}, {"Html": {"Data": "<p>h</p>"}}, {"Text": {"Data": ""}}],
    ids=["text-only", "html-only", "empty-text"],
)
def test_either_body_part_is_enough(url: str, body: dict[str, Any]) -> None:
    params = good(Message={"Subject": {"Data": "s", "Charset": "UTF-8"}, "Body": body})
    assert 200 == post(url, params).status_code


def test_unknown_members_are_ignored(url: str) -> None:
    params = good(Extra={"deep": [1, 2]}, Tags=[{"Name": "a", "Value": "b"}])
    params["Destination"]["Other"] = 5
    assert 200 == post(url, params).status_code


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"ReplyToAddresses": ["reply@anywhere.example"], "ReturnPath": "b@verified.example"},
            (200, "ok"),
        ),
        ({"ReplyToAddresses": "reply@anywhere.example"}, (400, "VALIDATION_ERROR")),
        ({"ReturnPath": 5}, (400, "VALIDATION_ERROR")),
        ({"Tags": [{"Name": "a"}]}, (400, "VALIDATION_ERROR")),
        ({"ConfigurationSetName": ["set"]}, (400, "VALIDATION_ERROR")),
        ({"ReplyToAddresses": ["no-at-sign"]}, (400, "VALIDATION_ERROR")),
        ({"ReturnPath": "b@unverified.example"}, (400, "MESSAGE_REJECTED")),
    ],
)
def test_documented_optional_members(url: str, changes: dict, expected: tuple) -> None:
    response = post(url, good(**changes))
    got = (200, "ok") if response.status_code == 200 else error_of(response)[:2]
    assert expected == got


# --- missing members and wrong types ---------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("source", {k: v for k, v in good().items() if k != "Source"}),
        ("destination", {k: v for k, v in good().items() if k != "Destination"}),
        ("message", {k: v for k, v in good().items() if k != "Message"}),
        ("message.subject", good(Message={"Body": {"Text": {"Data": "t"}}})),
        ("message.body", good(Message={"Subject": {"Data": "s"}})),
        ("message.body", good(Message={"Subject": {"Data": "s"}, "Body": {}})),
        ("message.subject.data", good(Message={"Subject": {}, "Body": {"Text": {"Data": "t"}}})),
        ("message.body.text.data", good(Message={"Subject": {"Data": "s"}, "Body": {"Text": {}}})),
        ("source", good(Source=None)),
    ],
)
def test_missing_member_is_a_validation_error(url: str, path: str, params: dict) -> None:
    status, code, message = error_of(post(url, params))
    assert (400, "VALIDATION_ERROR") == (status, code)
    expected = f"Value null at '{path}' failed to satisfy constraint: Member must not be null"
    assert message == f"1 validation error detected: {expected}"


def test_all_missing_members_reported_together(url: str) -> None:
    _, _, message = error_of(post(url, {"Destination": {"ToAddresses": ["a@verified.example"]}}))
    assert message.startswith("2 validation errors detected: Value null at 'source'")
    assert "Value null at 'message'" in message


@pytest.mark.parametrize(
    "params",
    [
        good(Source=5),
        good(Source=["sender@verified.example"]),
        good(Destination=["to@verified.example"]),
        good(Destination={"ToAddresses": "to@verified.example"}),
        good(Destination={"ToAddresses": [None]}),
        good(Message="hello"),
        good(Message={"Subject": {"Data": 5}, "Body": {"Text": {"Data": "t"}}}),
        good(Message={"Subject": {"Data": "s"}, "Body": {"Html": "h"}}),
    ],
)
def test_wrong_type_is_a_validation_error(url: str, params: dict) -> None:
    status, code, message = error_of(post(url, params))
    assert (400, "VALIDATION_ERROR") == (status, code)
    assert "failed to satisfy constraint: Member must be" in message


# --- addresses ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("plainaddress", "Missing final '@domain'"),
        ("@verified.example", "Missing local name"),
        ("user@", "Missing domain"),
        ("a b@verified.example", "Local address contains control or whitespace"),
        ("a:b@verified.example", "Local address contains illegal character"),
        ("a@ver ified.example", "Domain contains control or whitespace"),
        ("a@verified..example", "Domain contains dot-dot"),
        (".a@verified.example", "Local address starts with dot"),
        ("a@verified.example.", "Domain ends with dot"),
        ("", "Invalid email address ."),
        ('"quoted"@verified.example', "Illegal address"),
        ("Name <to@verified.example>", "Illegal address"),
    ],
)
def test_bad_recipient_rejects_whole_message(url: str, address: str, message: str) -> None:
    params = good(Destination=to("to@verified.example", bcc=(address,)))
    assert (400, "VALIDATION_ERROR", message) == error_of(post(url, params))
    assert [] == requests.get(url + "_outbox", timeout=5).json()["messages"]


def test_bad_source_wins_over_verification(url: str) -> None:
    params = good(Source="nobody-at-unverified.example")
    assert (400, "VALIDATION_ERROR", "Missing final '@domain'") == error_of(post(url, params))


# --- counts and size ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("destination", "accepted"),
    [
        (to(*many(50)), True),
        (to(*many(20), cc=tuple(many(20)), bcc=tuple(many(10))), True),
        (to(*many(51)), False),
        (to(*many(17), cc=tuple(many(17)), bcc=tuple(many(17))), False),
        (to("to@verified.example", bcc=tuple(["to@verified.example"] * 50)), False),
    ],
    ids=["50-to", "50-across", "51-to", "51-across", "51-duplicates"],
)
def test_recipient_limit(url: str, destination: dict, accepted: bool) -> None:
    response = post(url, good(Destination=destination))
    if accepted:
        assert 200 == response.status_code
    else:
        assert (400, "VALIDATION_ERROR", "Recipient count exceeds 50.") == error_of(response)


@pytest.mark.parametrize("destination", [{}, to(), {"ToAddresses": None}])
def test_zero_recipients_refused(url: str, destination: dict) -> None:
    response = post(url, good(Destination=destination))
    assert (400, "VALIDATION_ERROR") == error_of(response)[:2]


def sized(total: int) -> dict[str, Any]:
    return good(Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "x" * (total - 1)}}})


@pytest.mark.parametrize(
    ("content", "accepted"),
    [(7_000_000, True), (7_600_000, True), (7_700_000, False), (10_485_761, False)],
)
def test_size_counts_the_mime_estimate(url: str, content: int, accepted: bool) -> None:
    response = post(url, sized(content))
    if accepted:
        assert 200 == response.status_code
    else:
        status, code, message = error_of(response)
        assert (400, "VALIDATION_ERROR") == (status, code)
        assert re.fullmatch(r"Message length is more than 10485760 bytes long: '\d+'\.", message)


def test_size_exact_profile_counts_raw_bytes() -> None:
    limits = dataclasses.replace(REFERENCE.limits, size_exact=True, max_message_bytes=1000)
    with start_server(dataclasses.replace(REFERENCE, limits=limits)) as running:
        assert 200 == post(running.url, sized(1000)).status_code
        message = error_of(post(running.url, sized(1001)))[2]
        assert "Message length is more than 1000 bytes long: '1001'." == message


# --- verification and sandbox --------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "accepted"),
    [
        ("anyone@verified.example", True),
        ("x@a.b.c.verified.example", True),
        ("x@VERIFIED.Example", True),
        ("Display Name <sender@verified.example>", True),
        ("Mixed.Case@other.example", True),
        ("mixed.case@other.example", False),
        ("Mixed.Case@OTHER.example", False),
        ("x@evilverified.example", False),
        ("x@verified.example.evil", False),
        ("x@unverified.example", False),
        ("Name <x@unverified.example>", False),
    ],
)
def test_sender_verification(url: str, source: str, accepted: bool) -> None:
    response = post(url, good(Source=source))
    if accepted:
        assert 200 == response.status_code
    else:
        assert (400, "MESSAGE_REJECTED", NOT_VERIFIED + source) == error_of(response)


@pytest.mark.parametrize(
    ("recipient", "accepted"),
    [
        ("x@sub.verified.example", True),
        ("Mixed.Case@other.example", True),
        ("success@simulator.amazonses.com", True),
        ("bounce+label-1@simulator.amazonses.com", True),
        ("suppressionlist@simulator.amazonses.com", True),
        ("blacklist@simulator.amazonses.com", False),
        ("x@unverified.example", False),
    ],
)
def test_sandbox_recipients(url: str, recipient: str, accepted: bool) -> None:
    response = post(url, good(Destination=to("to@verified.example", cc=(recipient,))))
    if accepted:
        assert 200 == response.status_code
    else:
        assert (400, "MESSAGE_REJECTED", NOT_VERIFIED + recipient) == error_of(response)


def test_sandbox_lists_sender_and_recipients() -> None:
    with start_server(REFERENCE) as running:
        params = good(Source="a@unverified.example", Destination=to("b@unverified.example"))
        message = error_of(post(running.url, params))[2]
        assert NOT_VERIFIED + "a@unverified.example, b@unverified.example" == message


def test_no_sandbox_allows_any_recipient() -> None:
    account = dataclasses.replace(REFERENCE.account, sandbox=False)
    with start_server(dataclasses.replace(REFERENCE, account=account)) as running:
        response = post(running.url, good(Destination=to("x@unverified.example")))
        assert 200 == response.status_code


# --- quota, reset, outbox ---------------------------------------------------------------------


def test_quota_counts_recipients_of_accepted_sends_only() -> None:
    with start_server(with_quota(REFERENCE, 10)) as running:
        engine, base = running.engine, running.url
        assert 200 == post(base, good(Destination=to(*many(3)))).status_code
        assert 3 == engine.sent_last_24h
        assert 400 == post(base, good(Destination=to("bad", *many(2)))).status_code
        assert 400 == post(base, good(Source="x@unverified.example")).status_code
        assert 3 == engine.sent_last_24h
        crossing = post(base, good(Destination=to(*many(8))))
        assert (429, "THROTTLING", "Daily message quota exceeded.") == error_of(crossing)
        assert 3 == engine.sent_last_24h
        assert 200 == post(base, good(Destination=to(*many(7)))).status_code
        assert 10 == engine.sent_last_24h
        assert 429 == post(base, good()).status_code
        simulator = good(Destination=to("success@simulator.amazonses.com"))
        assert 200 == post(base, simulator).status_code
        assert 10 == engine.sent_last_24h
        assert 3 == len(requests.get(base + "_outbox", timeout=5).json()["messages"])


def test_quota_counts_simulator_when_profile_says_so() -> None:
    profile = with_quota(REFERENCE, 1, quota_counts_simulator=True)
    with start_server(profile) as running:
        simulator = good(Destination=to("success@simulator.amazonses.com"))
        assert 200 == post(running.url, simulator).status_code
        assert 429 == post(running.url, simulator).status_code


@pytest.mark.parametrize("quota", [None, -1])
def test_unlimited_quota(quota: int | None) -> None:
    with start_server(with_quota(REFERENCE, quota)) as running:
        for _ in range(5):
            assert 200 == post(running.url, good(Destination=to(*many(50)))).status_code
        assert 250 == running.engine.sent_last_24h


def test_reset_clears_quota_outbox_and_runtime_identities() -> None:
    with start_server(with_quota(REFERENCE, 3)) as running:
        base = running.url
        assert 200 == post(base, good(Destination=to(*many(2)))).status_code
        running.engine.verify_address("new@unverified.example")
        assert 200 == post(base, good(Source="new@unverified.example")).status_code
        assert 429 == post(base, good()).status_code
        reset = requests.post(base + "_reset", timeout=5)
        assert (200, {"reset": True}) == (reset.status_code, reset.json())
        assert {"messages": []} == requests.get(base + "_outbox", timeout=5).json()
        assert 0 == running.engine.sent_last_24h
        assert 200 == post(base, good()).status_code
        rejected = post(base, good(Source="new@unverified.example"))
        assert (400, "MESSAGE_REJECTED") == error_of(rejected)[:2]


def test_hooks_answer_wrong_methods_with_the_envelope(url: str) -> None:
    response = requests.get(url + "_reset", timeout=5)
    assert (405, "VALIDATION_ERROR") == error_of(response)[:2]
    assert (404, "NOT_FOUND") == error_of(requests.get(url + "_nothing", timeout=5))[:2]
