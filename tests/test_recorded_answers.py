"""The reference answers every SendEmail request recorded from real SES as SES did.

The table is the project's own copy (tests/recorded/ses_answers.json, from
ses-ground-truth.md; README.md there says where each row comes from): nothing here reads
the spec's folder. Each row runs over the wire it was recorded on, against a reference
whose profile names the recorded region; a "failed the check" list compares as a set.
The tag rows are tests/test_tags.py's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests
from defusedxml import ElementTree

from conformance.messages import same_message
from conformance.profile import TargetProfile, load_builtin_profile
from conformance.server.app import RunningServer, start_server
from conformance.wire.query_form import query_body, query_form

REFERENCE = load_builtin_profile("reference")
TABLE = json.loads((Path(__file__).parent / "recorded" / "ses_answers.json").read_text("utf-8"))
ROWS: list[dict[str, Any]] = TABLE["rows"]
NS = "{http://ses.amazonaws.com/doc/2010-12-01/}"
MESSAGE = {"Subject": {"Data": "Hello"}, "Body": {"Text": {"Data": "text"}}}
Answer = tuple[int, str | None, str | None]


def _region(row: dict[str, Any]) -> str:
    """The region the recording names (real SES upper-cases it), else the profile's."""
    message = row.get("message") or ""
    marker = "in region "
    if marker not in message:
        return REFERENCE.region
    return message.split(marker, 1)[1].split(":", 1)[0].lower()


def _profile(row: dict[str, Any]) -> TargetProfile:
    """The reference's profile with the row's region and account changes."""
    setup = row.get("setup", {})
    account = REFERENCE.account
    if "max_send_rate" in setup:
        account = replace(account, max_send_rate=setup["max_send_rate"], rate_enforced=True)
    if "max_24h_send" in setup:
        account = replace(account, max_24h_send=setup["max_24h_send"])
    return replace(REFERENCE, region=_region(row), account=account)


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, RunningServer]]:
    """One reference per profile the rows need (keyed by its region and account),
    started when first asked for."""
    with ExitStack() as stack:
        started: dict[str, RunningServer] = {}
        for row in ROWS:
            profile = _profile(row)
            key = _key(profile)
            if key not in started:
                started[key] = stack.enter_context(start_server(profile))
        yield started
        for running in started.values():
            assert 0 == running.engine.internal_errors


def _key(profile: TargetProfile) -> str:
    return f"{profile.region} {profile.account!r}"


def _params(row: dict[str, Any]) -> dict[str, Any]:
    params = dict(row["params"])
    if not row.get("bare"):
        params.setdefault("Message", MESSAGE)
    if "to_count" in row:
        to = [f"r{i}@verified.example" for i in range(1, row["to_count"] + 1)]
        params["Destination"] = {"ToAddresses": to}
    return params


def _query(url: str, params: dict[str, Any]) -> Answer:
    response = requests.post(
        url,
        data=query_body(query_form(params)),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    root = ElementTree.fromstring(response.content)
    if root.tag != f"{NS}ErrorResponse":
        assert root.findtext(f"{NS}SendEmailResult/{NS}MessageId")
        return response.status_code, None, None
    assert "Sender" == root.findtext(f"{NS}Error/{NS}Type")
    code, message = (root.findtext(f"{NS}Error/{NS}{k}") for k in ("Code", "Message"))
    return response.status_code, code, message


def _sesv2(url: str, params: dict[str, Any]) -> Answer:
    body = {
        "FromEmailAddress": params["Source"],
        "Destination": params["Destination"],
        "Content": {"Simple": params["Message"]},
    }
    response = requests.post(url + "v2/email/outbound-emails", json=body, timeout=30)
    code = response.headers.get("x-amzn-ErrorType")
    if code is None:
        assert response.json()["MessageId"]
        return response.status_code, None, None
    return response.status_code, code, response.json()["message"]


WIRES = {"ses-query": _query, "sesv2": _sesv2}
CASES = [(row, wire) for row in ROWS for wire in row["wires"]]


def _answer(server: RunningServer, row: dict[str, Any], wire: str) -> Answer:
    """The row's request, sent up to `sends` times: the first refusal, or the last answer."""
    requests.post(server.url + "_reset", timeout=5).raise_for_status()
    for address in row.get("setup", {}).get("verify", ()):
        fields = {"Action": "VerifyEmailIdentity", "EmailAddress": address}
        requests.post(server.url, data=fields, timeout=5).raise_for_status()
    answer: Answer = (0, None, None)
    for _ in range(row.get("sends", 1)):
        answer = WIRES[wire](server.url, _params(row))
        if answer[0] != 200:
            break
    return answer


@pytest.mark.parametrize(
    ("row", "wire"), CASES, ids=[f"{wire}: {row['case']}" for row, wire in CASES]
)
def test_the_reference_answers_each_recorded_request_as_real_ses(
    servers: dict[str, RunningServer], row: dict[str, Any], wire: str
) -> None:
    profile = _profile(row)
    status, code, message = _answer(servers[_key(profile)], row, wire)
    want = row.get("reference", row)  # a conflict row: the answer rules.md owes instead
    assert (want["status"], want["code"]) == (status, code), message
    if want["message"] is None:
        assert message is None
    else:
        assert same_message(want["message"], message, region=profile.region), message


def test_every_row_names_its_section_grade_source_and_what_was_made_up() -> None:
    for row in ROWS:
        assert row["section"].startswith("§") and row["grade"] in {"A", "B", "B-"}, row
        assert row["recorded"] and row["made_up"] and set(row["wires"]) <= set(WIRES), row
        assert ("conflict" in row) == ("reference" in row), row


def test_the_readme_lists_every_row() -> None:
    readme = (Path(__file__).parent / "recorded" / "README.md").read_text("utf-8")
    missing = [row["case"] for row in ROWS if f"| {row['case']} |" not in readme]
    assert [] == missing
