"""Concurrency for slow targets: shared limits across real processes, `--concurrency`.

The safety limits must hold for a whole run however many processes send, so these tests
start real processes against real servers and count what arrives on the server's side.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from werkzeug.wrappers import Request, Response

from conformance.commands.concurrency import AUTO, MAX_AUTO, choose, probe_latency, resolve
from conformance.exitcodes import ExitCode
from conformance.profile import load_builtin_profile
from conformance.protocols import shared_limits
from conformance.rules import RULES
from conformance.server.app import start_server
from conformance.suite.shards import balanced_by_cost, worksteal_runs
from tests._servers import OK, RawServer, WsgiServer, hang, json_response
from tests._sesconf import REPO, sesconf

pytestmark = pytest.mark.skipif(not shared_limits.supported(), reason="needs fcntl.flock")

REFERENCE = load_builtin_profile("reference")

# One process of a run: sends `n` times, prints "<sent> <refused by the budget>".
CHILD = textwrap.dedent(
    """
    import sys
    from conformance.model import SendEmailRequest
    from conformance.profile import Safety
    from conformance.protocols.base import SendBudgetExhausted
    from conformance.protocols.envelope import EnvelopeClient
    from tests._servers import PARAMS, target_profile

    url, n, max_sends, rate = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    safety = Safety(
        max_sends=int(max_sends) if max_sends != "-" else None,
        rate_per_s=float(rate) if rate != "-" else None,
    )
    sent = refused = 0
    with EnvelopeClient(target_profile(url, safety=safety)) as client:
        for _ in range(n):
            try:
                client.send(SendEmailRequest(PARAMS))
                sent += 1
            except SendBudgetExhausted:
                refused += 1
    print(sent, refused)
    """
)


def _processes(
    url: str, *, count: int, each: int, limits: Path | None, max_sends: str, rate: str
) -> list[tuple[int, int]]:
    """Start `count` sending processes at once; each one's (sent, refused)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop(shared_limits.ENV, None)
    if limits is not None:
        shared_limits.prepare(limits)
        env[shared_limits.ENV] = str(limits)
    argv = [sys.executable, "-c", CHILD, url, str(each), max_sends, rate]
    procs = [
        subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert 0 == proc.returncode, out
        sent, refused = out.split()
        results.append((int(sent), int(refused)))
    return results


class _Arrivals(WsgiServer):
    """A target that answers OK and notes when each request arrived."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self._arrival_lock = threading.Lock()
        super().__init__(self._answer)

    def _answer(self, request: Request) -> Response:
        with self._arrival_lock:
            self.arrivals.append(time.monotonic())
        return json_response(OK)

    def __enter__(self) -> _Arrivals:
        super().__enter__()
        return self


def test_max_sends_holds_for_all_processes_together(tmp_path: Path) -> None:
    with _Arrivals() as server:
        results = _processes(
            server.url, count=4, each=10, limits=tmp_path / "limits", max_sends="15", rate="-"
        )
    assert 15 == sum(sent for sent, _ in results)
    assert 25 == sum(refused for _, refused in results)
    assert 15 == len(server.arrivals)
    assert "15" == (tmp_path / "limits" / shared_limits.SENDS_FILE).read_text()


def test_without_shared_limits_each_process_has_its_own_budget(tmp_path: Path) -> None:
    """The control: the same processes without SESCONF_LIMITS_DIR send 4 x 10."""
    with _Arrivals() as server:
        results = _processes(server.url, count=4, each=10, limits=None, max_sends="15", rate="-")
    assert [(10, 0)] * 4 == results
    assert 40 == len(server.arrivals)


def test_rate_holds_for_all_processes_together(tmp_path: Path) -> None:
    rate = 20.0
    with _Arrivals() as server:
        _processes(
            server.url, count=3, each=5, limits=tmp_path / "limits", max_sends="-", rate="20"
        )
    arrivals = sorted(server.arrivals)
    assert 15 == len(arrivals)
    # Each second holds at most `rate` sends (+1 for a window's edges), and the 15 sends
    # of the three processes together span at least 14 intervals.
    assert arrivals[-1] - arrivals[0] >= 14 / rate - 0.02
    for i, start in enumerate(arrivals):
        within = [t for t in arrivals[i:] if t - start < 0.5]
        assert len(within) <= rate * 0.5 + 1, within


def test_choose_one_process_for_a_fast_target_more_for_a_slow_one() -> None:
    assert 1 == choose(0.001, cores=2, tests=16)
    assert 1 == choose(0.049, cores=2, tests=16)
    slow = choose(0.4, cores=2, tests=16)
    assert 1 < slow <= MAX_AUTO
    assert choose(0.1, cores=2, tests=16) <= slow
    assert 3 == choose(0.4, cores=2, tests=3)  # no more processes than tests
    assert 1 == choose(0.4, cores=2, tests=16, rate_per_s=1.0)  # 0.5 s a call: one at a time
    assert 2 == choose(0.4, cores=2, tests=16, load=30.0)  # a starved machine: cores only
    assert slow == choose(0.4, cores=2, tests=16, load=3.0)


def test_probe_measures_the_targets_round_trip() -> None:
    with start_server(REFERENCE, latency_s=0.2) as server:
        slow = probe_latency(REFERENCE.with_url(server.url))
        assert 0 == len(server.engine.outbox())  # the probes are refused, nothing delivered
    with start_server(REFERENCE) as server:
        fast = probe_latency(REFERENCE.with_url(server.url))
    assert 0.2 <= slow < 1.0
    assert fast < 0.2


@pytest.mark.parametrize("value", ["0", "-2", "fast", "1.5"])
def test_a_bad_concurrency_exits_2_naming_it(tmp_path: Path, value: str) -> None:
    run = sesconf("run", "--concurrency", value, report_dir=tmp_path)
    assert ExitCode.USAGE_ERROR == run.returncode
    assert repr(value) in run.stderr


def test_a_capped_run_in_several_processes_stays_under_the_cap(tmp_path: Path) -> None:
    """`safety.max_sends` no longer forces one process: the cap is shared by all."""
    calls = 0
    lock = threading.Lock()
    with start_server(REFERENCE) as server:
        dispatch = server.app._dispatch

        def counting(kind: str, request: Request) -> Response:
            nonlocal calls
            if kind != "hook":  # every SendEmail call, well-formed or not
                with lock:
                    calls += 1
            return dispatch(kind, request)

        server.app._dispatch = counting  # type: ignore[method-assign]
        prof = tmp_path / "capped.toml"
        text = (REPO / "conformance" / "profiles" / "reference.toml").read_text()
        prof.write_text(text + "\n[safety]\nmax_sends = 60\n")
        run = sesconf(
            "run",
            "--profile",
            str(prof),
            "--url",
            server.url,
            "-n",
            "2",
            "--max-examples",
            "10",
            "--exclude",
            "quota.*",
            report_dir=tmp_path / "r",
        )
    assert 60 == calls, run.stdout[-2000:] + run.stderr[-2000:]
    assert "60" == (tmp_path / "r" / "limits" / shared_limits.SENDS_FILE).read_text()
    outcomes = set(run.outcomes().values())
    assert "skip" in outcomes and "fail" not in outcomes and "error" not in outcomes
    assert "not finished: safety.max_sends" in (tmp_path / "r" / "summary.json").read_text()


def test_auto_overlaps_a_slow_target_and_keeps_the_verdicts(tmp_path: Path) -> None:
    """A slow but correct target: auto picks several processes, the verdicts stay those
    of the fast reference (the 400 ms default run is in bench/side_by_side.py)."""
    # Both passes: quota.recipients's tests are exclusive (they reset and count the quota),
    # recipients.* and envelope.* run beside each other (the atomic test has its witness).
    args: tuple[str, ...] = ("--max-examples", "4", "--rules", "envelope.*")
    args += ("--rules", "recipients.*", "--rules", "quota.*")
    with start_server(REFERENCE) as server:
        fast = sesconf("run", "--url", server.url, *args, report_dir=tmp_path / "fast")
    with start_server(REFERENCE, latency_s=0.1) as server:
        slow = sesconf("run", "--url", server.url, *args, report_dir=tmp_path / "slow")
    assert ExitCode.OK == slow.returncode, slow.stdout[-3000:] + slow.stderr[-3000:]
    assert "processes for the independent tests (auto: the target answers in" in slow.stdout
    assert fast.outcomes() == slow.outcomes()


def test_auto_keeps_to_the_accounts_rate_when_the_profile_reads_it() -> None:
    """`safety.rate_from_quota`: the reference's sandbox MaxSendRate is 1/s, so a 300 ms
    target gains nothing from a second process."""

    with start_server(REFERENCE, latency_s=0.3) as server:
        plain = replace(REFERENCE.with_url(server.url), protocol="ses-query")
        paced = replace(plain, safety=replace(plain.safety, rate_from_quota=True))
        assert resolve(AUTO, plain, selected=list(RULES))[0] > 1
        assert 1 == resolve(AUTO, paced, selected=list(RULES))[0]


def test_a_target_that_hangs_is_not_slow_but_broken_one_process() -> None:
    with RawServer(hang) as server:
        hanging = replace(REFERENCE.with_url(server.url), timeout_s=0.5)
        started = time.monotonic()
        choice = resolve(AUTO, hanging, selected=list(RULES))
        elapsed = time.monotonic() - started
    assert (1, None) == (choice.processes, choice.latency_s)
    assert "no usable answer" in choice.why
    assert elapsed < 3, f"the probes took {elapsed:.1f} s"  # one probe, not three


class _Test:
    """What `_cost` reads of a collected test: Hypothesis's explicit examples and settings."""

    def __init__(self, name: str, explicit: int, generated: int, sends: int = 1) -> None:
        self.name = name
        self.obj = type("Fn", (), {})()
        self.obj.hypothesis_explicit_examples = [None] * explicit
        self.obj._hypothesis_internal_use_settings = type("S", (), {"max_examples": generated})
        self._sends = sends

    def get_closest_marker(self, name: str) -> object:
        return pytest.mark.sends(self._sends).mark if name == "sends" and self._sends > 1 else None


def test_runs_are_the_sizes_worksteal_deals() -> None:
    assert [2] * 8 == worksteal_runs(16, 8)
    assert [1, 1, 1, 1, 2, 2, 2, 2, 2, 2] == worksteal_runs(16, 10)
    assert [0, 0, 0, 0, 0, 1, 1, 1] == worksteal_runs(3, 8)
    assert [16] == worksteal_runs(16, 1)


def test_the_parallel_order_gives_each_long_test_a_run_of_its_own() -> None:
    """16 tests on 10 processes: the four dearest get the four runs of one, and no run of
    two holds two of the eight dearest (a slow target's pass ends with its longest test)."""
    costs = [152, 138, 123, 120, 88, 88, 70, 63, 60, 42, 32, 31, 31, 31, 25]
    tests = [_Test(f"t{c}-{i}", c - 10, 10) for i, c in enumerate(costs)]
    tests.append(_Test("copies", 21, 10, sends=3))  # 93
    order = balanced_by_cost(tests, 10)  # type: ignore[arg-type]
    assert sorted(t.name for t in tests) == sorted(t.name for t in order)
    runs, start = [], 0
    for size in worksteal_runs(16, 10):
        runs.append([t.name for t in order[start : start + size]])
        start += size
    assert [["t152-0"], ["t138-1"], ["t123-2"], ["t120-3"]] == runs[:4]
    dearest = {"copies", "t88-4", "t88-5", "t70-6", "t63-7", "t60-8"}
    assert all(len(dearest.intersection(run)) <= 1 for run in runs[4:])


def _machine_sends(tmp_path: Path, *extra: str) -> int:
    """The state machine's judged sends in a plain pytest run of quota.recipients."""
    argv = [sys.executable, "-m", "pytest", "conformance", "-p", "conformance.plugin"]
    argv += ["-p", "no:cacheprovider", "-q", "--sesconf-rules", "quota.recipients"]
    argv += ["--sesconf-report-dir", str(tmp_path), *extra]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=600, env=env)
    assert 0 == proc.returncode, proc.stdout[-2000:] + proc.stderr[-2000:]
    records = [
        json.loads(line)
        for path in (tmp_path / "records").glob("*.jsonl")
        for line in path.read_text("utf-8").splitlines()
    ]
    return sum(r["examples"] for r in records if r["nodeid"].endswith("runTest"))


def test_a_slow_target_gets_fewer_sequential_sends_in_the_state_machine(tmp_path: Path) -> None:
    """The quota state machine runs alone, one send after another: against a target that
    `sesconf run` measured slow (`--sesconf-latency-ms`) it keeps to about 30 s of waiting
    (3 examples at 2 s a send), not its share of the example budget (12 of 60)."""
    budgeted = _machine_sends(tmp_path / "slow", "--sesconf-latency-ms", "2000")
    plain = _machine_sends(tmp_path / "fast")
    assert 0 < budgeted <= 3 * 25 < plain
