"""`sesconf replay`: a real report from a real run, replayed against real servers."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from conformance.commands import replay
from conformance.exitcodes import ExitCode
from conformance.profile import load_builtin_profile
from conformance.server.app import start_server
from conformance.server.faults import FAULTS
from tests._servers import closed_port_url
from tests._sesconf import sesconf

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
    fault = request.param
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
