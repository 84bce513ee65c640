"""The burst tests of the state rules (conformance/suite/test_state_bursts.py), run as users
run them: `sesconf run` and `sesconf replay` against real reference servers on 127.0.0.1.

The planted races (quota checked then counted, an unlocked id counter, a partial delivery
while another send is in flight) are rows of tests/test_planted_faults.py's table, so the
opt-in seed sweep covers them; here: the correct reference passes the burst tests over
every protocol, a rate that forbids a burst skips them saying why, a burst counterexample
is replayed several times ("reproduced k of n"), and the pieces hold on their own.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from conformance.checks.burst import (
    Burst,
    atomic_burst,
    burst_from_record,
    id_burst,
    judge_burst,
    quota_burst,
    smaller,
)
from conformance.exitcodes import ExitCode
from conformance.model import Accepted, SendEmailRequest
from conformance.protocols.burst import send_together
from conformance.protocols.clients import make_client
from conformance.server.app import start_server
from conformance.server.fault_type import PROTOCOLS
from tests._sesconf import Run, sesconf
from tests.test_planted_faults import PROFILE, PROFILE_TOML, RACES, RULE_FAULTS, SEEDS

BURST_TESTS = {
    "test_state_bursts.py::test_quota_burst",
    "test_state_bursts.py::test_id_burst",
    "test_state_bursts.py::test_atomic_burst",
}
STATE_RULES = ("quota.recipients", "envelope.id-unique", "recipients.valid")


def _profile(tmp_path: Path, protocol: str = "envelope", extra: str = "") -> Path:
    path = tmp_path / "small.toml"
    text = PROFILE_TOML.replace('protocol = "envelope"', f'protocol = "{protocol}"')
    path.write_text(text + extra, "utf-8")
    return path


def _run(profile: Path, url: str, report: Path, *rules: str, extra: tuple[str, ...] = ()) -> Run:
    selected = [a for rule in rules for a in ("--rules", rule)]
    return sesconf(
        "run", "--profile", str(profile), "--url", url, *selected, *extra, "--max-examples", "2",
        "--strict", "--quiet", report_dir=report, timeout=900,
    )  # fmt: skip


def _records(report: Path) -> dict[str, dict[str, Any]]:
    """Each test's record (status, reason), by node id."""
    found: dict[str, dict[str, Any]] = {}
    for path in (report / "records").glob("*.jsonl"):
        for line in path.read_text("utf-8").splitlines():
            record = json.loads(line)
            found[record["nodeid"]] = record
    return found


SWEEP = [(protocol, seed) for protocol in PROTOCOLS for seed in [None, *SEEDS]]
"""Every protocol at the default seed, and at each seed of the opt-in sweep."""


@pytest.mark.parametrize(
    ("protocol", "seed"), SWEEP, ids=[f"{p}-seed{s}" if s else p for p, s in SWEEP]
)
def test_the_correct_reference_passes_every_burst(
    protocol: str, seed: int | None, tmp_path: Path
) -> None:
    report = tmp_path / "report"
    seeded = ("--seed", str(seed)) if seed is not None else ()
    with start_server(PROFILE) as server:
        run = _run(_profile(tmp_path, protocol), server.url, report, *STATE_RULES, extra=seeded)
        assert 0 == server.engine.internal_errors
    assert ExitCode.OK == run.returncode, run.stdout[-3000:] + run.stderr[-2000:]
    records = _records(report)
    assert {t: "pass" for t in BURST_TESTS} == {t: records[t]["status"] for t in BURST_TESTS}
    assert {"pass"} == {run.outcomes()[rule] for rule in STATE_RULES}


def test_a_rate_that_forbids_a_burst_skips_saying_why(tmp_path: Path) -> None:
    report = tmp_path / "report"
    slow = _profile(tmp_path, extra="\n[safety]\nrate_per_s = 4\n")
    with start_server(PROFILE) as server:
        run = _run(slow, server.url, report, "envelope.id-unique")
    assert ExitCode.OK == run.returncode, run.stdout[-3000:] + run.stderr[-2000:]
    record = _records(report)["test_state_bursts.py::test_id_burst"]
    assert "skip" == record["status"]
    assert "the send rate (4 a second: safety.rate_per_s" in record["reason"]
    assert "forbids 8 sends released together" in record["reason"]
    assert "pass" == run.outcomes()["envelope.id-unique"]  # the one-at-a-time test ran


def test_a_burst_counterexample_is_replayed_k_of_n_times(tmp_path: Path) -> None:
    report = tmp_path / "report"
    profile = _profile(tmp_path)
    with start_server(PROFILE, fault="quota-check-then-count") as server:
        run = _run(profile, server.url, report, "quota.recipients")
        assert {"quota.recipients"} == run.failed(), run.stdout[-3000:]
        burst = burst_from_record(run.summary["rules"][0]["counterexample"]["burst"])
        assert burst is not None and "quota" == burst.kind
        assert 2 <= len(burst.sends) < PROFILE.account.burst_size  # shrunk
        again = sesconf("replay", str(report), "--profile", str(profile), "--url", server.url,
                        report_dir=report)  # fmt: skip
    assert ExitCode.RULE_FAILED == again.returncode, again.stdout + again.stderr
    assert re.search(r"STILL FAILING +quota\.recipients +reproduced [1-5] of 5", again.stdout)
    with start_server(PROFILE) as server:
        fixed = sesconf("replay", str(report), "--profile", str(profile), "--url", server.url,
                        report_dir=report)  # fmt: skip
    assert ExitCode.OK == fixed.returncode, fixed.stdout + fixed.stderr
    assert re.search(r"FIXED +quota\.recipients +reproduced 0 of 5", fixed.stdout), fixed.stdout


def test_a_burst_is_answered_whole_and_in_order() -> None:
    burst = id_burst(PROFILE, 6, 100)
    with start_server(PROFILE) as server:
        client = make_client(PROFILE.with_url(server.url))
        clients = [client.sibling() for _ in burst.sends]
        try:
            answers = send_together(clients, [SendEmailRequest(p) for p in burst.sends])
        finally:
            for each in [client, *clients]:
                each.close()
        delivered = [m["to"] for m in server.engine.outbox()]
    for answer, params in zip(answers, burst.sends, strict=True):  # in order, one each
        assert params["Destination"]["ToAddresses"][0].encode() in answer.request.body
    assert all(isinstance(a.outcome, Accepted) for a in answers)
    assert sorted(delivered) == sorted(p["Destination"]["ToAddresses"] for p in burst.sends)
    assert None is judge_burst(burst, answers, PROFILE)
    assert 6 == len({a.outcome.id for a in answers if isinstance(a.outcome, Accepted)})


@pytest.mark.parametrize(
    "raw",
    [None, 3, {}, {"kind": "quota"}, {"kind": "nope", "sends": [{}]}, {"kind": "quota",
     "sends": [1]}, {"kind": "atomic", "sends": [{}], "witnesses": ["a", "b"]},
     {"kind": "quota", "sends": [{}], "left": "x"}],
)  # fmt: skip
def test_a_malformed_burst_in_a_report_is_no_burst(raw: Any) -> None:
    assert None is burst_from_record(raw)


def test_a_burst_survives_its_record_and_shrinks_to_two_sends() -> None:
    for burst in (quota_burst(PROFILE, 8, 1), id_burst(PROFILE, 8, 1), atomic_burst(PROFILE, 8, 1)):
        assert burst == burst_from_record(json.loads(json.dumps(burst.record())))
        smallest: Burst = burst
        while candidates := smaller(smallest, PROFILE, 1):
            smallest = candidates[-1] if burst.kind == "quota" else candidates[0]
            assert len(smallest.sends) >= 2
        assert 2 == len(smallest.sends)
    with pytest.raises(ValueError, match="kind: expected one of quota, id-unique, atomic"):
        Burst("bogus", ({},))


def test_each_planted_race_breaks_one_state_rule() -> None:
    """The races are rows of the planted-fault table (which runs each at every seed of
    the sweep), one for each state rule."""
    assert {"quota.recipients", "envelope.id-unique", "recipients.valid"} == {
        rule for name in RACES for rule in RULE_FAULTS[name].broken_rules
    }
    assert all(RULE_FAULTS[name].protocols == PROTOCOLS for name in RACES)
