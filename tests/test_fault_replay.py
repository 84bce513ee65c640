"""Replay agrees with the run: for each planted fault, a run of the rules it breaks fails
them, `sesconf replay` of that report against the same fault says STILL FAILING for every
failed rule (the same judgement and state checks as the run), and against the fixed
reference says FIXED. A rule judged over a sequence of sends (the quota) CANNOT REPLAY,
unless its counterexample is a burst of concurrent sends: that is re-sent several times
("reproduced k of n"). One protocol per fault (its first) and few examples keep each case
short; the seed is the default one."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.checks import get_check
from conformance.exitcodes import ExitCode, Outcome
from conformance.server.app import start_server
from conformance.server.faults import FAULTS, Fault
from tests._sesconf import Run, sesconf
from tests.test_planted_faults import MONITOR_ONLY, PROFILE, PROFILE_TOML

PLANTED = [fault for fault in FAULTS.values() if fault.broken_rules]
NEEDS_STATE = {
    "bad-error-on-quota": "its bad envelope comes only once the quota is used up: one "
    "request replayed against a fresh target is accepted (a limit of replay, not of the check)"
}
CASES = [pytest.param(f, id=f.name) for f in PLANTED if f.name not in NEEDS_STATE]
"""Every planted fault but those NEEDS_STATE names (an xfail would count as a skip in CI's
fresh-clone run, which allows none but the opted-out batteries)."""


def test_only_stateful_faults_are_left_out() -> None:
    left_out = {f.name for f in PLANTED} - {p.values[0].name for p in CASES}  # type: ignore[union-attr]
    assert set(NEEDS_STATE) == left_out


def _profile(tmp_path: Path, protocol: str) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(PROFILE_TOML.replace('protocol = "envelope"', f'protocol = "{protocol}"'))
    return path


def _replay(report: Path, profile: Path, url: str) -> Run:
    return sesconf(
        "replay", str(report), "--profile", str(profile), "--url", url, report_dir=report
    )


@pytest.mark.parametrize("fault", CASES)
def test_replay_gives_the_run_s_verdict_then_fixed(fault: Fault, tmp_path: Path) -> None:
    protocol = fault.protocols[0]
    expected = fault.expected_failures(protocol)
    profile = _profile(tmp_path, protocol)
    report = tmp_path / "report"
    rules = (
        [] if fault.name in MONITOR_ONLY else [a for r in sorted(expected) for a in ("--rules", r)]
    )
    with start_server(PROFILE, fault=fault.name) as server:
        run = sesconf(
            "run", "--profile", str(profile), "--url", server.url, *rules,
            "--max-examples", "2", "--strict", "--quiet", report_dir=report, timeout=900,
        )  # fmt: skip
        failed = {rule for rule, outcome in run.outcomes().items() if outcome == Outcome.FAIL}
        assert expected == failed, run.stdout[-3000:] + run.stderr[-2000:]
        again = _replay(report, profile, server.url)
    bursts = {r["id"] for r in run.summary["rules"] if (r["counterexample"] or {}).get("burst")}
    replayable = {r for r in failed if not get_check(r).stateful or r in bursts}
    words = {r: "STILL FAILING" if r in replayable else "CANNOT REPLAY" for r in failed}
    assert ExitCode.RULE_FAILED == again.returncode, again.stdout + again.stderr
    assert words == _words(again.stdout, failed), again.stdout
    with start_server(PROFILE) as server:
        fixed = _replay(report, profile, server.url)
    want = {r: "FIXED" if r in replayable else "CANNOT REPLAY" for r in failed}
    assert want == _words(fixed.stdout, failed), fixed.stdout
    code = ExitCode.OK if replayable == failed else ExitCode.RULE_FAILED
    assert code == fixed.returncode, fixed.stdout + fixed.stderr


def _words(stdout: str, rules: set[str]) -> dict[str, str]:
    """Each rule's replay word, read off `sesconf replay`'s lines."""
    found: dict[str, str] = {}
    for line in stdout.splitlines():
        for word in ("STILL FAILING", "CANNOT REPLAY", "FIXED", "NO ANSWER"):
            rest = line.removeprefix(word).split()
            if line.startswith(word) and rest and rest[0] in rules:
                found[rest[0]] = word
    return found
