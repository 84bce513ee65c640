"""Side by side against one reference server: a bare requests loop, `sesconf run` and
schemathesis, interleaved over several rounds; then a default run against the reference
with 400 ms of added latency.

    python bench/side_by_side.py [--rounds 3] [--requests 2000] [--st-examples 1000]
                                 [--latency-ms 400] [--no-latency] [--no-schemathesis]

Every figure is a whole process (interpreter start-up, imports, report writing included),
timed from outside. One round runs each tool once, in a rotated order, against the same
server in this process, so the tools share the machine's load; compare the ratios (the
median of each round's ratio), not the absolute numbers. schemathesis is installed into
a throwaway virtualenv (`--venv`, kept between runs; `--fresh-venv` rebuilds it) and left
out, saying why, when that fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.openapi_envelope import envelope_openapi  # noqa: E402
from conformance.profile import load_builtin_profile  # noqa: E402
from conformance.server.app import RunningServer, start_server  # noqa: E402

REFERENCE = load_builtin_profile("reference")
# Installed packages come compiled (pip writes their .pyc files), so the source tree is
# compiled too, once, before the rounds: every tool then starts from cached bytecode.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPATH"] = str(REPO)
# The ceiling: one keep-alive session posting one small valid request (to the mailbox
# simulator, which the reference's quota does not count) as fast as it can.
BARE = """
import json, sys, requests
url, n = sys.argv[1], int(sys.argv[2])
body = json.dumps({"Source": "sender@verified.example",
    "Destination": {"ToAddresses": ["success@simulator.amazonses.com"]},
    "Message": {"Subject": {"Data": "Hello"}, "Body": {"Text": {"Data": "plain text"}}}})
headers = {"Content-Type": "application/json", "Accept": "application/json"}
with requests.Session() as s:
    for _ in range(n):
        s.post(url, data=body, headers=headers, timeout=10).raise_for_status()
"""


@dataclass
class Sample:
    """One whole-process run of one tool: its unit count, wall time and notes."""

    units: int
    wall_s: float
    note: str = ""
    verdicts: dict[str, str] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.units / self.wall_s


class Counting:
    """Counts the SendEmail calls that reach a reference server (test hooks left out)."""

    def __init__(self, server: RunningServer) -> None:
        self.calls = 0
        self._lock = threading.Lock()
        dispatch = server.app._dispatch

        def counting(kind: str, request: Any) -> Any:
            if kind != "hook":
                with self._lock:
                    self.calls += 1
            return dispatch(kind, request)

        server.app._dispatch = counting  # type: ignore[method-assign]


def _timed(argv: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=3600)
    return time.perf_counter() - started, proc


def run_bare(url: str, n: int) -> Sample:
    """The bare loop's requests and whole-process wall time."""
    wall, proc = _timed([sys.executable, "-c", BARE, url, str(n)], REPO)
    if proc.returncode:
        raise SystemExit(f"the bare loop failed:\n{proc.stderr[-2000:]}")
    return Sample(n, wall)


def run_sesconf(url: str, work: Path, counter: Counting) -> Sample:
    """A default `sesconf run` against `url`: the SendEmail calls the server got, the verdicts.

    The unit is the call, not summary.json's `examples`: those count an exchange once
    for its own rule and again for every answer rule that monitors it.
    """
    report = work / "sesconf"
    argv = [sys.executable, "-m", "conformance", "run", "--url", url, "--report-dir"]
    before = counter.calls
    wall, proc = _timed([*argv, str(report), "--quiet"], REPO)
    calls = counter.calls - before
    summary = json.loads((report / "summary.json").read_text())
    verdicts = {rule["id"]: rule["outcome"] for rule in summary["rules"]}
    return Sample(calls, wall, f"exit {proc.returncode}", verdicts)


def run_schemathesis(exe: Path, spec: Path, url: str, n: int, work: Path) -> Sample:
    """schemathesis on the envelope API: its generated test cases, from its JSON report.

    `positive_data_acceptance` is left out: SES refuses many schema-valid requests (an
    unverified sender), and schemathesis stops an operation at its first failure.
    """
    report = work / "schemathesis"
    argv = [str(exe), "run", str(spec), "--url", url, "-n", str(n), "--workers", "1"]
    argv += ["--seed", "1", "--no-color", "--exclude-checks", "positive_data_acceptance"]
    wall, proc = _timed([*argv, "--report", "json", "--report-dir", str(report)], work)
    reports = sorted(report.glob("json-*.json"))
    if not reports:
        raise SystemExit(f"schemathesis wrote no report:\n{proc.stdout[-2000:]}{proc.stderr}")
    data = json.loads(reports[-1].read_text())
    return Sample(int(data["test_cases"]["generated"]), wall, f"exit {proc.returncode}")


def ensure_schemathesis(venv: Path, *, fresh: bool) -> Path | None:
    """schemathesis's executable in `venv`, installing it there first; None if that fails."""
    exe = venv / ("Scripts" if os.name == "nt" else "bin") / "schemathesis"
    if exe.exists() and not fresh:
        return exe
    print(f"installing schemathesis into {venv} (a throwaway virtualenv) ...", flush=True)
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(venv)],
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "schemathesis"],
    ]
    for step in steps:
        try:
            proc = subprocess.run(step, capture_output=True, text=True, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as exc:
            print(f"schemathesis left out: {' '.join(step[:4])} failed: {exc}")
            return None
        if proc.returncode:
            print(f"schemathesis left out: {' '.join(step[:4])} failed:\n{proc.stderr[-800:]}")
            return None
    return exe if exe.exists() else None


def machine() -> str:
    model = ""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = next(
            line.split(":", 1)[1].strip()
            for line in cpuinfo.splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    python = platform.python_version()
    return f"{platform.platform()}; {cores} cores {model}; Python {python}; load {load}"


# --- rounds ------------------------------------------------------------------------------

Tool = Callable[[str, Path], Sample]


def interleaved(tools: dict[str, Tool], url: str, rounds: int) -> dict[str, list[Sample]]:
    """Each round runs every tool once, in an order rotated by one per round."""
    samples: dict[str, list[Sample]] = {name: [] for name in tools}
    names = list(tools)
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            requests.post(url + "_reset", timeout=10).raise_for_status()
            with tempfile.TemporaryDirectory() as tmp:
                sample = tools[name](url, Path(tmp))
            samples[name].append(sample)
            print(
                f"  round {r + 1} {name:<13} {sample.units:6d} in {sample.wall_s:6.1f} s "
                f"= {sample.rate:7.1f}/s {sample.note}",
                flush=True,
            )
    return samples


def ratio_line(label: str, top: list[Sample], bottom: list[Sample]) -> str:
    per_round = [a.rate / b.rate for a, b in zip(top, bottom, strict=True)]
    return (
        f"{label:<40} {statistics.median(per_round):6.2f}  "
        f"(rounds: {', '.join(f'{x:.2f}' for x in per_round)})"
    )


def report(samples: dict[str, list[Sample]], units: dict[str, str]) -> None:
    print("\nmedians (whole processes)")
    for name, runs in samples.items():
        rate = statistics.median(s.rate for s in runs)
        wall = statistics.median(s.wall_s for s in runs)
        count = statistics.median(s.units for s in runs)
        print(f"  {name:<13} {rate:8.1f} {units[name]}/s  ({count:.0f} in {wall:.1f} s)")
    print("\nratios (median of the rounds' ratios)")
    print(
        "  " + ratio_line("sesconf calls/s : bare requests/s", samples["sesconf"], samples["bare"])
    )
    if "schemathesis" in samples:
        print(
            "  "
            + ratio_line(
                "sesconf calls/s : schemathesis cases/s",
                samples["sesconf"],
                samples["schemathesis"],
            )
        )


def slow_target(latency_ms: int, fast: dict[str, str]) -> None:
    """A default run against the reference answering every SendEmail `latency_ms` late."""
    print(f"\ndefault sesconf run against the reference with {latency_ms} ms of latency")
    with start_server(REFERENCE, latency_s=latency_ms / 1000) as server:
        counter = Counting(server)
        with tempfile.TemporaryDirectory() as tmp:
            sample = run_sesconf(server.url, Path(tmp), counter)
    same = "the same verdicts" if sample.verdicts == fast else "DIFFERENT verdicts"
    print(
        f"  {sample.wall_s:.1f} s wall, {sample.note}, {sample.units} SendEmail calls, "
        f"{same} as without latency"
    )
    if sample.verdicts != fast:
        changed = {k: (fast.get(k), v) for k, v in sample.verdicts.items() if fast.get(k) != v}
        print(f"  changed (without -> with latency): {changed}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=2000, help="bare loop requests")
    parser.add_argument("--st-examples", type=int, default=1000, help="schemathesis -n")
    parser.add_argument("--latency-ms", type=int, default=400)
    parser.add_argument("--no-latency", action="store_true", help="skip the slow-target run")
    parser.add_argument("--no-schemathesis", action="store_true")
    parser.add_argument(
        "--venv", type=Path, default=Path(tempfile.gettempdir()) / "sesconf-bench-schemathesis"
    )
    parser.add_argument("--fresh-venv", action="store_true")
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {machine()}")
    compile_all = [sys.executable, "-m", "compileall", "-q", "conformance", "strategies"]
    subprocess.run(compile_all, cwd=REPO, env=ENV, check=True)
    exe = None if args.no_schemathesis else ensure_schemathesis(args.venv, fresh=args.fresh_venv)
    units = {"bare": "requests", "sesconf": "calls", "schemathesis": "cases"}
    with tempfile.TemporaryDirectory() as spec_dir, start_server(REFERENCE) as server:
        counter = Counting(server)
        tools: dict[str, Tool] = {
            "bare": lambda url, _: run_bare(url, args.requests),
            "sesconf": lambda url, work: run_sesconf(url, work, counter),
        }
        if exe is not None:
            spec = Path(spec_dir) / "openapi.json"
            spec.write_text(json.dumps(envelope_openapi(), indent=1))
            version = subprocess.run([str(exe), "--version"], capture_output=True, text=True)
            print(f"schemathesis: {version.stdout.strip()}, the OpenAPI description in {spec}")
            tools["schemathesis"] = lambda url, work: run_schemathesis(
                exe, spec, url, args.st_examples, work
            )
        print(f"\n{args.rounds} interleaved rounds against one reference server")
        samples = interleaved(tools, server.url, args.rounds)
    report(samples, units)
    if not args.no_latency:
        slow_target(args.latency_ms, samples["sesconf"][-1].verdicts)
    print(f"\nmachine at the end: {machine()}")


if __name__ == "__main__":
    main()
