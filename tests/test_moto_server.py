"""A real `moto_server` on a free loopback port, and both SES clients against it.

These pin the moto behaviour that conformance/expectations/moto-*.toml predicts, so a moto
upgrade that changes it shows up here first.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests

from conformance.model import Accepted, Rejected, SendEmailRequest
from conformance.profile import load_builtin_profile
from conformance.protocols.aws_answers import SendQuota
from conformance.protocols.query import QueryClient
from conformance.protocols.sesv2 import SesV2Client

MOTO = shutil.which("moto_server")

GOOD: dict[str, Any] = {
    "Source": "sender@verified.example",
    "Destination": {"ToAddresses": ["a@verified.example"]},
    "Message": {"Subject": {"Data": "hi"}, "Body": {"Text": {"Data": "body"}}},
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    """Start `moto_server -H 127.0.0.1 -p PORT`, wait until it answers, stop it after."""
    if MOTO is None:  # a dev dependency: missing means a broken install, not a skip
        pytest.fail("moto_server is not installed: pip install -e '.[dev]'")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    process = subprocess.Popen(
        [MOTO, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"moto_server exited with {process.returncode}")
            try:
                if requests.get(url + "moto-api/", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("moto_server did not answer within 30 s")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(params=["ses-query", "sesv2"])
def client(request: pytest.FixtureRequest, moto_url: str) -> Iterator[QueryClient | SesV2Client]:
    profile = replace(load_builtin_profile("moto"), protocol=request.param).with_url(moto_url)
    cls = QueryClient if request.param == "ses-query" else SesV2Client
    with cls(profile) as made:
        made.provision_identities()
        yield made


def _send(client: QueryClient | SesV2Client, **changes: Any) -> Any:
    exchange = client.send(SendEmailRequest({**GOOD, **changes}))
    assert exchange.protocol == client.name
    return exchange


def test_verified_send_is_accepted(client: QueryClient | SesV2Client) -> None:
    exchange = _send(client)
    assert isinstance(exchange.outcome, Accepted)
    assert exchange.outcome.id is not None and len(exchange.outcome.id) == 60
    assert dict(exchange.problems) == {}


def test_unverified_sender_is_message_rejected(client: QueryClient | SesV2Client) -> None:
    exchange = _send(client, Source="x@unverified.example")
    assert exchange.outcome == Rejected(
        "MessageRejected", "Email address not verified x@unverified.example", 400
    )
    assert dict(exchange.problems) == {}


def test_subdomain_of_verified_domain_is_refused(client: QueryClient | SesV2Client) -> None:
    """moto/ses/models.py SESBackend._is_verified_address: exact host lookup (expected fail)."""
    exchange = _send(client, Source="x@sub.verified.example")
    assert isinstance(exchange.outcome, Rejected)
    assert exchange.outcome.code == "MessageRejected"


def test_moto_divergences_both_protocols(client: QueryClient | SesV2Client) -> None:
    """The send_email checks in moto/ses/models.py, as the expectation files describe them."""
    invalid = _send(client, Destination={"ToAddresses": ["a..b@x.example"]})
    assert isinstance(invalid.outcome, Accepted)  # recipients.valid: only "no domain"
    none = _send(client, Destination={"ToAddresses": []})
    assert isinstance(none.outcome, Accepted)  # recipients.min: not checked
    many = _send(client, Destination={"ToAddresses": [f"r{i}@x.example" for i in range(51)]})
    assert many.outcome == Rejected("MessageRejected", "Too many recipients.", 400)
    big = _send(
        client, Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "x" * 11_000_000}}}
    )
    assert isinstance(big.outcome, Accepted)  # size.max: not enforced


def test_missing_subject(client: QueryClient | SesV2Client) -> None:
    exchange = _send(client, Message={"Body": {"Text": {"Data": "b"}}})
    if client.name == "ses-query":
        assert isinstance(exchange.outcome, Accepted)
    else:  # moto/sesv2/responses.py send_email: KeyError 'Subject' -> 500
        assert dict(exchange.problems) == {"robust.no-5xx": ("HTTP 500",)}


def test_get_send_quota_over_query(moto_url: str) -> None:
    profile = load_builtin_profile("moto").with_url(moto_url)
    with QueryClient(profile) as query:
        quota = query.get_send_quota()
        query.provision_identities()
        query.send(SendEmailRequest({**GOOD, "Destination": {"ToAddresses": ["a@x.example"] * 3}}))
        after = query.get_send_quota()
    assert (quota.max_24h_send, quota.max_send_rate) == (200.0, 1.0)
    assert after == SendQuota(200.0, 1.0, quota.sent_last_24h + 3)
