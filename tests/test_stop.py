"""A stopped run (SIGTERM, SIGINT) exits within 2 seconds, worker processes included, with
every report written and every exchange the target answered before the signal counted.

The target is `sesconf serve --latency-ms 2000`, a correct reference that answers each
SendEmail after 2 s, so calls are always in flight when the signal comes; its access log
(written once an answer is sent) says how many answers it had sent before the signal.
The issue's scenario sends SIGTERM 30 s into the run; these tests send it once the target
has answered a dozen calls (the workers are then all sending), which shows the same thing
without waiting 30 s.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.commands.guard import STOP_WITHIN_S
from conformance.exitcodes import ExitCode
from conformance.suite.workers import PIDS
from tests._schema import valid_summary
from tests._sesconf import REPO

LATENCY_MS = 2000
STARTED_S = 240.0
"""Until the run has sent a dozen calls: start-up, 4 workers, on a loaded 2-core box."""
ANSWERED_FIRST = 12
_URL = re.compile(r"reference server on (http://127\.0\.0\.1:[1-9][0-9]*/)")
_SEND = '"POST / '
"""An access-log line of a SendEmail answer (hooks are POST /_reset, GET /_outbox)."""


class SlowTarget:
    """`sesconf serve --latency-ms 2000` on a free port, its access log in a file."""

    def __init__(self, folder: Path) -> None:
        self.log = folder / "serve.log"
        argv = [sys.executable, "-m", "conformance", "serve", "--port", "0"]
        with open(self.log, "wb") as sink:
            self.proc = subprocess.Popen(
                [*argv, "--latency-ms", str(LATENCY_MS)],
                cwd=REPO,
                env={**os.environ, "PYTHONPATH": str(REPO)},
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        self.url = self._wait_for_url()

    def _wait_for_url(self) -> str:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            found = _URL.search(self.log.read_text("utf-8", "replace"))
            if found:
                return found.group(1)
            assert self.proc.poll() is None, self.log.read_text("utf-8", "replace")
            time.sleep(0.1)
        raise AssertionError("sesconf serve did not start within 120 s")

    def answered(self) -> int:
        """SendEmail answers the target has sent so far."""
        return self.log.read_text("utf-8", "replace").count(_SEND)

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=30)


@pytest.fixture
def target(tmp_path: Path) -> Iterator[SlowTarget]:
    """A target of its own per test: a late answer to another run never counts here."""
    server = SlowTarget(tmp_path)
    try:
        yield server
    finally:
        server.stop()


def start_run(target: SlowTarget, report_dir: Path, workers: int) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "conformance", "run", "--url", target.url]
    out = report_dir.parent / f"{report_dir.name}.out"
    with open(out, "wb") as sink:
        return subprocess.Popen(
            [*argv, "-n", str(workers), "--report-dir", str(report_dir)],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )


def wait_until_sending(target: SlowTarget, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTED_S
    while target.answered() < ANSWERED_FIRST:
        assert proc.poll() is None, "the run ended before it was stopped"
        assert time.monotonic() < deadline, f"fewer than {ANSWERED_FIRST} answers in {STARTED_S} s"
        time.sleep(0.05)


def alive(pid: int) -> bool:
    """Whether `pid` still runs (a zombie waiting for its reaper does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return False
    return state != b"Z"


def interrupted_run(
    target: SlowTarget,
    tmp_path: Path,
    *,
    workers: int,
    signals: tuple[tuple[float, int], ...],
) -> tuple[int, float, int, Path]:
    """Run, send SIGINT/SIGTERM at each offset of `signals` (seconds after the first):
    (exit code, seconds from the first signal to the exit, answers before it, report)."""
    report_dir = tmp_path / "report"
    proc = start_run(target, report_dir, workers)
    try:
        wait_until_sending(target, proc)
        before = target.answered()
        signalled = time.monotonic()
        for offset, signum in signals:
            time.sleep(max(0.0, signalled + offset - time.monotonic()))
            proc.send_signal(signum)
        returncode = proc.wait(timeout=60)
        seconds = time.monotonic() - signalled
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return returncode, seconds, before, report_dir


def test_sigterm_stops_four_workers_within_2_s_and_counts_every_answer(
    target: SlowTarget, tmp_path: Path
) -> None:
    returncode, seconds, before, report_dir = interrupted_run(
        target, tmp_path, workers=4, signals=((0.0, signal.SIGTERM),)
    )
    assert (ExitCode.INTERRUPTED, True) == (returncode, seconds < STOP_WITHIN_S), (
        f"exit {returncode} after {seconds:.2f} s"
    )
    summary = valid_summary(report_dir)
    assert (6, True, "SIGTERM received") == (
        summary["exit_code"],
        summary["interrupted"],
        summary["interruption"],
    )
    assert "ses-conformance report" in (report_dir / "index.html").read_text("utf-8")
    workers = [int(name) for name in os.listdir(report_dir / "records" / PIDS)]
    assert (4, []) == (len(workers), [pid for pid in workers if alive(pid)])
    time.sleep(LATENCY_MS / 1000 + 0.5)  # the calls in flight at the signal get answered
    after = target.answered()
    answered = summary["exchanges"]["answered"]
    # every answer sent before the signal is counted; after it, nothing new was sent
    # but the calls in flight (one per worker), whose answers came too late
    assert (True, True) == (before <= answered <= after, after - before <= 4), (
        f"target: {before} answers before the signal, {after} in all; summary: {answered}"
    )


def test_a_second_sigint_exits_at_once_after_the_last_write(
    target: SlowTarget, tmp_path: Path
) -> None:
    returncode, seconds, before, report_dir = interrupted_run(
        target, tmp_path, workers=2, signals=((0.0, signal.SIGINT), (0.05, signal.SIGINT))
    )
    exited = time.time()
    assert (ExitCode.INTERRUPTED, True) == (returncode, seconds < STOP_WITHIN_S), (
        f"exit {returncode} after {seconds:.2f} s"
    )
    summary = valid_summary(report_dir)
    assert (True, "SIGINT received") == (summary["interrupted"], summary["interruption"])
    written = max(
        (report_dir / name).stat().st_mtime for name in ("summary.json", "index.html", "junit.xml")
    )
    assert exited - written < 1.0, f"exited {exited - written:.2f} s after the last write"
    assert before <= summary["exchanges"]["answered"]
