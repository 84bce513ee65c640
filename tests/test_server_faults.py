"""Every planted fault changes an answer the faithful reference server gets right."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from defusedxml import ElementTree

from conformance.profile import load_builtin_profile
from conformance.rules import RULES
from conformance.server import FAULTS, RunningServer, make_app, start_server
from conformance.server.faults import RULE_FAULTS
from tests._race_probes import ID_SENDS, accepted_past_quota, distinct_ids, refused_yet_delivered
from tests._raw_probes import RAW_PROBES

REFERENCE = load_builtin_profile("reference")
PROFILE = dataclasses.replace(
    REFERENCE, account=dataclasses.replace(REFERENCE.account, max_24h_send=5)
)
NS = "{http://ses.amazonaws.com/doc/2010-12-01/}"
Probe = Callable[[str], Any]


def params(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "Source": "sender@verified.example",
        "Destination": {"ToAddresses": ["to@verified.example"]},
        "Message": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}},
    }
    base.update(changes)
    return base


def rcpts(count: int) -> list[str]:
    return [f"r{i}@verified.example" for i in range(count)]


def outcome(url: str, body: Any) -> tuple[int, str]:
    """(status, code or 'ok') of one envelope send."""
    response = requests.post(url, json=body, timeout=30)
    try:
        payload = response.json()
    except ValueError:
        return response.status_code, "unparsable"
    if response.ok and payload.get("success") is True:
        return response.status_code, "ok"
    return response.status_code, str((payload.get("error") or {}).get("code"))


def success_shape(url: str) -> tuple[Any, ...]:
    response = requests.post(url, json=params(), timeout=10)
    body = response.json()
    created = body["data"].get("created_at") or ""
    try:
        moment = datetime.fromisoformat(created)
        fresh = (
            moment.tzinfo is not None and abs((datetime.now(UTC) - moment).total_seconds()) < 300
        )
    except ValueError:
        fresh = False
    return response.status_code, body["success"] is True, fresh


def error_shape(url: str) -> tuple[Any, ...]:
    response = requests.post(url, json=params(Source="bad"), timeout=10)
    body = response.json()
    error = body.get("error") or {}
    return (
        response.status_code,
        body["success"] is False,
        bool(error.get("code")),
        bool(error.get("message")),
        "data" not in body,
    )


def two_ids(url: str) -> bool:
    return (
        len({requests.post(url, json=params(), timeout=10).json()["data"]["id"] for _ in range(2)})
        == 2
    )


def form(**changes: str) -> dict[str, str]:
    fields = {
        "Action": "SendEmail",
        "Source": "sender@verified.example",
        "Destination.ToAddresses.member.1": "to@verified.example",
        "Message.Subject.Data": "s",
        "Message.Body.Text.Data": "t",
    }
    fields.update(changes)
    return fields


def query(url: str, fields: dict[str, str]) -> tuple[int, Any]:
    response = requests.post(url, data=fields, timeout=10)
    try:
        return response.status_code, ElementTree.fromstring(response.content)
    except ElementTree.ParseError:
        return response.status_code, None


def query_outcome(url: str, fields: dict[str, str]) -> tuple[int, str | None]:
    status, root = query(url, fields)
    return status, None if root is None else root.findtext(f"{NS}Error/{NS}Code")


def bad_form(url: str) -> tuple[int, str | None]:
    body = b"Action=SendEmail&Source=%FF%FE"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    response = requests.post(url, data=body, headers=headers, timeout=10)
    try:
        root = ElementTree.fromstring(response.content)
    except ElementTree.ParseError:
        return response.status_code, None
    return response.status_code, root.findtext(f"{NS}Error/{NS}Code")


def query_success_shape(url: str) -> tuple[Any, ...]:
    status, root = query(url, form())
    return (
        status,
        root.tag,
        bool(root.findtext(f"{NS}SendEmailResult/{NS}MessageId")),
        bool(root.findtext(f"{NS}ResponseMetadata/{NS}RequestId")),
    )


def query_error_shape(url: str) -> tuple[Any, ...]:
    status, root = query(url, form(Source="bad"))
    return status, root.findtext(f"{NS}Error/{NS}Type"), root.findtext(f"{NS}RequestId") is not None


def quota_probe(first: int, then: int, *, refused_first: int = 0) -> Probe:
    def probe(url: str) -> tuple[Any, ...]:
        for _ in range(refused_first):
            outcome(url, params(Destination={"ToAddresses": ["bad", *rcpts(2)]}))
        a = outcome(url, params(Destination={"ToAddresses": rcpts(first)}))
        return a, outcome(url, params(Destination={"ToAddresses": rcpts(then)}))

    return probe


def outbox_after(body: Any) -> Probe:
    def probe(url: str) -> tuple[Any, ...]:
        sent = outcome(url, body)
        return sent, len(requests.get(url + "_outbox", timeout=5).json()["messages"])

    return probe


def send(**changes: Any) -> Probe:
    return lambda url: outcome(url, params(**changes))


def message_says_not_verified(url: str) -> bool:
    body = requests.post(url, json=params(Source="x@unverified.example"), timeout=10).json()
    return "not verified" in body["error"]["message"].lower()


def different_choices(url: str) -> tuple[Any, ...]:
    gray = outcome(url, params(Destination={"ToAddresses": ['"q"@verified.example']}))
    return outcome(url, params()), gray


BIG = {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "x" * 8_000_000}}}
EMPTY_BODY = {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": ""}}}


def outbox_after_reset(url: str) -> int:
    outcome(url, params())
    requests.post(url + "_reset", timeout=5).raise_for_status()
    return len(requests.get(url + "_outbox", timeout=5).json()["messages"])


def ids_after_reset(url: str) -> bool:
    requests.post(url + "_reset", timeout=5).raise_for_status()
    return two_ids(url)


def bcc_only_fresh(url: str) -> bool:
    body = requests.post(url, json=params(Destination={"BccAddresses": rcpts(1)}), timeout=10)
    created = datetime.fromisoformat(body.json()["data"]["created_at"])
    return abs((datetime.now(UTC) - created).total_seconds()) < 300


def limit_success_has_created_at(url: str) -> bool:
    requests.post(url + "_reset", timeout=5).raise_for_status()
    limit = PROFILE.limits.max_recipients
    answer = requests.post(
        url,
        json=params(Destination={"ToAddresses": [f"success+{i}@simulator.amazonses.com"
                                                 for i in range(limit)]}),
        timeout=10,
    )  # fmt: skip
    return "created_at" in answer.json()["data"]


def quota_error_has_message(url: str) -> bool:
    requests.post(url + "_reset", timeout=5).raise_for_status()
    outcome(url, params(Destination={"ToAddresses": rcpts(5)}))
    answer = requests.post(url, json=params(), timeout=10).json()
    return bool(answer["error"].get("message"))


def quota_before_syntax(url: str) -> tuple[int, str]:
    requests.post(url + "_reset", timeout=5).raise_for_status()
    outcome(url, params(Destination={"ToAddresses": rcpts(5)}))
    return outcome(url, params(Source="bad"))


def size_before_syntax(url: str) -> bool:
    body = requests.post(url, json=params(Source="bad", Message=BIG), timeout=30).json()
    return body["error"]["message"].startswith("Message length")


def echoed(url: str) -> bool:
    body = requests.post(url, json=params(Source="bad"), timeout=10).json()
    return "Request:" in body["error"]["message"]


def failed_list(url: str) -> str:
    """The "failed the check" message's tail: the region and the identities, in order."""
    unverified = params(
        Source="x@unverified.example", Destination={"ToAddresses": ["r@unverified.example"]}
    )
    body = requests.post(url, json=unverified, timeout=10).json()
    return str(body["error"]["message"]).partition(" in region ")[2]


MID = {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "x" * 2_000_000}}}

# fault -> (probe, what the faithful server answers)
PROBES: dict[str, tuple[Probe, Any]] = {
    "accept-51-recipients": (
        send(Destination={"ToAddresses": rcpts(51)}),
        (400, "VALIDATION_ERROR"),
    ),
    "count-to-only": (
        send(Destination={"ToAddresses": rcpts(30), "BccAddresses": rcpts(21)}),
        (400, "VALIDATION_ERROR"),
    ),
    "bcc-not-validated": (
        send(Destination={"ToAddresses": rcpts(1), "BccAddresses": ["bad"]}),
        (400, "VALIDATION_ERROR"),
    ),
    "cc-not-validated": (
        send(Destination={"ToAddresses": rcpts(1), "CcAddresses": ["bad"]}),
        (400, "VALIDATION_ERROR"),
    ),
    "partial-delivery": (
        outbox_after(params(Destination={"ToAddresses": ["to@verified.example", "bad"]})),
        ((400, "VALIDATION_ERROR"), 0),
    ),
    "accept-zero-recipients": (send(Destination={"ToAddresses": []}), (400, "VALIDATION_ERROR")),
    "lookalike-domain-verified": (send(Source="x@evilverified.example"), (400, "MESSAGE_REJECTED")),
    "subdomain-not-verified": (send(Source="x@a.b.verified.example"), (200, "ok")),
    "address-case-insensitive": (
        send(Source="mixed.case@other.example"),
        (400, "MESSAGE_REJECTED"),
    ),
    "domain-case-sensitive": (send(Source="x@VERIFIED.example"), (200, "ok")),
    "display-name-unverified": (send(Source="Ann <sender@verified.example>"), (200, "ok")),
    "wrong-unverified-message": (message_says_not_verified, True),
    "sandbox-ignored": (
        send(Destination={"ToAddresses": ["x@unverified.example"]}),
        (400, "MESSAGE_REJECTED"),
    ),
    "tags-unchecked": (send(Tags=[{"Name": "", "Value": "x"}]), (400, "VALIDATION_ERROR")),
    "tags-after-identities": (
        send(Source="x@unverified.example", Tags=[{"Name": "bad:name", "Value": "x"}]),
        (400, "VALIDATION_ERROR"),
    ),
    "simulator-label-refused": (
        send(Destination={"ToAddresses": ["bounce+l@simulator.amazonses.com"]}),
        (200, "ok"),
    ),
    "size-not-enforced": (send(Message=BIG), (400, "VALIDATION_ERROR")),
    "size-too-strict": (send(Message=MID), (200, "ok")),
    "accept-missing-subject": (
        send(Message={"Body": {"Text": {"Data": "t"}}}),
        (400, "VALIDATION_ERROR"),
    ),
    "text-only-body-refused": (send(), (200, "ok")),
    "accept-missing-source": (send(Source=None), (400, "VALIDATION_ERROR")),
    "constant-id": (two_ids, True),
    "created-at-missing": (success_shape, (200, True, True)),
    "success-as-string": (success_shape, (200, True, True)),
    "created-at-no-zone": (success_shape, (200, True, True)),
    "created-at-stale": (success_shape, (200, True, True)),
    "error-without-message": (error_shape, (400, True, True, True, True)),
    "error-with-data": (error_shape, (400, True, True, True, True)),
    "error-says-success": (error_shape, (400, True, True, True, True)),
    "status-200-on-error": (error_shape, (400, True, True, True, True)),
    "500-on-malformed-json": (
        lambda url: requests.post(url, data=b"{", timeout=5).status_code,
        400,
    ),
    "500-on-wrong-type": (send(Source=5), (400, "VALIDATION_ERROR")),
    "success-with-500": (send(), (200, "ok")),
    "quota-check-then-count": (accepted_past_quota, 1),
    "id-counter-unlocked": (distinct_ids, ID_SENDS),
    "partial-delivery-in-flight": (refused_yet_delivered, False),
    "quota-not-enforced": (quota_probe(5, 1), ((200, "ok"), (429, "THROTTLING"))),
    "quota-counts-messages": (quota_probe(4, 2), ((200, "ok"), (429, "THROTTLING"))),
    "rejected-counted": (quota_probe(2, 3, refused_first=1), ((200, "ok"), (200, "ok"))),
    "query-accept-51": (
        lambda url: query_outcome(
            url,
            form(
                **{
                    f"Destination.CcAddresses.member.{i}": f"c{i}@verified.example"
                    for i in range(1, 51)
                }
            ),
        ),
        (400, "InvalidParameterValue"),
    ),
    "query-wrong-code": (
        lambda url: query_outcome(url, form(Source="bad")),
        (400, "InvalidParameterValue"),
    ),
    "query-requestid-missing": (query_success_shape, (200, f"{NS}SendEmailResponse", True, True)),
    "query-messageid-empty": (query_success_shape, (200, f"{NS}SendEmailResponse", True, True)),
    "query-no-namespace": (query_success_shape, (200, f"{NS}SendEmailResponse", True, True)),
    "query-error-type-missing": (query_error_shape, (400, "Sender", True)),
    "query-status-200-on-error": (query_error_shape, (400, "Sender", True)),
    "query-errors-403": (query_error_shape, (400, "Sender", True)),
    "query-bcc-not-validated": (
        lambda url: query_outcome(url, form(**{"Destination.BccAddresses.member.1": "bad"})),
        (400, "InvalidParameterValue"),
    ),
    "query-lookalike-verified": (
        lambda url: query_outcome(url, form(Source="a@evilverified.example")),
        (400, "MessageRejected"),
    ),
    "query-500-on-bad-form": (bad_form, (400, "InvalidParameterValue")),
    "query-200-without-action": (
        lambda url: query_outcome(url, {"Source": "sender@verified.example"}),
        (400, "InvalidAction"),
    ),
    "query-constant-id": (
        lambda url: len(
            {query(url, form())[1].findtext(f"{NS}SendEmailResult/{NS}MessageId") for _ in range(2)}
        ),
        2,
    ),
    "constant-id-after-reset": (ids_after_reset, True),
    "constant-id-outbox-kept": (ids_after_reset, True),
    "500-on-cc-only": (send(Destination={"CcAddresses": rcpts(1)}), (200, "ok")),
    "created-at-stale-bcc-only": (bcc_only_fresh, True),
    "status-200-on-size-error": (send(Message=BIG), (400, "VALIDATION_ERROR")),
    "bad-success-at-limit": (limit_success_has_created_at, True),
    "bad-error-on-quota": (quota_error_has_message, True),
    "problem-json-errors": (
        lambda url: requests.post(url, json=params(Source="bad"), timeout=10).headers[
            "Content-Type"
        ],
        "application/json",
    ),
    "created-at-space": (
        lambda url: requests.post(url, json=params(), timeout=10).json()["data"]["created_at"][10],
        "T",
    ),
    "refuse-empty-body": (send(Message=EMPTY_BODY), (200, "ok")),
    "quota-first": (quota_before_syntax, (400, "VALIDATION_ERROR")),
    "outbox-kept": (outbox_after_reset, 0),
    "body-first": (size_before_syntax, False),
    "echo-input": (echoed, False),
    "odd-statuses": (send(Source="x@unverified.example"), (400, "MESSAGE_REJECTED")),
    "identities-any-order": (failed_list, "US-EAST-1: x@unverified.example, r@unverified.example"),
    "different-but-correct": (different_choices, ((200, "ok"), (400, "VALIDATION_ERROR"))),
    **RAW_PROBES,
}


@pytest.fixture(scope="module")
def faithful() -> Iterator[RunningServer]:
    with start_server(PROFILE) as running:
        yield running


def test_every_fault_has_a_probe_and_a_rule() -> None:
    """The class faults are proven by whole runs instead (tests/test_class_faults.py)."""

    assert sorted(RULE_FAULTS) == sorted(PROBES)
    for fault in FAULTS.values():
        assert fault.rule_id is None or fault.rule_id in RULES, fault


def test_unknown_fault_names_the_known_ones() -> None:
    with pytest.raises(
        ValueError, match=r"unknown fault 'nope'; known faults: accept-51-recipients"
    ):
        make_app(PROFILE, fault="nope")


@pytest.mark.parametrize("name", sorted(RULE_FAULTS))
def test_fault_changes_what_the_reference_gets_right(faithful: RunningServer, name: str) -> None:
    probe, correct = PROBES[name]
    requests.post(faithful.url + "_reset", timeout=5).raise_for_status()
    assert correct == probe(faithful.url)
    with start_server(PROFILE, fault=name) as faulty:
        assert correct != probe(faulty.url)
        assert 0 == faulty.engine.internal_errors
    assert 0 == faithful.engine.internal_errors
