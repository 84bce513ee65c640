"""The judgement's building blocks: readings, the only-reason gate, the run-wide id fold,
skip reasons, and plain pytest selecting rules as the CLI does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.checks import (
    Reading,
    get_check,
    read,
    rejection_problems,
)
from conformance.checks.judge import answer_verdict
from conformance.checks.judgements import answer_reading
from conformance.checks.registry import AnswerCheck
from conformance.model import (
    Accepted,
    Exchange,
    RawRequest,
    Reject,
    Rejected,
    TransportFailure,
    Unrecognized,
    WireRequest,
    WireResponse,
)
from conformance.profile import load_builtin_profile
from conformance.suite.monitors import IDS_SUFFIX, fold_ids
from conformance.suite.records import clean_skip_reason
from sesconf_strategies.class_examples import at_every_limit
from tests._sesconf import REPO

PROFILE = load_builtin_profile("reference")
REQUEST = WireRequest("POST", "http://127.0.0.1:1/", (), b"{}")


def exchange(status: int | None, outcome: object, **problems: tuple[str, ...]) -> Exchange:
    response = None if status is None else WireResponse(status, (), b"", 0.0)
    return Exchange(REQUEST, response, outcome, problems)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "outcome", "reading"),
    [
        (200, Accepted("id-1"), Reading.ACCEPTED),
        (200, Rejected("X", "m", 200), Reading.REJECTED),  # status is http.status's
        (400, Unrecognized("HTML page", 400), Reading.REJECTED),  # any 4xx, whatever body
        (200, Unrecognized("success is 'true'", 200), Reading.ACCEPTED),
        (500, Rejected("InternalFailure", "m", 500), Reading.SERVER_ERROR),
        (500, Accepted("id-1", "2025-01-01T00:00:00Z"), Reading.ACCEPTED),  # taken: counted
        (500, Unrecognized("HTML page", 500), Reading.SERVER_ERROR),
        (302, Unrecognized("redirect", 302), Reading.OTHER),
        (None, TransportFailure("timeout", "slow"), Reading.NO_ANSWER),
    ],
)
def test_an_answer_is_read_only_as_accepted_rejected_5xx_or_no_answer(
    status: int | None, outcome: object, reading: Reading
) -> None:
    assert reading == read(exchange(status, outcome))


def answer_check(rule_id: str) -> AnswerCheck:
    """The registry's check of one answer for `rule_id`."""
    check = get_check(rule_id).answer
    assert check is not None
    return check


def test_a_malformed_request_s_2xx_is_no_acceptance() -> None:
    """moto answers a Query body without Action with 200 VerifyEmailIdentityResponse:
    robust.no-5xx's finding alone, no acceptance for envelope.success to judge."""
    answer = exchange(200, Unrecognized("XML root <VerifyEmailIdentityResponse>", 200))
    raw = RawRequest(b'{"Source": ', content_type="text/plain", label="truncated JSON")
    assert Reading.ACCEPTED == read(answer)
    assert Reading.NOT_A_SEND == answer_reading(answer, malformed=True)
    assert answer_verdict("envelope.success", answer, PROFILE) is not None
    assert answer_verdict("envelope.success", answer, PROFILE, raw=raw) is None
    assert answer_verdict("robust.no-5xx", exchange(500, answer.outcome), PROFILE, raw=raw)


def test_a_malformed_success_with_a_5xx_is_a_server_error() -> None:
    """Only a well-formed success is an acceptance whatever its status."""
    half = exchange(500, Accepted(None), **{"envelope.success": ("data.id is missing",)})
    assert Reading.SERVER_ERROR == read(half)


def test_a_5xx_body_is_robust_no_5xx_s_and_not_envelope_error_s() -> None:
    answer = exchange(500, Unrecognized("no Type", 500))
    assert ("HTTP 500",) == answer_check("robust.no-5xx")(answer, PROFILE)
    assert () == answer_check("envelope.error")(answer, PROFILE)
    assert () == answer_check("http.status")(answer, PROFILE)


def test_a_json_error_on_the_xml_wire_is_envelope_error_s_alone() -> None:
    answer = exchange(400, Unrecognized("not XML", 400))
    assert ("not XML",) == answer_check("envelope.error")(answer, PROFILE)
    assert () == answer_check("envelope.success")(answer, PROFILE)
    assert () == answer_check("http.status")(answer, PROFILE)


def test_the_message_check_applies_only_when_the_rule_is_the_only_reason() -> None:
    params = {
        "Source": "a@unverified.example",
        "Destination": {"ToAddresses": ["r@verified.example"]},
    }
    refusal = exchange(400, Rejected("X", "Message body is empty", 400))
    alone = Reject(frozenset({"sender.verified"}))
    assert rejection_problems("sender.verified", alone, refusal, PROFILE, params=params)
    gray = Reject(frozenset({"sender.verified"}), gray=("Message.Body has only empty Data",))
    assert () == rejection_problems("sender.verified", gray, refusal, PROFILE, params=params)
    both = Reject(frozenset({"sender.verified", "recipients.max"}))
    assert () == rejection_problems("sender.verified", both, refusal, PROFILE, params=params)
    quota = exchange(429, Rejected("Throttling", "Daily message quota exceeded.", 429))
    assert () == rejection_problems("sender.verified", alone, quota, PROFILE, params=params)
    no_message = exchange(400, Rejected("X", None, 400))  # envelope.error's finding
    assert () == rejection_problems("sender.verified", alone, no_message, PROFILE, params=params)


def _ids(folder: Path, pid: int, *entries: tuple[str, str]) -> None:
    lines = [
        json.dumps({"id": ident, "test": test, "size": 10, "ce": {"params": {}}})
        for ident, test in entries
    ]
    (folder / f"ids-{pid}{IDS_SUFFIX}").write_text("\n".join(lines) + "\n", "utf-8")


def test_recipients_valid_s_control_keeps_each_recipient_s_subdomain_depth() -> None:
    """A 254-character address lives under subdomains: refused by a sandboxed target that
    does not verify subdomains (the sandbox's reason), its control must be refused there
    too, and accepted by one whose only defect is in the address's form (its labels'
    length). Out of the sandbox the plain control stands."""
    control = get_check("recipients.valid").control
    assert control is not None
    longest = at_every_limit("verified.example")
    params = {
        "Source": "a@verified.example",
        "Destination": {"ToAddresses": ["x@verified.example"], "BccAddresses": [longest]},
        "Message": {"Subject": {"Data": "s"}},
    }
    expected = {
        **params,
        "Destination": {"ToAddresses": ["control@verified.example", "r@a.a.a.verified.example"]},
    }
    assert expected == control(params, PROFILE)
    outside = {
        **params,
        "Destination": {"ToAddresses": ["x@other.example", "y@b.Verified.Example"]},
    }
    assert ["control@verified.example", "r@a.verified.example"] == control(outside, PROFILE)[
        "Destination"
    ]["ToAddresses"]


def test_ids_are_judged_across_processes(tmp_path: Path) -> None:
    _ids(tmp_path, 1, ("a", "suite/test_x.py::t1"), ("b", "suite/test_x.py::t1"))
    _ids(tmp_path, 2, ("c", "suite/test_y.py::t2"))
    record = fold_ids(tmp_path)
    assert record is not None and "pass" == record["status"]
    assert 3 == record["examples"]
    _ids(tmp_path, 3, ("b", "suite/test_quota.py::after_reset"))
    record = fold_ids(tmp_path)
    assert record is not None and "fail" == record["status"]
    assert "'b'" in record["violations"][0]["summary"]
    assert "test_quota.py::after_reset" in record["violations"][0]["summary"]
    assert 1 == len((tmp_path / "monitor-ids.jsonl").read_text("utf-8").splitlines())


def test_a_skip_reason_is_one_clean_line() -> None:
    text = (
        "Skipped: the sesv2 protocol answers with no created_at\n"
        "Falsifying explicit example: test_created_at_is_now(\n    ctx=..."
    )
    assert "the sesv2 protocol answers with no created_at" == clean_skip_reason(text)


def test_plain_pytest_selects_rules_as_the_cli_does(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "pytest", "conformance", "-p", "conformance.plugin"]
    argv += ["-p", "no:cacheprovider", "-q", "--sesconf-rules", "recipients.min"]
    argv += ["--sesconf-report-dir", str(tmp_path), "--sesconf-max-examples", "2"]
    proc = subprocess.run(
        argv,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert 0 == proc.returncode, proc.stdout[-2000:] + proc.stderr[-2000:]
    summary = json.loads((tmp_path / "summary.json").read_text("utf-8"))
    assert 0 == summary["exit_code"]
    assert ["recipients.min"] == [rule["id"] for rule in summary["rules"]]
