"""`sesconf replay`: a real report from a real run, replayed against real servers."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
import requests

from conformance.commands import replay
from conformance.exitcodes import ExitCode
from conformance.profile import load_builtin_profile
from conformance.protocols.clients import make_client
from conformance.rules import RULES
from conformance.server.app import start_server
from conformance.server.faults import FAULTS
from conformance.suite.rejudge import replayable
from conformance.suite.support import TargetSession
from tests._hostile import html_500
from tests._servers import RawServer, closed_port_url
from tests._sesconf import sesconf
from tests.test_moto_server import moto_url  # noqa: F401  (the fixture)

PROFILE = load_builtin_profile("reference")


def _replay(*argv: str) -> ExitCode:
    parser = argparse.ArgumentParser()
    replay.add_parser(parser.add_subparsers())
    args = parser.parse_args(["replay", *argv])
    return args.func(args)


@pytest.fixture(scope="module", params=["constant-id", "500-on-malformed-json"])
def faulted_report(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    """(fault, report dir): the suite run on a server with that fault, which its rule fails."""
    return _faulted_run(request.param, tmp_path_factory)


def _faulted_run(fault: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The suite run on the reference with `fault` planted: its rule, and it alone, fails."""
    rule_id = FAULTS[fault].rule_id
    report_dir = tmp_path_factory.mktemp(fault)
    with start_server(PROFILE, fault=fault) as server:
        run = sesconf(
            "run", "--url", server.url, "--rules", rule_id, "--max-examples", "5",
            report_dir=report_dir,
        )  # fmt: skip
    assert 1 == run.returncode, run.stdout + run.stderr
    assert {rule_id} == run.failed()
    return fault, report_dir


def test_replay_on_the_faulted_server_still_fails_and_on_the_reference_is_fixed(
    faulted_report: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    fault, report_dir = faulted_report
    rule_id = FAULTS[fault].rule_id
    ce = json.loads((report_dir / "summary.json").read_text("utf-8"))["rules"]
    assert any(r["id"] == rule_id and r["counterexample"] for r in ce)

    with start_server(PROFILE, fault=fault) as server:
        assert ExitCode.RULE_FAILED == _replay(str(report_dir), "--url", server.url)
    out = capsys.readouterr().out
    assert f"STILL FAILING  {rule_id}" in out
    assert "expected" in out

    with start_server(PROFILE) as server:
        assert ExitCode.OK == _replay(str(report_dir), "--url", server.url, "--rule", rule_id)
    out = capsys.readouterr().out
    assert f"FIXED          {rule_id}" in out
    assert "STILL FAILING" not in out


ON_A_500_PAGE = {
    "accept-51-recipients": (ExitCode.TARGET_UNREACHABLE, "NO ANSWER", "no readable answer: "),
    "500-on-malformed-json": (ExitCode.RULE_FAILED, "STILL FAILING", "HTTP 500"),
}
"""Replay against a target answering a 500 page: no reading is no fix (issue 17), as the
run finds such a rule broken; robust.no-5xx reads the 5xx, and it still fails."""


@pytest.mark.parametrize("fault", sorted(ON_A_500_PAGE))
def test_an_answer_replay_cannot_read_is_no_fix(
    fault: str, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    _, report_dir = _faulted_run(fault, tmp_path_factory)
    rule_id = FAULTS[fault].rule_id
    with RawServer(html_500) as server:
        code = _replay(str(report_dir), "--url", server.url)
    line = next(x for x in capsys.readouterr().out.splitlines() if f"  {rule_id}  " in x)
    word, _, detail = (part.strip() for part in line.partition(f"  {rule_id}  "))
    expected_code, expected_word, expected_detail = ON_A_500_PAGE[fault]
    assert (expected_code, expected_word) == (code, word)
    assert detail.startswith(expected_detail), detail


def test_the_report_url_is_the_default_target(
    faulted_report: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, report_dir = faulted_report
    # the faulted server of the run is gone: its URL refuses connections
    assert ExitCode.TARGET_UNREACHABLE == _replay(str(report_dir))
    assert "target unreachable" in capsys.readouterr().err


def test_unreachable_url_exits_3(
    faulted_report: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, report_dir = faulted_report
    assert ExitCode.TARGET_UNREACHABLE == _replay(str(report_dir), "--url", closed_port_url())
    assert "--url" in capsys.readouterr().err


def test_a_directory_without_summary_exits_2_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ExitCode.USAGE_ERROR == _replay(str(tmp_path))
    assert "no summary.json" in capsys.readouterr().err
    assert ExitCode.USAGE_ERROR == _replay(str(tmp_path / "missing"))
    (tmp_path / "summary.json").write_text("{not json", "utf-8")
    assert ExitCode.USAGE_ERROR == _replay(str(tmp_path))
    assert "not valid JSON" in capsys.readouterr().err


def test_an_unknown_rule_exits_2(
    faulted_report: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, report_dir = faulted_report
    assert ExitCode.USAGE_ERROR == _replay(str(report_dir), "--rule", "no.such-rule")
    assert "no.such-rule" in capsys.readouterr().err


def test_a_report_without_failures_has_nothing_to_replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = sesconf("run", "--rules", "size.max", "--max-examples", "2", report_dir=tmp_path)
    assert 0 == run.returncode, run.stdout + run.stderr
    assert ExitCode.OK == _replay(str(tmp_path))
    assert "nothing to replay" in capsys.readouterr().out


def test_a_stateful_rule_cannot_be_replayed_alone() -> None:
    ce = replay.Counterexample("quota.recipients", "fail", {"Source": "x"}, None, "")
    verdict = replay.replay_one(None, ce)  # type: ignore[arg-type]  # never reaches a target
    assert "cannot replay" == verdict.status
    assert ExitCode.RULE_FAILED == replay.exit_code_for([verdict])


# --- one replay per rule: STILL FAILING while the fault is there, FIXED once it is gone ----

REPLAYED: tuple[tuple[str, str, str], ...] = (
    ("sender.verified", "lookalike-domain-verified", "envelope"),
    ("sandbox.recipients", "sandbox-ignored", "envelope"),
    ("size.max", "size-too-strict", "envelope"),
    ("recipients.min", "accept-zero-recipients", "envelope"),
    ("recipients.valid", "bcc-not-validated", "envelope"),
    ("recipients.max", "accept-51-recipients", "envelope"),
    ("request.required", "accept-missing-subject", "envelope"),
    ("envelope.success", "success-as-string", "envelope"),
    ("envelope.error", "error-with-data", "envelope"),
    ("envelope.id-unique", "constant-id", "envelope"),
    ("envelope.created-at", "created-at-stale", "envelope"),
    ("http.status", "status-200-on-error", "envelope"),
    ("http.content-type", "problem-json-errors", "envelope"),
    ("robust.no-5xx", "500-on-wrong-type", "envelope"),
    ("ses.error-codes", "query-wrong-code", "ses-query"),
    ("tags.valid", "tags-after-identities", "ses-query"),
    ("raw.mime", "raw-no-blank-line-accepted", "ses-query"),
    ("raw.line-length", "raw-line-length-unchecked", "ses-query"),
    ("envelope.success", "bad-success-at-limit", "ses-query"),  # a monitor's finding
)
ALSO_RUN = {"bad-success-at-limit": ("--rules", "recipients.max")}
"""A monitor's finding shows in another rule's traffic (exactly 50 recipients)."""


def test_every_rule_has_a_replay_check_or_is_stateful() -> None:
    stateless = {rule for rule in RULES if replayable(rule)}
    # raw.encoding is INFO: recorded, never failed, so nothing of it is ever replayed
    assert {"quota.recipients", "rate.max-send-rate", "raw.encoding"} == set(RULES) - stateless
    assert stateless == {rule for rule, _, _ in REPLAYED}


@pytest.mark.parametrize(("rule_id", "fault", "protocol"), REPLAYED, ids=[r[1] for r in REPLAYED])
def test_replay_says_still_failing_until_the_fault_is_gone(
    rule_id: str, fault: str, protocol: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strict = (
        []
        if rule_id
        not in (
            "ses.error-codes",
            "http.status",
            "envelope.created-at",
            "http.content-type",
            "tags.valid",
            "raw.line-length",
        )
        else ["--strict"]
    )
    with start_server(PROFILE, fault=fault) as server:
        run = sesconf(
            "run", "--url", server.url, "--protocol", protocol, "--rules", rule_id,
            *ALSO_RUN.get(fault, ()),
            "--max-examples", "10" if rule_id == "ses.error-codes" else "3", *strict,
            report_dir=tmp_path,
        )  # fmt: skip
        assert {rule_id} == run.failed(), run.stdout + run.stderr
        # a fresh server with the same fault: the request alone shows it again
    with start_server(PROFILE, fault=fault) as server:
        assert ExitCode.RULE_FAILED == _replay(str(tmp_path), "--url", server.url)
    out = capsys.readouterr().out
    assert f"STILL FAILING  {rule_id}" in out, out
    with start_server(PROFILE) as server:
        assert ExitCode.OK == _replay(str(tmp_path), "--url", server.url)
    out = capsys.readouterr().out
    assert f"FIXED          {rule_id}" in out, out


def test_a_rule_without_a_registered_check_cannot_be_replayed() -> None:
    ce = replay.Counterexample("no.such-rule", "fail", {"Source": "x"}, None, "")
    with start_server(PROFILE) as server:
        profile = PROFILE.with_url(server.url)
        session = TargetSession(profile=profile, client=make_client(profile), max_examples=1)
        verdict = replay.replay_one(session, ce)
    assert "cannot replay" == verdict.status
    assert "no.such-rule" in verdict.detail
    assert ExitCode.RULE_FAILED == replay.exit_code_for([verdict])


@pytest.mark.slow
def test_replay_provisions_identities_on_an_emulator(
    moto_url: str,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """moto refuses a@VERIFIED.EXAMPLE (case) and subdomains. Replayed on a moto whose
    identities were wiped, the control only passes if replay verified them first."""
    run = sesconf(
        "run", "--target", "moto", "--url", moto_url, "--rules", "sender.verified",
        "--max-examples", "3", report_dir=tmp_path,
    )  # fmt: skip
    assert {"sender.verified"} == run.failed(), run.stdout + run.stderr
    requests.post(moto_url + "moto-api/reset", timeout=10).raise_for_status()
    assert ExitCode.RULE_FAILED == _replay(str(tmp_path), "--target", "moto", "--url", moto_url)
    out = capsys.readouterr().out
    assert "STILL FAILING  sender.verified" in out, out
    with start_server(PROFILE) as server:
        assert ExitCode.OK == _replay(str(tmp_path), "--url", server.url)
    assert "FIXED          sender.verified" in capsys.readouterr().out
