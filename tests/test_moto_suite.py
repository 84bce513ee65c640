"""The whole suite against a real `moto_server`, judged by its expectations files.

What .ci/moto does, from pytest: one fresh moto_server on a free loopback port, then
`sesconf run --target moto --protocol P --expectations conformance/expectations/moto-P.toml`
for both SES protocols. Each run must match its file exactly (exit 0): a rule moto newly
fails, or an expected failure that passes, makes the run exit 1 and names the rule.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conformance.exitcodes import ExitCode
from conformance.expectations import load_expectations
from tests._sesconf import REPO, sesconf
from tests.test_moto_server import MOTO, moto_url  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow
RUN_BUDGET_S = 180  # per protocol, on a 2-core machine (a run takes ~10-30 s)


@pytest.mark.parametrize("protocol", ["ses-query", "sesv2"])
def test_moto_matches_its_expectations(protocol: str, moto_url: str, tmp_path: Path) -> None:  # noqa: F811
    expectations = REPO / "conformance" / "expectations" / f"moto-{protocol}.toml"
    started = time.monotonic()
    run = sesconf(
        "run", "--target", "moto", "--url", moto_url, "--protocol", protocol,
        "--expectations", str(expectations), "--quiet",
        report_dir=tmp_path / "report", timeout=2 * RUN_BUDGET_S,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    output = run.stdout[-3000:] + run.stderr[-3000:]
    assert ExitCode.OK == run.returncode, output
    summary = run.summary
    record = summary["expectations"]
    assert record["matched"] is True, record
    failed = {r["id"] for r in summary["rules"] if r["outcome"] in ("fail", "non-strict")}
    assert failed == set(load_expectations(expectations).rule_ids)
    assert summary["hypothesis"]["max_examples"] == 30  # conformance/profiles/moto.toml
    assert elapsed < RUN_BUDGET_S, f"{protocol} run took {elapsed:.0f} s"
