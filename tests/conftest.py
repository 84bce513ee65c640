"""Fixtures shared by the reference server's tests: one server a module, reset per test."""

from __future__ import annotations

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
