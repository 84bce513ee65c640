"""Each rule's check can fail: every planted fault makes `sesconf run` exit 1 naming its rule.

The variants live in conformance/server/faults.py; each breaks one thing in the reference.
A correct-but-different variant (other legal codes and statuses, other gray-zone choices,
300 ms of latency) must pass: the suite may never be wrong about a conformant target.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.exitcodes import ExitCode
from conformance.profile import load_builtin_profile
from conformance.rules import RULES, Level
from conformance.server.app import start_server
from conformance.server.faults import FAULTS, Fault
from tests._sesconf import sesconf

REFERENCE = load_builtin_profile("reference")
PROTOCOL_OF_WIRE = {None: "envelope", "envelope": "envelope", "ses-query": "ses-query"}
PLANTED = [f for f in FAULTS.values() if f.rule_id is not None]


def _run_against(fault: Fault, tmp_path: Path, *args: str) -> tuple[int, set[str], str]:
    protocol = PROTOCOL_OF_WIRE[fault.wire]
    with start_server(REFERENCE, fault=fault.name) as server:
        run = sesconf(
            "run",
            "--url",
            server.url,
            "--protocol",
            protocol,
            *args,
            report_dir=tmp_path,
            timeout=900,
        )
    return run.returncode, run.failed(), run.stdout[-4000:] + run.stderr[-2000:]


@pytest.mark.parametrize("fault", PLANTED, ids=[f.name for f in PLANTED])
def test_each_planted_fault_fails_its_rule(fault: Fault, tmp_path: Path) -> None:
    strict = ["--strict"] if RULES[fault.rule_id].level is not Level.MUST else []
    code, failed, output = _run_against(fault, tmp_path, "--max-examples", "10", *strict)
    assert ExitCode.RULE_FAILED == code, output
    assert fault.rule_id in failed, output


def test_every_must_rule_and_both_envelopes_have_a_planted_fault() -> None:
    covered = {f.rule_id for f in PLANTED}
    must = {r.id for r in RULES.values() if r.level is Level.MUST}
    assert must <= covered
    assert {"envelope.success", "envelope.error"} <= covered
    assert len([f for f in PLANTED if f.wire != "ses-query"]) >= 25
    assert len([f for f in PLANTED if f.wire == "ses-query"]) >= 10


@pytest.mark.parametrize("protocol", ["envelope", "ses-query"])
def test_a_correct_but_different_target_passes(protocol: str, tmp_path: Path) -> None:
    with start_server(REFERENCE, fault="different-but-correct") as server:
        run = sesconf(
            "run",
            "--url",
            server.url,
            "--protocol",
            protocol,
            "--max-examples",
            "4",
            "--strict",
            report_dir=tmp_path,
            timeout=900,
        )
    assert ExitCode.OK == run.returncode, run.stdout[-4000:] + run.stderr[-2000:]
