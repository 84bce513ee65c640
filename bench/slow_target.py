"""A default `sesconf run` against `sesconf serve --latency-ms 2000`, timed (issue 18).

    python bench/slow_target.py [--latency-ms 2000] [--rounds 1] [--no-fast]

The target is the reference server in a process of its own answering every SendEmail
2 s late: a correct target, so the run must exit 0 with the verdicts of the same server
answering at once (run first, unless `--no-fast`). Every figure is the whole `sesconf
run` process, timed from outside (start-up, the probes, both passes, the reports). It
prints the wall time, the exit code, the budget the run chose (summary.json's `budget`),
the processes, the SendEmail exchanges and how long each pass took (junit.xml).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
_URL = re.compile(r"reference server on (http://127\.0\.0\.1:[1-9][0-9]*/)")
_PROCESSES = re.compile(r"sesconf: ([0-9]+) processes for the independent tests")


class Served:
    """`sesconf serve --port 0 --latency-ms MS` in its own process; stopped by its PID."""

    def __init__(self, latency_ms: int, log: Path) -> None:
        argv = [sys.executable, "-m", "conformance", "serve", "--port", "0"]
        argv += ["--latency-ms", str(latency_ms)]
        self.log = log
        with open(log, "wb") as sink:
            self.proc = subprocess.Popen(argv, cwd=REPO, env=ENV, stdout=sink, stderr=sink)
        self.url = self._wait_for_url()

    def _wait_for_url(self) -> str:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            found = _URL.search(self.log.read_text("utf-8", "replace"))
            if found:
                return found.group(1)
            if self.proc.poll() is not None:
                raise SystemExit(f"sesconf serve exited: {self.log.read_text('utf-8')}")
            time.sleep(0.1)
        raise SystemExit("sesconf serve did not start within 120 s")

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=30)


def timed_run(url: str, report_dir: Path) -> dict[str, Any]:
    """One default `sesconf run` against `url`; what it took and what it chose."""
    argv = [sys.executable, "-m", "conformance", "run", "--url", url]
    argv += ["--report-dir", str(report_dir)]
    started = time.monotonic()
    proc = subprocess.run(argv, cwd=REPO, env=ENV, capture_output=True, text=True)
    wall = time.monotonic() - started
    summary = json.loads((report_dir / "summary.json").read_text("utf-8"))
    found = _PROCESSES.search(proc.stdout)
    return {
        "wall_s": round(wall, 1),
        "exit": proc.returncode,
        "processes": int(found.group(1)) if found else 1,
        "budget": summary.get("budget"),
        "exchanges": summary["exchanges"],
        "class_reach": summary["class_reach"],
        "passes_s": passes(report_dir / "junit.xml"),
        "verdicts": {rule["id"]: rule["outcome"] for rule in summary["rules"]},
    }


def passes(junit: Path) -> list[float]:
    """Each pytest pass's own time (the parallel pass, then the exclusive one)."""
    if not junit.is_file():
        return []
    return [round(float(s.get("time", 0)), 1) for s in ET.parse(junit).getroot().iter("testsuite")]


def load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--latency-ms", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--no-fast", action="store_true", help="skip the run without latency")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sesconf-slow-") as tmp:
        work = Path(tmp)
        fast: dict[str, Any] | None = None
        if not args.no_fast:
            served = Served(0, work / "fast.log")
            try:
                fast = timed_run(served.url, work / "fast")
            finally:
                served.stop()
            print(f"without latency: {fast['wall_s']} s, exit {fast['exit']}", flush=True)
        for round_ in range(1, args.rounds + 1):
            served = Served(args.latency_ms, work / f"slow-{round_}.log")
            try:
                print(f"round {round_}: load average {load()} before", flush=True)
                slow = timed_run(served.url, work / f"slow-{round_}")
            finally:
                served.stop()
            same = fast is None or fast["verdicts"] == slow["verdicts"]
            shown = {k: v for k, v in slow.items() if k != "verdicts"}
            print(f"{args.latency_ms} ms: {json.dumps(shown)}", flush=True)
            print(f"  verdicts {'the same' if same else 'CHANGED'} as without latency")
            print(f"  load average {load()} after", flush=True)


if __name__ == "__main__":
    main()
