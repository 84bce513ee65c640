"""Fixtures shared by the reference server's tests: one server a module, reset per test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import requests

from conformance.profile import load_builtin_profile
from conformance.server.app import RunningServer, start_server

REFERENCE = load_builtin_profile("reference")


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with start_server(REFERENCE) as running:
        yield running


@pytest.fixture
def url(server: RunningServer) -> Iterator[str]:
    requests.post(server.url + "_reset", timeout=5).raise_for_status()
    yield server.url
    assert 0 == server.engine.internal_errors


SKIP_LOG = "SESCONF_SKIP_LOG"
"""When set, a file that gets one `node id<TAB>reason` line per skipped test: .ci/fresh_clone.py
tells a skip a reader opted out of (the reason names a SESCONF_ variable) from a missing tool."""


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = os.environ.get(SKIP_LOG)
    if not path or not report.skipped or os.environ.get("PYTEST_XDIST_WORKER"):
        return  # the controller writes what every worker reports, once
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    with open(path, "a", encoding="utf-8") as log:
        log.write(f"{report.nodeid}\t{' '.join(str(reason).split())}\n")
