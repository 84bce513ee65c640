"""Run `sesconf` as users do: a real process, real servers, the report read back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    report_dir: Path

    @property
    def summary(self) -> dict[str, Any]:
        return json.loads((self.report_dir / "summary.json").read_text("utf-8"))

    def outcomes(self) -> dict[str, str]:
        return {rule["id"]: rule["outcome"] for rule in self.summary["rules"]}

    def failed(self) -> set[str]:
        return {rule_id for rule_id, outcome in self.outcomes().items() if outcome == "fail"}


def sesconf(
    *args: str, report_dir: Path, timeout: float = 600, env: dict[str, str] | None = None
) -> Run:
    """`python -m conformance ARGS --report-dir DIR` (run only) from the repo root."""
    argv = [sys.executable, "-m", "conformance", *args]
    if args and args[0] == "run":
        argv += ["--report-dir", str(report_dir)]
    proc = subprocess.run(
        argv,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
    )
    return Run(proc.returncode, proc.stdout, proc.stderr, report_dir)
