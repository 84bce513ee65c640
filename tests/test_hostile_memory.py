"""Memory follows no target: each process of a run, the controller and its xdist workers,
stays under the documented bound whatever the target answers (100,000-deep JSON and XML
over each protocol, trickled headers, 50 MB answers).

Each process's peak is its own VmHWM, which it writes to its journal when its session
ends (not `ru_maxrss`: on Linux it carries the forking parent's high-water mark across
exec, so a run started from a large pytest worker would report the worker's size).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._hostile import BATTERY
from tests._servers import RawServer
from tests.test_hostile_battery import (
    PEAK_RSS_MB,
    PROTOCOLS,
    STARTUP_S,
    assert_reports_valid,
    process_peaks,
    profile_text,
    run_sesconf,
)

CASES = [
    *((name, protocol) for name in ("nested-json", "nested-xml") for protocol in PROTOCOLS),
    ("headers-trickle", "sesv2"),
    ("string-50mb", "envelope"),
    ("xml-text-50mb", "ses-query"),
]


@pytest.mark.parametrize(("name", "protocol"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_each_process_of_a_run_stays_under_the_memory_bound(
    name: str, protocol: str, tmp_path: Path
) -> None:
    behaviour, _ = BATTERY[name]
    report_dir = tmp_path / "report"
    with RawServer(behaviour) as server:
        profile = tmp_path / "hostile.toml"
        profile.write_text(profile_text(server.url, protocol), "utf-8")
        args = ["--profile", str(profile), "-n", "2"]
        finished = run_sesconf(args, report_dir, kill_after=3 * STARTUP_S)
    assert finished.returncode in (1, 3), finished.output[-3000:]
    assert_reports_valid(report_dir)
    peaks = process_peaks(report_dir)
    assert len(peaks) >= 2, f"the workers wrote no peak: {peaks}"
    peaks[0] = finished.peak_rss_mb  # the largest process of the run
    over = {pid: round(mib) for pid, mib in peaks.items() if mib >= PEAK_RSS_MB}
    assert {} == over, f"peaks in MiB by pid (0: the whole run): {peaks}"
