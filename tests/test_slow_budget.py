"""A slow target within minutes (issue 18): the example budget scales to the round trip
`sesconf run` measured, long tests are cut into shards in the parallel pass, summary.json
records the budget, `--max-examples` pins it, and the default run deadline follows from it.

The runs here use a 400 ms reference, which is enough to scale the budget (60 to 50); the
2 s default run is timed in bench/slow_target.py (bench/README.md gives the figure).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.commands.budget import (
    GENERATED_WAIT_S,
    MIN_EXAMPLES,
    choose_budget,
    run_deadline,
)
from conformance.commands.guard import default_run_timeout
from conformance.exitcodes import ExitCode
from conformance.profile import load_builtin_profile
from conformance.report.html import render_index_html
from conformance.report.summary import build_summary
from conformance.report.terminal import render_table
from conformance.report.testnames import finished_tests, shard_name, whole_test
from conformance.rules import RULES
from conformance.server.app import start_server
from conformance.suite.shards import MIN_SHARD_COST, cut
from tests._schema import valid_summary
from tests._sesconf import Run, sesconf

REFERENCE = load_builtin_profile("reference")
RULES_RUN = ("--rules", "recipients.min", "--rules", "envelope.error")
"""Two rules, one with ten explicit examples (cut into shards), one an answer rule."""


def test_a_fast_target_keeps_the_budget_and_a_slow_one_gets_fewer_examples() -> None:
    for latency in (None, 0.0005, 0.049, 0.3):
        assert (60, False) == _chosen(60, None, latency)
    assert (50, True) == _chosen(60, None, 0.4)
    assert (10, True) == _chosen(60, None, 2.0)
    assert (MIN_EXAMPLES, True) == _chosen(60, None, 30.0)  # never under the floor
    assert (8, False) == _chosen(8, None, 2.0)  # a budget already small stays
    assert (60, False) == _chosen(60, 60, 2.0)  # --max-examples pins it
    assert (7, False) == _chosen(60, 7, 0.4)
    budget = choose_budget(base=60, pinned=None, latency_s=2.0)
    assert budget.max_examples * 2.0 <= GENERATED_WAIT_S
    shown = budget.as_dict()
    assert (10, 60, True, False) == tuple(
        shown[k] for k in ("max_examples", "base", "scaled", "pinned")
    )
    assert "2000 ms" in budget.why and "--max-examples" in budget.why


def test_the_reports_say_when_and_why_the_budget_was_scaled() -> None:
    scaled = choose_budget(base=60, pinned=None, latency_s=2.0).as_dict()
    kept = choose_budget(base=60, pinned=None, latency_s=0.001).as_dict()
    for budget, shown in ((scaled, True), (kept, False)):
        summary = build_summary(
            [],
            profile=REFERENCE,
            strict=False,
            max_examples=10,
            seed=None,
            started_at=0.0,
            budget=budget,
        )
        assert budget == summary["budget"]
        assert shown == ("budget: 10 examples a test" in render_table(summary))
        assert shown == ("instead of 60" in render_index_html(summary))


def _chosen(base: int, pinned: int | None, latency: float | None) -> tuple[int, bool]:
    budget = choose_budget(base=base, pinned=pinned, latency_s=latency)
    return budget.max_examples, budget.scaled


def test_the_default_deadline_follows_from_the_budget() -> None:
    every = list(RULES)
    capped = REFERENCE.with_url("http://127.0.0.1:1/")

    def deadline(budget: int, latency: float | None, processes: int) -> float:
        return run_deadline(
            budget=budget, selected=every, profile=capped, latency_s=latency, processes=processes
        )

    slow = deadline(10, 2.0, 12)
    assert slow < deadline(60, 2.0, 12) < deadline(60, 2.0, 1)
    assert slow < default_run_timeout(timeout_s=10, sends=250)  # the 5,300 s
    assert 300 < slow < 1800  # room for a 5-minute run, not hours
    assert deadline(60, None, 1) > deadline(60, 0.002, 1)  # unmeasured: any call may hang


def test_shards_run_every_explicit_example_once() -> None:
    explicit = list(range(107))
    shards = cut(explicit, 10, 1, 40)
    assert 3 <= len(shards)
    assert sorted(e for s in shards for e in s.explicit) == explicit
    assert [True] + [False] * (len(shards) - 1) == [s.generated for s in shards]
    assert all(len(s.explicit) + 10 * s.generated <= 50 for s in shards)
    assert [(tuple(explicit), True)] == cut(explicit, 10, 1, 500)  # cheap enough: whole
    assert 1 == len(cut(list(range(3)), 2, 1, 1))  # never smaller than MIN_SHARD_COST
    assert MIN_SHARD_COST > 5


def test_the_reports_fold_shards_into_their_test() -> None:
    test = "conformance/suite/test_recipients.py::test_at_least_one_recipient"
    module, name = test.split("::")
    first, second = (f"{module}::{shard_name(name, i, 2)}" for i in (1, 2))
    assert test == whole_test(first) == whole_test(second)
    assert set() == finished_tests([first])  # a shard short: the test did not finish
    assert {test} == finished_tests([first, second])
    assert {test} == finished_tests([test])
    with pytest.raises(ValueError, match="3"):
        shard_name("t", 3, 2)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """The same two rules against the reference, fast and 400 ms late, and pinned."""
    folder = tmp_path_factory.mktemp("budget")
    out: dict[str, Run] = {}
    with start_server(REFERENCE) as server:
        out["fast"] = sesconf("run", "--url", server.url, *RULES_RUN, report_dir=folder / "fast")
    with start_server(REFERENCE, latency_s=0.4) as server:
        out["slow"] = _slow_run(server.url, folder)
        # the budget the quiet machine's 400 ms gets, pinned: the test costs, and so the
        # shards, do not then move with the round trip this machine's load adds
        out["sharded"] = _slow_run(server.url, folder, "--max-examples", "50")
        pinned = ("--max-examples", "7", "--rules", "recipients.min")
        out["pinned"] = sesconf("run", "--url", server.url, *pinned, report_dir=folder / "pinned")
    return out


SEVERAL = "processes for the independent tests"
"""What the run prints when its parallel pass has more than one process."""


def _slow_run(url: str, folder: Path, *pin: str) -> Run:
    """The slow run; once more when a probe lost to this machine's own load left it one
    process (a parallel pass of one has nothing to cut into shards)."""
    name = "sharded" if pin else "slow"
    run = sesconf("run", "--url", url, *RULES_RUN, *pin, report_dir=folder / name)
    if SEVERAL not in run.stdout:
        run = sesconf("run", "--url", url, *RULES_RUN, *pin, report_dir=folder / f"{name}-2")
    return run


def test_a_slow_target_gets_a_scaled_budget_and_the_same_verdicts(runs: dict[str, Run]) -> None:
    fast, slow = runs["fast"], runs["slow"]
    assert ExitCode.OK == slow.returncode, slow.stdout[-3000:] + slow.stderr[-3000:]
    assert fast.outcomes() == slow.outcomes()
    summary = valid_summary(slow.report_dir)
    budget = summary["budget"]
    chosen = budget["max_examples"]
    assert (60, True, False) == (budget["base"], budget["scaled"], budget["pinned"])
    assert 400 <= budget["latency_ms"] < 1000
    fitted = max(MIN_EXAMPLES, int(GENERATED_WAIT_S * 1000 / budget["latency_ms"]))
    assert abs(chosen - fitted) <= 1  # latency_ms is rounded
    assert chosen == summary["hypothesis"]["max_examples"]  # what a rerun passes to pin it
    assert budget["run_timeout_s"] < default_run_timeout(timeout_s=10, sends=250)
    assert f"budget: {chosen} examples a test" in slow.stdout
    assert summary["class_reach"] == fast.summary["class_reach"]
    assert 0 == summary["class_reach"]["missed"]
    assert fast.summary["budget"]["scaled"] is False
    assert 60 == fast.summary["hypothesis"]["max_examples"]


def test_the_parallel_pass_cuts_the_long_test_and_the_report_folds_it(
    runs: dict[str, Run],
) -> None:
    slow = runs["sharded"]
    assert SEVERAL in slow.stdout, slow.stdout[-2000:]
    nodeids = {r["nodeid"] for r in _records(slow.report_dir)}
    shards = {n for n in nodeids if "[shard-" in n}
    assert shards, (sorted(nodeids), slow.stdout[-2000:], slow.stderr[-2000:])
    assert all("test_at_least_one_recipient[shard-" in n for n in shards)
    rule = next(r for r in slow.summary["rules"] if r["id"] == "recipients.min")
    # the shards fold into their test: the rule lists its catalogue's tests, no shard
    assert sorted(RULES["recipients.min"].tests) == [
        t.split("suite/", 1)[-1] for t in rule["tests"]
    ]
    fast_rule = next(r for r in runs["fast"].summary["rules"] if r["id"] == "recipients.min")
    assert fast_rule["classes"].keys() == rule["classes"].keys()
    assert "" == rule["reason"]  # the shards' answers together: no "only n examples ran"


def test_max_examples_pins_the_budget_against_a_slow_target(runs: dict[str, Run]) -> None:
    pinned = runs["pinned"]
    assert ExitCode.OK == pinned.returncode, pinned.stdout[-3000:] + pinned.stderr[-3000:]
    budget = pinned.summary["budget"]
    assert (7, False, True) == (budget["max_examples"], budget["scaled"], budget["pinned"])
    assert 7 == pinned.summary["hypothesis"]["max_examples"]
    assert "budget:" not in pinned.stdout


def _records(report_dir: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for path in (report_dir / "records").glob("*.jsonl")
        for line in path.read_text("utf-8").splitlines()
    ]
