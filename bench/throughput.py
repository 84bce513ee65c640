"""Requests per second against the reference on loopback: the suite beside a bare loop.

    python bench/throughput.py [--requests 2000] [--max-examples 60]

Both measurements run in one process, one after the other, against the same embedded
reference server, so compare their ratio, not the absolute numbers (shared machines are
noisy). The suite's figure counts every request a `sesconf run` sends (examples of all
rules, Hypothesis generation and shrinking, oracle and envelope checks included).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from conformance.profile import load_builtin_profile
from conformance.server.app import start_server

REPO = Path(__file__).resolve().parent.parent
BODY = json.dumps(
    {
        "Source": "sender@verified.example",
        "Destination": {"ToAddresses": ["r1@verified.example"]},
        "Message": {"Subject": {"Data": "Hello"}, "Body": {"Text": {"Data": "plain text"}}},
    }
).encode()


def bare_loop(url: str, n: int) -> float:
    """The ceiling: one keep-alive session posting the same small valid request."""
    with requests.Session() as session:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        session.post(url, data=BODY, headers=headers, timeout=10).raise_for_status()
        started = time.perf_counter()
        for _ in range(n):
            session.post(url, data=BODY, headers=headers, timeout=10)
        return n / (time.perf_counter() - started)


def suite_run(url: str, max_examples: int) -> tuple[float, int, float]:
    """(requests/s, requests, wall seconds) of a whole `sesconf run` against `url`."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "conformance",
                "run",
                "--url",
                url,
                "--max-examples",
                str(max_examples),
                "--report-dir",
                tmp,
                "--quiet",
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"sesconf run failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
        summary = json.loads((Path(tmp) / "summary.json").read_text())
    sent = sum(rule["examples"] for rule in summary["rules"])
    return sent / summary["duration_s"], sent, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--max-examples", type=int, default=60)
    args = parser.parse_args()
    with start_server(load_builtin_profile("reference")) as server:
        bare = bare_loop(server.url, args.requests)
        suite, sent, wall = suite_run(server.url, args.max_examples)
    print(f"bare requests loop : {bare:8.0f} requests/s ({args.requests} requests)")
    print(f"sesconf run        : {suite:8.0f} examples/s ({sent} examples, {wall:.1f}s wall)")
    print(f"ratio suite/bare   : {suite / bare:8.2f}")


if __name__ == "__main__":
    main()
