"""The progress plugin in a real pytest run of the suite against a real (faulted) server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conformance.report.summary import load_run, rule_results
from tests._sesconf import REPO

RULES = ("envelope.*", "robust.*")
FAULT = "created-at-stale"  # a SHOULD rule: the line must say non-strict, as summary.json does

DRIVER = r"""
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from conformance.cli import _pytest_args, select_rules
from conformance.commands.progress import ProgressPlugin
from conformance.profile import load_builtin_profile
from conformance.report.terminal import ProgressPrinter
from conformance.server.app import start_server

records, mode, fault, *globs = sys.argv[1:]
with start_server(load_builtin_profile("reference"), fault=fault) as server:
    base = _pytest_args(
        SimpleNamespace(strict=False, seed=None),
        spec="reference",
        url=server.url,
        protocol=None,
        selected=select_rules(globs, []),
        records=Path(records),
        max_examples=5,
    )
    printer = ProgressPrinter(sys.stdout, tty=True if mode == "tty" else None, width=200)
    sys.exit(int(pytest.main(base, plugins=[ProgressPlugin(printer)])))
"""


def _drive(tmp_path: Path, mode: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run the driver; output is decoded by hand, since text mode would turn \\r into \\n."""
    records = tmp_path / "records"
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER, str(records), mode, FAULT, *RULES],
        cwd=REPO,
        capture_output=True,  # a pipe: not a TTY
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": ""},
    )
    text = subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    )
    return text, records


def test_not_a_tty_one_plain_line_per_finished_rule(tmp_path: Path) -> None:
    proc, records = _drive(tmp_path, "plain")
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    assert "\r" not in proc.stdout
    assert "\x1b" not in proc.stdout

    line = re.compile(r"^(?P<word>[A-Z-]+) +(?P<rule>\S+)  (?P<n>\d+) examples  [0-9.]+s$")
    shown = {
        m["rule"]: (m["word"].lower(), int(m["n"]))
        for m in map(line.match, proc.stdout.splitlines())
        if m
    }
    expected = {
        r["id"]: (r["outcome"], r["examples"])
        for r in rule_results(load_run(records)[0], selected=shown, strict=False)
    }
    assert {
        "envelope.success",
        "envelope.error",
        "envelope.id-unique",
        "envelope.created-at",
        "robust.no-5xx",
    } == set(shown)
    assert expected == shown  # the same outcomes and example counts as summary.json's
    assert "non-strict" == shown["envelope.created-at"][0]
    assert all(n > 0 for _, n in shown.values())
    # pytest's own letters would run into the lines: the plugin silences them for rule tests
    assert not any(
        re.match(r"^[.FEs]+(PASS|FAIL|NON-STRICT|SKIP|BROKEN) ", x)
        for x in proc.stdout.splitlines()
    )


def test_on_a_tty_one_rewritten_line_cleared_at_the_end(tmp_path: Path) -> None:
    proc, _ = _drive(tmp_path, "tty")
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    progress = proc.stdout.split("\n", 1)[0]  # everything before pytest's own summary
    assert progress.startswith("\r[0 done] envelope.success running")
    assert "done] robust.no-5xx" in progress
    # envelope.id-unique ends last: its burst test runs with the exclusive tests, at the end
    assert "[5 done] envelope.id-unique" in progress
    assert progress.endswith("\r\x1b[K")  # the line is cleared for the final table
    assert "PASS " not in proc.stdout  # no plain lines on a TTY
