"""`--expectations FILE`: known failures, WPT-style (conformance/expectations.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.errors import ProfileError
from conformance.exitcodes import ExitCode
from conformance.expectations import (
    Expectations,
    ExpectedFailure,
    apply_expectations,
    load_expectations,
)
from conformance.profile import load_builtin_profile
from conformance.rules import RULES
from conformance.server.app import start_server
from tests._sesconf import sesconf

REPO = Path(__file__).resolve().parent.parent
REFERENCE = load_builtin_profile("reference")


def _expect(*rule_ids: str, target: str = "moto", protocol: str = "ses-query") -> Expectations:
    return Expectations(
        "moto-x.toml",
        target,
        protocol,
        tuple(ExpectedFailure(r, f"because {r}") for r in rule_ids),
    )


def _summary(outcomes: dict[str, str], *, exit_code: int | None = None) -> dict[str, Any]:
    if exit_code is None:
        exit_code = 1 if "fail" in outcomes.values() else 0
    return {
        "target": {"name": "moto", "protocol": "ses-query", "url": "http://127.0.0.1:5000/"},
        "exit_code": exit_code,
        "exit_name": ExitCode(exit_code).name,
        "verdict": "whatever",
        "rules": [{"id": rule_id, "outcome": outcome} for rule_id, outcome in outcomes.items()],
    }


# --- applying: table tests -----------------------------------------------------------------

CASES = [
    # (name, outcomes, expected rules, exit, lines)
    (
        "exactly the expected failures",
        {"size.max": "fail", "recipients.max": "pass", "ses.error-codes": "non-strict"},
        ("size.max", "ses.error-codes"),
        ExitCode.OK,
        [],
    ),
    (
        "nothing expected, nothing failed",
        {"size.max": "pass", "sandbox.recipients": "skip"},
        (),
        ExitCode.OK,
        [],
    ),
    (
        "a new failure",
        {"size.max": "fail", "recipients.max": "fail"},
        ("size.max",),
        ExitCode.RULE_FAILED,
        ["unexpected failure: recipients.max"],
    ),
    (
        "a new non-strict failure counts too",
        {"size.max": "fail", "http.status": "non-strict"},
        ("size.max",),
        ExitCode.RULE_FAILED,
        ["unexpected failure: http.status"],
    ),
    (
        "an expected failure that passed",
        {"size.max": "pass"},
        ("size.max",),
        ExitCode.RULE_FAILED,
        ["unexpected pass: size.max (expected to fail: because size.max)"],
    ),
    (
        "an expected failure that was skipped",
        {"size.max": "fail", "sandbox.recipients": "skip"},
        ("size.max", "sandbox.recipients"),
        ExitCode.RULE_FAILED,
        ["unconfirmed: sandbox.recipients was skip, so its expected failure could not be checked"],
    ),
    (
        "an expected failure that was not selected is left out",
        {"recipients.max": "pass"},
        ("size.max",),
        ExitCode.OK,
        ["not selected: size.max (expected to fail; not compared)"],
    ),
    (
        "both ways at once, in catalogue order",
        {"sender.verified": "pass", "size.max": "fail", "robust.no-5xx": "fail"},
        ("robust.no-5xx", "sender.verified"),
        ExitCode.RULE_FAILED,
        [
            "unexpected failure: size.max",
            "unexpected pass: sender.verified (expected to fail: because sender.verified)",
        ],
    ),
]


@pytest.mark.parametrize(
    ("outcomes", "expected", "code", "lines"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_apply_expectations(
    outcomes: dict[str, str], expected: tuple[str, ...], code: ExitCode, lines: list[str]
) -> None:
    summary = _summary(outcomes)
    got, printed = apply_expectations(summary, _expect(*expected))
    assert code == got
    assert lines == printed[:-1]
    assert printed[-1].startswith("expectations: " + ("matched" if code == 0 else "NOT matched"))
    record = summary["expectations"]
    assert record["file"] == "moto-x.toml"
    assert record["matched"] is (code == ExitCode.OK)
    assert record["unexpected_failures"] == [
        line.split(": ")[1] for line in lines if line.startswith("unexpected failure")
    ]
    assert record["unexpected_passes"] == [
        line.split(": ")[1].split(" ")[0] for line in lines if line.startswith("unexpected pass")
    ]
    assert summary["exit_code"] == int(code)
    assert summary["exit_name"] == code.name


@pytest.mark.parametrize("suite_code", [ExitCode.TARGET_UNREACHABLE, ExitCode.INTERNAL_ERROR])
def test_an_invalid_run_keeps_its_exit_code(suite_code: ExitCode) -> None:
    """Expectations judge rule outcomes; they cannot make a broken run pass."""
    summary = _summary({"size.max": "fail", "recipients.max": "broken"}, exit_code=suite_code)
    code, _ = apply_expectations(summary, _expect("size.max"))
    assert suite_code == code
    assert summary["expectations"]["suite_exit_code"] == int(suite_code)


def test_an_expected_rule_that_is_broken_is_unconfirmed() -> None:
    summary = _summary({"size.max": "broken"}, exit_code=ExitCode.TARGET_UNREACHABLE)
    code, lines = apply_expectations(summary, _expect("size.max"))
    assert ExitCode.TARGET_UNREACHABLE == code
    assert summary["expectations"]["unconfirmed"] == ["size.max"]
    assert lines[0].startswith("unconfirmed: size.max was broken")


def test_a_file_for_another_target_or_protocol_is_not_applied() -> None:
    summary = _summary({"size.max": "fail"})
    code, lines = apply_expectations(summary, _expect("size.max", protocol="sesv2"))
    assert ExitCode.USAGE_ERROR == code
    assert "protocol 'sesv2' (this run: 'ses-query')" in lines[0]
    assert summary["expectations"]["matched"] is False


# --- loading ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('target = "moto"\nprotocol = "sesv2"\n[fail."no.such-rule"]\nwhy = "x"\n', "no.such-rule"),
        ('target = "moto"\nprotocol = "sesv2"\n[fail."size.max"]\n', 'fail."size.max".why'),
        ('target = "moto"\nprotocol = "sesv2"\n[fail."size.max"]\nwhy = ""\n', "size.max"),
        ('target = "moto"\nprotocol = "sesv2"\n[fail."size.max"]\nwhy="x"\nbug=1\n', "bug"),
        ('target = "moto"\nprotocol = "sesv2"\nmoto_version = "5"\n', "moto_version"),
        ('target = "moto"\nprotocol = "smtp"\n', "protocol"),
        ('protocol = "sesv2"\n', "target"),
        ('target = "moto"\n', "protocol"),
        ('target = "moto"\nprotocol = "sesv2"\nfail = 3\n', "fail"),
        ("not toml at all", "not valid TOML"),
    ],
)
def test_a_bad_file_is_a_profile_error_naming_the_key(
    tmp_path: Path, text: str, named: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ProfileError, match=None) as caught:
        load_expectations(path)
    assert named in str(caught.value)
    assert str(path) in str(caught.value)


def test_a_bad_file_makes_sesconf_run_exit_2_before_running(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('target = "reference"\nprotocol = "envelope"\n[fail."nope"]\nwhy = "x"\n')
    run = sesconf("run", "--expectations", str(path), report_dir=tmp_path / "r", timeout=60)
    assert ExitCode.USAGE_ERROR == run.returncode
    assert 'fail."nope": unknown rule id' in run.stderr
    assert not (tmp_path / "r" / "summary.json").exists()


@pytest.mark.parametrize(
    "name", sorted(p.name for p in (REPO / "conformance/expectations").glob("*.toml"))
)
def test_the_shipped_files_load(name: str) -> None:
    loaded = load_expectations(REPO / "conformance" / "expectations" / name)
    assert loaded.failures
    assert all(f.rule_id in RULES and f.why.strip() for f in loaded.failures)
    assert name == f"{loaded.target}-{loaded.protocol}.toml"


# --- a real run: the reference server with a planted fault ----------------------------------

PLANTED = """\
target = "reference"
protocol = "envelope"

[fail."recipients.max"]
why = "planted fault accept-51-recipients (conformance/server/faults.py): 51 accepted"
"""


def _run(tmp_path: Path, fault: str | None, expectations: Path) -> tuple[int, dict[str, Any], str]:
    # Only the recipients.* rules: the planted fault also shows in rules whose requests
    # include 51 recipients (envelope.error, http.status), which is not what this tests.
    with start_server(REFERENCE, fault=fault) as server:
        run = sesconf(
            "run", "--url", server.url, "--rules", "recipients.*", "--max-examples", "10",
            "--expectations", str(expectations), report_dir=tmp_path / "r", timeout=600,
        )  # fmt: skip
    return run.returncode, run.summary, run.stdout[-3000:] + run.stderr[-2000:]


def test_a_planted_fault_named_in_the_file_matches(tmp_path: Path) -> None:
    path = tmp_path / "reference-envelope.toml"
    path.write_text(PLANTED)
    code, summary, output = _run(tmp_path, "accept-51-recipients", path)
    assert ExitCode.OK == code, output
    assert "expectations: matched (1 expected failure) by reference-envelope.toml" in output
    assert {"recipients.max"} == {r["id"] for r in summary["rules"] if r["outcome"] == "fail"}
    assert summary["exit_code"] == 0
    record = summary["expectations"]
    assert record["matched"] is True
    assert (record["unexpected_failures"], record["unexpected_passes"]) == ([], [])
    assert record["suite_exit_code"] == ExitCode.RULE_FAILED
    on_disk = json.loads((tmp_path / "r" / "summary.json").read_text("utf-8"))
    assert on_disk["expectations"] == record


def test_the_same_file_against_the_clean_reference_is_an_unexpected_pass(tmp_path: Path) -> None:
    path = tmp_path / "reference-envelope.toml"
    path.write_text(PLANTED)
    code, summary, output = _run(tmp_path, None, path)
    assert ExitCode.RULE_FAILED == code, output
    assert (
        "unexpected pass: recipients.max (expected to fail: planted fault "
        "accept-51-recipients (conformance/server/faults.py): 51 accepted)"
    ) in output
    assert summary["expectations"]["unexpected_passes"] == ["recipients.max"]
    assert summary["expectations"]["matched"] is False
    assert summary["exit_code"] == 1
