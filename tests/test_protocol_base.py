"""The protocol-neutral half (base.py, curl.py): redaction, curl, hooks, safety, dispatch."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import threading
import time
from pathlib import Path

import pytest
from werkzeug.wrappers import Request, Response

from conformance.errors import ProtocolUnavailable, SendBudgetExhausted, TestHookError
from conformance.model import (
    RawRequest,
    SendEmailRequest,
    WireRequest,
)
from conformance.profile import Account, Safety
from conformance.protocols import clients
from conformance.protocols.base import Client
from conformance.protocols.clients import make_client
from conformance.protocols.curl import redact_headers, render_curl
from conformance.protocols.envelope import EnvelopeClient
from conformance.protocols.limits import RateLimiter
from conformance.protocols.transport import HttpTransport
from tests._servers import (
    OK,
    PARAMS,
    WsgiServer,
    answering,
    json_response,
    timed,
)
from tests._servers import (
    target_profile as profile,
)

# --- curl and redaction ---------------------------------------------------------------

SIGV4 = (
    "AWS4-HMAC-SHA256 Credential=AKIDSECRETKEY/20250101/eu-west-1/ses/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=deadbeefcafe"
)


def test_secrets_are_redacted_on_the_record_but_sent_on_the_wire() -> None:
    with answering(json_response(OK)) as server:
        transport = HttpTransport(timeout_s=2)
        result = transport.call(
            "POST", server.url, headers={"Authorization": "Bearer s3cr3t", "X-Amz-Date": "x"}
        )
        transport.close()
    assert server.requests[0].header("Authorization") == "Bearer s3cr3t"
    recorded = dict(result.request.headers)
    assert recorded["Authorization"] == "$AUTHORIZATION"
    assert recorded["X-Amz-Date"] == "x"


def test_sigv4_keeps_its_scope_and_loses_key_and_signature() -> None:
    headers = redact_headers((("Authorization", SIGV4), ("X-Amz-Security-Token", "tok")))
    text = repr(headers)
    assert "AKIDSECRETKEY" not in text and "deadbeefcafe" not in text and "tok'" not in text
    assert "/20250101/eu-west-1/ses/aws4_request" in dict(headers)["Authorization"]
    command = render_curl(WireRequest("POST", "https://h/", headers, b"Action=SendEmail"))
    tokens = shlex.split(command)
    assert tokens[tokens.index("--aws-sigv4") + 1] == "aws:amz:eu-west-1:ses"
    assert tokens[tokens.index("--user") + 1] == "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
    assert "X-Amz-Security-Token: $AWS_SESSION_TOKEN" in tokens


def test_curl_is_one_valid_shell_command() -> None:
    headers = (("Content-Type", "application/json"), ("Authorization", "Bearer s3cr3t"))
    body = json.dumps(PARAMS, ensure_ascii=False).encode()
    command = render_curl(WireRequest("POST", "http://127.0.0.1:1/p?a=1&b=2", headers, body))
    tokens = shlex.split(command)
    assert "s3cr3t" not in command
    assert [tokens[0], tokens[-1]] == ["curl", "http://127.0.0.1:1/p?a=1&b=2"]
    assert tokens[tokens.index("-H") + 1] == "Content-Type: application/json"
    assert body.decode() == tokens[tokens.index("--data-binary") + 1]
    assert "Authorization: $AUTHORIZATION" in tokens


@pytest.mark.parametrize("body", [json.dumps(PARAMS, ensure_ascii=False).encode(), b"\x00\xff{"])
def test_curl_replays_the_same_bytes(body: bytes, tmp_path: Path) -> None:
    with answering(json_response(OK)) as server, EnvelopeClient(profile(server.url)) as client:
        exchange = client.send_raw(RawRequest(body))
        command = client.curl(exchange)
        env = {**os.environ, "AUTHORIZATION": "x"}
        done = subprocess.run(
            ["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, timeout=10
        )
    assert done.returncode == 0, done.stderr
    first, replayed = server.requests
    assert (first.body, first.header("Content-Type")) == (
        replayed.body,
        replayed.header("Content-Type"),
    )


# --- hooks ----------------------------------------------------------------------------


def _hooks(outbox: Response, reset_status: int = 204) -> WsgiServer:
    def handler(request: Request) -> Response:
        if request.path == "/_reset":
            return Response(status=reset_status)
        return outbox

    return WsgiServer(handler)


def _hook_client(server: WsgiServer) -> EnvelopeClient:
    account = Account(reset_url=server.url + "_reset", outbox_url=server.url + "_outbox")
    return EnvelopeClient(profile(server.url, account=account))


def test_reset_and_outbox() -> None:
    messages = [{"id": "m-1", "to": ["a@verified.example"], "cc": [], "bcc": []}]
    with _hooks(json_response({"messages": messages})) as server, _hook_client(server) as client:
        client.reset()
        assert messages == client.outbox()
    assert [(r.method, r.path) for r in server.requests] == [
        ("POST", "/_reset"),
        ("GET", "/_outbox"),
    ]


@pytest.mark.parametrize(
    "answer",
    [
        json_response({"messages": "none"}),
        json_response([1]),
        json_response(b"<html/>"),
        json_response({"messages": []}, status=500),
    ],
)
def test_bad_outbox_is_a_clear_error(answer: Response) -> None:
    with (
        _hooks(answer) as server,
        _hook_client(server) as client,
        pytest.raises(TestHookError, match=r"account\.outbox_url"),
    ):
        client.outbox()


def test_failed_reset_is_a_clear_error() -> None:
    with (
        _hooks(json_response({}), reset_status=500) as server,
        _hook_client(server) as client,
        pytest.raises(TestHookError, match=r"account\.reset_url.*HTTP 500"),
    ):
        client.reset()


def test_undeclared_hooks_do_nothing() -> None:
    with answering(json_response(OK)) as server, EnvelopeClient(profile(server.url)) as client:
        client.reset()
        assert None is client.outbox()
    assert server.requests == []


# --- safety and dispatch --------------------------------------------------------------


def test_send_budget_stops_after_max_sends() -> None:
    with (
        answering(json_response(OK)) as server,
        EnvelopeClient(profile(server.url, safety=Safety(max_sends=3))) as client,
    ):
        for _ in range(3):
            client.send(SendEmailRequest(PARAMS))
        with pytest.raises(SendBudgetExhausted, match=r"safety\.max_sends"):
            client.send_raw(RawRequest(b"{}"))
    assert len(server.requests) == 3


def test_rate_limit_spaces_the_sends() -> None:
    with (
        answering(json_response(OK)) as server,
        EnvelopeClient(profile(server.url, safety=Safety(rate_per_s=20))) as client,
        timed() as t,
    ):
        for _ in range(6):
            client.send(SendEmailRequest(PARAMS))
        elapsed = t()
    assert elapsed >= 5 / 20


def test_rate_limiter_is_shared_fairly_between_threads() -> None:
    limiter = RateLimiter(40)
    stamps: list[float] = []

    def work() -> None:
        for _ in range(3):
            limiter.wait()
            stamps.append(time.monotonic())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(stamps) == 12
    assert max(stamps) - min(stamps) >= 11 / 40 - 0.01


def test_make_client_dispatches_on_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    client = make_client(profile("http://127.0.0.1:1/"))
    assert isinstance(client, EnvelopeClient) and isinstance(client, Client)
    client.close()
    monkeypatch.delitem(clients.CLIENTS, "sesv2")
    with pytest.raises(ProtocolUnavailable, match="unknown 'sesv2'"):
        make_client(profile("http://127.0.0.1:1/", protocol="sesv2"))
    with pytest.raises(ProtocolUnavailable, match="unknown 'smtp'"):
        make_client(profile("http://127.0.0.1:1/", protocol="smtp"))
