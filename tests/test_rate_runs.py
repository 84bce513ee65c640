"""rate.max-send-rate in whole runs (issue 18): skipped, saying why, where the profile does
not opt in; failed, and nothing else, by a reference without a limit when the profile
declares one; passed, with a whole default run at exit 0, by `sesconf serve
--max-send-rate` (a conformant target with an unusual but legal choice) over every wire.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.exitcodes import ExitCode
from conformance.profile import load_builtin_profile
from conformance.protocols.envelope import EnvelopeClient
from conformance.server import start_server
from tests._sesconf import REPO, sesconf

REFERENCE = load_builtin_profile("reference")
RULE = "rate.max-send-rate"
RATE = 15
"""Sends a second in the whole runs: the burst (45 a second for 3 s) stays cheap, and the
rest of a default run (about 700 sends at --max-examples 2) takes under a minute."""
PROFILE_TOML = f"""extends = "reference"
timeout_s = 30

[account]
max_send_rate = {RATE}
rate_enforced = true
"""


ENVELOPE_SKIPS = {rule: "skip" for rule in EnvelopeClient.RULES_NOT_APPLICABLE}
"""What a whole run over the envelope wire skips: no SES error codes, no raw form."""


def outcome_of(summary: dict[str, object], rule_id: str) -> dict[str, object]:
    rules = summary["rules"]
    assert isinstance(rules, list)
    return next(r for r in rules if r["id"] == rule_id)


def test_the_rule_is_skipped_saying_why_where_the_profile_does_not_opt_in(
    tmp_path: Path,
) -> None:
    declared_only = tmp_path / "declared.toml"
    declared_only.write_text('extends = "reference"\n[account]\nmax_send_rate = 5\n', "utf-8")
    for name, extra in (("default", []), ("declared", ["--profile", str(declared_only)])):
        with start_server(REFERENCE) as server:
            run = sesconf(
                "run", *extra, "--url", server.url, "--rules", "rate.*",
                report_dir=tmp_path / name, timeout=300,
            )  # fmt: skip
        rule = outcome_of(run.summary, RULE)
        assert ExitCode.OK == run.returncode, run.stdout[-2000:] + run.stderr[-2000:]
        assert "skip" == rule["outcome"], name
        assert "account.rate_enforced = true" in str(rule["reason"]), name


def whole_run(url: str, tmp_path: Path, *extra: str) -> tuple[dict[str, str], int, str]:
    profile = tmp_path / "rated.toml"
    profile.write_text(PROFILE_TOML, "utf-8")
    run = sesconf(
        "run", "--profile", str(profile), "--url", url, "--strict", "--max-examples", "2",
        "--quiet", *extra, report_dir=tmp_path / "report", timeout=900,
    )  # fmt: skip
    reasons = "\n".join(
        f"{r['id']}: {r['outcome']}: {r['reason'][:300]}"
        for r in run.summary["rules"]
        if r["outcome"] != "pass"
    )
    return run.outcomes(), run.returncode, reasons + "\n" + run.stderr[-2000:]


def test_a_reference_without_a_limit_fails_exactly_the_rate_rule(tmp_path: Path) -> None:
    with start_server(REFERENCE) as server:
        outcomes, code, output = whole_run(server.url, tmp_path)
    assert {RULE} == {r for r, outcome in outcomes.items() if outcome == "fail"}, output
    assert ENVELOPE_SKIPS == {r: o for r, o in outcomes.items() if o != "fail" and o != "pass"}
    assert ExitCode.RULE_FAILED == code, output


class RatedServe:
    """`sesconf serve --max-send-rate RATE --port 0`, its URL read from its log."""

    URL = re.compile(r"reference server on (http://127\.0\.0\.1:[1-9][0-9]*/)")

    def __init__(self, folder: Path) -> None:
        self.log = folder / "serve.log"
        argv = [sys.executable, "-m", "conformance", "serve", "--port", "0"]
        with open(self.log, "wb") as sink:
            self.proc = subprocess.Popen(
                [*argv, "--max-send-rate", str(RATE)],
                cwd=REPO,
                env={**os.environ, "PYTHONPATH": str(REPO)},
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 120
        while not (found := self.URL.search(self.log.read_text("utf-8", "replace"))):
            assert self.proc.poll() is None, self.log.read_text("utf-8", "replace")
            assert time.monotonic() < deadline, "sesconf serve did not start within 120 s"
            time.sleep(0.1)
        self.url = found.group(1)

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=30)


@pytest.fixture
def rated_serve(tmp_path: Path) -> Iterator[RatedServe]:
    server = RatedServe(tmp_path)
    try:
        yield server
    finally:
        server.stop()


def test_serve_with_a_rate_passes_a_whole_default_run(
    rated_serve: RatedServe, tmp_path: Path
) -> None:
    """The conformant variant with an unusual but legal choice: a strict rate, declared."""
    outcomes, code, output = whole_run(rated_serve.url, tmp_path)
    assert ExitCode.OK == code, output
    assert ENVELOPE_SKIPS == {r: o for r, o in outcomes.items() if o != "pass"}
    assert "pass" == outcomes[RULE]
    throttled = rated_serve.log.read_text("utf-8", "replace").count('HTTP/1.1" 429')
    assert throttled > 0  # the burst met the limit: the pass rests on refusals seen


@pytest.mark.parametrize("protocol", ["ses-query", "sesv2"])
def test_serve_with_a_rate_passes_the_rule_over_the_ses_wires(
    rated_serve: RatedServe, tmp_path: Path, protocol: str
) -> None:
    outcomes, code, output = whole_run(
        rated_serve.url, tmp_path, "--protocol", protocol, "--rules", "rate.*"
    )
    assert ({RULE: "pass"}, ExitCode.OK) == (outcomes, code), output
