"""The reference stays responsive and never answers 5xx, whatever one client sends.

A 4.6 MB request with 167,772 recipients once held the engine's lock for 15-20 s while a
small valid send waited behind it; validation now runs outside the lock and recipients
past a bound are refused before any is classified.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.profile import load_builtin_profile
from conformance.server import RunningServer, start_server
from tests.test_server_robust import BODIES, ROUTES, assert_protocol_form

REFERENCE = load_builtin_profile("reference")
SMALL = {
    "Source": "sender@verified.example",
    "Destination": {"ToAddresses": ["to@verified.example"]},
    "Message": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}},
}
HUGE_RECIPIENTS = 167_772


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with start_server(REFERENCE) as running:
        yield running
        assert 0 == running.engine.internal_errors


def huge_request() -> bytes:
    recipients = [f"r{index:06d}@verified.example" for index in range(HUGE_RECIPIENTS)]
    params = dict(SMALL, Destination={"ToAddresses": recipients})
    return json.dumps(params).encode()


def small_send_latencies(url: str, stop: threading.Event) -> list[float]:
    """Small valid sends one after another until `stop`; each one's round trip."""
    latencies: list[float] = []
    with requests.Session() as session:
        while not stop.is_set() or len(latencies) < 3:
            started = time.monotonic()
            response = session.post(url, json=SMALL, timeout=30)
            latencies.append(time.monotonic() - started)
            assert 200 == response.status_code, response.text[:200]
    return latencies


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """`sesconf serve` in its own process: the client's threads must not share its GIL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = [sys.executable, "-m", "conformance", "serve", "--port", str(port)]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(200):
            with contextlib.suppress(requests.ConnectionError):
                requests.get(url + "_outbox", timeout=2)
                break
            time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def delay_beside_huge(url: str, body: bytes) -> float:
    """How much longer the slowest small send took while the huge request was served."""
    baseline_stop = threading.Event()
    baseline_stop.set()
    baseline = statistics.median(small_send_latencies(url, baseline_stop))
    done = threading.Event()
    answers: list[requests.Response] = []

    def huge() -> None:
        try:
            answers.append(
                requests.post(
                    url, data=body, headers={"Content-Type": "application/json"}, timeout=60
                )
            )
        finally:
            done.set()

    sender = threading.Thread(target=huge)
    sender.start()
    latencies = small_send_latencies(url, done)
    sender.join()
    assert 400 == answers[0].status_code
    assert "Recipient count exceeds" in answers[0].json()["error"]["message"]
    return max(latencies) - baseline


def test_a_huge_request_does_not_delay_a_small_send(served: str) -> None:
    """Best of three tries: on a shared 2-core box the scheduler alone can add 100 ms.
    Before the fix every try waited 14 s (the engine's lock held for the whole request)."""
    body = huge_request()
    assert 4_500_000 < len(body) < 4_800_000  # the 4.6 MB of issue 12
    delays = []
    for _ in range(3):
        delays.append(delay_beside_huge(served, body))
        if delays[-1] < 0.100:
            break
    assert min(delays) < 0.100, f"small sends waited {[round(d * 1000) for d in delays]} ms"


def test_a_huge_request_is_answered_promptly(server: RunningServer) -> None:
    started = time.monotonic()
    response = requests.post(
        server.url, data=huge_request(), headers={"Content-Type": "application/json"}, timeout=60
    )
    assert (400, True) == (response.status_code, time.monotonic() - started < 2.0)


def _fuzz(server: RunningServer, examples: int) -> None:
    session = requests.Session()
    statuses: dict[int, int] = {}

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(protocol=st.sampled_from(ROUTES), body=BODIES, method=st.sampled_from(["POST", "GET"]))
    def check(protocol: str, body: bytes, method: str) -> None:
        headers = {"Content-Type": "application/json"}
        target = server.url
        if protocol == "ses-query":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif protocol == "sesv2":
            target = server.url + "v2/email/outbound-emails"
        elif protocol == "hook":
            target = server.url + "_outbox"
        response = session.request(method, target, data=body, headers=headers, timeout=30)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert_protocol_form(protocol, response)

    try:
        check()
    finally:
        session.close()
    fives = {status: n for status, n in statuses.items() if status >= 500}
    assert ({}, 0) == (fives, server.engine.internal_errors)
    assert examples <= sum(statuses.values())


def test_fuzzed_bodies_over_every_protocol_never_5xx(server: RunningServer) -> None:
    """500 bodies (about 5 s on a quiet core); the slow test sends 28,000."""
    _fuzz(server, 500)


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("SESCONF_HOSTILE_FULL") != "1", reason="about 4-5 min: SESCONF_HOSTILE_FULL=1"
)
def test_28000_fuzzed_bodies_never_5xx(server: RunningServer) -> None:
    """The figure of issue 12: 28,000 bodies over the three protocols (about 4-5 min)."""
    _fuzz(server, 28_000)
