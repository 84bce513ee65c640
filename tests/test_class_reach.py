"""Every declared class of every rule is reached by every default run (issue 8).

The classes are declared in conformance/classes.py from rules.md; each request's classes
are read off the request itself. The explicit class examples in strategies/ must hit
every declared class on their own (fast check), and a real default run against the
reference must report 100% reach in summary.json and `run --coverage` (slow check).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from conformance.class_shape import MALFORMED
from conformance.classes import _RULES, declared, observed
from conformance.exitcodes import ExitCode
from conformance.profile import load_builtin_profile, with_protocol
from conformance.report.summary import class_reach
from sesconf_strategies.class_examples import (
    count_class_cases,
    min_class_cases,
    recipient_class_cases,
    sandbox_class_cases,
    sender_class_cases,
)
from sesconf_strategies.class_examples_shape import (
    request_class_cases,
    robust_class_cases,
    size_class_cases,
)
from sesconf_strategies.raw_cases import RAW_CASES, raw_class_cases
from sesconf_strategies.tags import tag_class_cases
from tests._sesconf import sesconf

REFERENCE = load_builtin_profile("reference")
RAW_WIRE = with_protocol(REFERENCE, "ses-query")
"""Raw messages travel over the SES wires only: their classes are declared there."""
EXAMPLES = {
    "recipients.valid": recipient_class_cases,
    "sender.verified": sender_class_cases,
    "sandbox.recipients": sandbox_class_cases,
    "recipients.max": count_class_cases,
    "recipients.min": min_class_cases,
    "size.max": size_class_cases,
    "request.required": request_class_cases,
    "robust.no-5xx": robust_class_cases,
    "tags.valid": tag_class_cases,
    **{rule: RAW_CASES[rule] for rule in ("raw.mime", "raw.line-length", "raw.encoding")},
}
RAW_ONLY = {f"malformed: {m}" for m in MALFORMED}
"""Raw bodies: test_robust records these by name (no request to classify)."""
STATE_ONLY = {"quota.recipients"}
"""Classes decided by the target's state: the quota walk names them as it sends (the
default run's 100% reach below is their check)."""


def test_every_rule_with_classes_has_explicit_examples() -> None:
    assert set(_RULES) - STATE_ONLY == set(EXAMPLES)


def test_state_classes_are_declared_and_read_off_no_request() -> None:
    assert [] != list(declared("quota.recipients", REFERENCE))
    assert () == observed("quota.recipients", {"Source": "a@verified.example"}, REFERENCE)


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_the_explicit_examples_reach_every_declared_class(rule_id: str) -> None:
    reached: set[str] = set()
    for case in EXAMPLES[rule_id](REFERENCE):
        reached |= set(observed(rule_id, case.request.params, REFERENCE))
    missed = [c for c in declared(rule_id, REFERENCE) if c not in reached | RAW_ONLY]
    assert [] == missed


@pytest.mark.parametrize("rule_id", sorted(RAW_CASES))
def test_the_raw_examples_reach_every_raw_class_over_a_ses_wire(rule_id: str) -> None:
    reached: set[str] = set()
    for case in raw_class_cases(rule_id, RAW_WIRE):
        reached |= set(observed(rule_id, case.request.params, RAW_WIRE))
    raw = [c for c in declared(rule_id, RAW_WIRE) if c.startswith("raw: ")]
    assert len(raw) >= (1 if rule_id == "robust.no-5xx" else 3)  # one wrong type, so far
    assert [] == [c for c in raw if c not in reached]


def test_raw_classes_are_declared_only_where_raw_messages_travel() -> None:
    assert () == declared("raw.mime", REFERENCE)
    assert not [c for c in declared("sender.verified", REFERENCE) if c.startswith("raw: ")]
    assert declared("raw.mime", with_protocol(REFERENCE, "sesv2"))


def test_raw_classes_are_read_off_the_message_not_the_generator() -> None:
    (case,) = [c for c in raw_class_cases("recipients.max", RAW_WIRE) if "51 with" in c.labels[0]]
    assert ("raw: 51 over headers with a group",) == observed(
        "recipients.max", case.request.params, RAW_WIRE
    )
    fewer = dict(case.request.params, Destinations=["r1@verified.example"])
    assert "raw: 51 over headers with a group" not in observed("recipients.max", fewer, RAW_WIRE)


def test_classes_are_read_off_the_request_not_the_generator() -> None:
    to = {"ToAddresses": ["ok@verified.example", "a..b@verified.example"]}
    found = observed("recipients.valid", {"Destination": to}, REFERENCE)
    assert ("valid in To", "invalid: double dot in To", "invalid at last of To") == found
    shrunk = {"Destination": {"ToAddresses": ["ok@verified.example"]}}
    assert ("valid in To",) == observed("recipients.valid", shrunk, REFERENCE)


@pytest.mark.parametrize(
    ("rule_id", "params", "wanted", "present"),
    [
        pytest.param(
            "sender.verified",
            {"Source": '"sender@verified.example" <a@unverified.example>'},
            "identity: not verified, a verified address as display name",
            True,
            id="verified-name-unverified-address",
        ),
        pytest.param(
            "sender.verified",
            {"Source": '"a@unverified.example" <sender@verified.example>'},
            "identity: not verified, a verified address as display name",
            False,
            id="verified-address-in-angles",
        ),
        pytest.param(
            "sender.verified",
            {"Source": "Mixed.Case@OTHER.example"},
            "identity: address identity with its domain in another case",
            True,
            id="identity-domain-case",
        ),
        pytest.param(
            "sender.verified",
            {"Source": "mixed.case@OTHER.example"},
            "identity: address identity with its domain in another case",
            False,
            id="identity-local-case-too",
        ),
        pytest.param(
            "recipients.valid",
            {"Destination": {"CcAddresses": ["a@verified.example", "b@verified.example\r\n"]}},
            "invalid: line break at the end, at last of Cc",
            True,
            id="line-break-at-end",
        ),
        pytest.param(
            "recipients.valid",
            {"Destination": {"CcAddresses": ["a@verified.example", "b@verified\n.example"]}},
            "invalid: line break at the end, at last of Cc",
            False,
            id="line-break-inside",
        ),
    ],
)
def test_the_issue_17_classes_are_read_off_the_request(
    rule_id: str, params: dict[str, object], wanted: str, present: bool
) -> None:
    assert present == (wanted in observed(rule_id, params, REFERENCE))


def test_sandbox_classes_are_owed_only_in_the_sandbox() -> None:
    production = replace(REFERENCE, account=replace(REFERENCE.account, sandbox=False))
    assert () == declared("sandbox.recipients", production)
    assert declared("sandbox.recipients", REFERENCE)


def test_class_reach_counts_and_names_the_missed() -> None:
    wanted = declared("recipients.min", REFERENCE)
    events = {f"class: {wanted[0]}": 3, "class: not declared": 1, "other event": 2}
    reach = class_reach("recipients.min", events, REFERENCE, ran=True)
    assert 3 == reach["classes"][wanted[0]]
    assert list(wanted[1:]) == reach["classes_missed"]
    assert {"classes": {}, "classes_missed": []} == class_reach(
        "recipients.min", events, REFERENCE, ran=False
    )


@pytest.mark.slow
def test_a_default_run_reaches_every_declared_class(tmp_path: Path) -> None:
    run = sesconf("run", "--coverage", report_dir=tmp_path, timeout=900)
    assert ExitCode.OK == run.returncode, run.stdout[-3000:] + run.stderr[-2000:]
    summary = run.summary
    missed = {r["id"]: r["classes_missed"] for r in summary["rules"] if r.get("classes_missed")}
    assert {} == missed
    totals = summary["class_reach"]
    assert totals["declared"] == totals["reached"] > 300
    assert f"{totals['reached']} of {totals['declared']} reached, 0 missed" in run.stdout
    html = (tmp_path / "index.html").read_text("utf-8")
    assert "Declared classes (" in html
