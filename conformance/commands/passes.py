"""The pytest passes of `sesconf run`: one serial pass, or a parallel and a serial one.

With more than one process, the independent tests run first under pytest-xdist
(`--sesconf-phase shared`), then the tests marked `exclusive` (they reset or count the
target's state: quota, outbox) run alone in this process (`--sesconf-phase exclusive`).
The send budget and the rate limit are shared by every process through the files in
`<report dir>/limits` (`conformance.protocols.shared_limits`).
"""

from __future__ import annotations

import os
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conformance.commands.guard import RunGuard
from conformance.commands.progress import ProgressPlugin
from conformance.protocols import shared_limits
from conformance.report.runfiles import PYTEST_JUNIT
from conformance.report.terminal import ProgressPrinter


@contextmanager
def shared_limits_in(folder: Path) -> Iterator[None]:
    """Clients made inside the block (here and in xdist workers, which inherit the
    environment) share one send budget and one rate limit kept in `folder`."""
    if not shared_limits.supported():
        yield
        return
    shared_limits.prepare(folder)
    before = os.environ.get(shared_limits.ENV)
    os.environ[shared_limits.ENV] = str(folder)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(shared_limits.ENV, None)
        else:
            os.environ[shared_limits.ENV] = before


def run_pytest(
    base: list[str], *, workers: int, report_dir: Path, quiet: bool, guard: RunGuard
) -> list[int]:
    """One pass, or with workers a parallel pass and a serial pass for exclusive tests
    (skipped when the guard stopped the run during the first)."""
    junit = report_dir / PYTEST_JUNIT
    extra = ["-qq"] if quiet else []
    if workers == 1:
        plugins = [] if quiet else [ProgressPlugin(ProgressPrinter(sys.stdout))]
        return [int(pytest.main([*base, *extra, f"--junitxml={junit}"], plugins=plugins))]
    guard.unwind_main = True  # this process only waits on its workers: stop it where it is
    try:
        first = int(
            pytest.main(
                [
                    *base,
                    *extra,
                    "-n",
                    str(workers),
                    "--dist",
                    "worksteal",  # tests differ in length: idle workers take over queued ones
                    "--sesconf-phase",
                    "shared",
                    f"--junitxml={report_dir / 'junit-shared.xml'}",
                ]
            )
        )
    finally:
        guard.unwind_main = False
    if guard.interrupted:
        return [first]
    second = int(
        pytest.main(
            [
                *base,
                *extra,
                "--sesconf-phase",
                "exclusive",
                f"--junitxml={report_dir / 'junit-exclusive.xml'}",
            ]
        )
    )
    merge_junit(report_dir / "junit-shared.xml", report_dir / "junit-exclusive.xml", junit)
    return [rc for rc in (first, second) if rc != 5]  # a phase with nothing in it is fine


def merge_junit(first: Path, second: Path, out: Path) -> None:
    root = ET.Element("testsuites")
    for path in (first, second):
        if path.exists():
            tree = ET.parse(path)
            root.extend(tree.getroot().iter("testsuite"))
            path.unlink()
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)
