"""Emulator hooks (outbox_formats.py, sesv2.switch_sandbox): outbox adapters, sandbox, reset.

The outbox documents in tests/recorded/ are real answers: ministack 1.5.33's
GET /_ministack/ses/messages and LocalStack 2026.3.0's GET /_aws/ses after two sends
(one To + Cc + Bcc, one To only). Purpose-built werkzeug servers serve them over HTTP.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from werkzeug.wrappers import Request, Response

from conformance.errors import ProfileError, SandboxSwitchFailed, TestHookError
from conformance.outbox_formats import adapt_outbox
from conformance.profile import Account, Identities, load_builtin_profile, profile_from_mapping
from conformance.protocols.clients import provision_identities
from conformance.protocols.sesv2 import SesV2Client
from tests._servers import WsgiServer, json_response
from tests._servers import target_profile as profile

RECORDED = Path(__file__).parent / "recorded"
EXPECTED_TO = [["a@verified.example"], ["c@verified.example"]]


def _recorded(name: str) -> Any:
    return json.loads((RECORDED / f"{name}_outbox.json").read_text("utf-8"))


@pytest.mark.parametrize("outbox_format", ["ministack", "localstack"])
def test_recorded_outboxes_become_the_contract(outbox_format: str) -> None:
    messages = adapt_outbox(outbox_format, _recorded(outbox_format))
    assert EXPECTED_TO == [m["to"] for m in messages]
    assert [["b@verified.example"], []] == [m["cc"] for m in messages]
    assert [["success@simulator.amazonses.com"], []] == [m["bcc"] for m in messages]
    assert all(isinstance(m["id"], str) and m["id"] for m in messages)


@pytest.mark.parametrize(
    ("outbox_format", "document", "named"),
    [
        ("ministack", {"messages": []}, "account"),
        ("ministack", {"messages": {"000000000000": [{"To": "a@b.example"}]}}, ".To"),
        ("localstack", {"messages": {}}, "Destination"),
        ("localstack", {"messages": [{"Id": "x", "Destination": []}]}, "Destination"),
        ("contract", {"messages": "none"}, "messages"),
        ("postfix", {"messages": []}, "postfix"),
    ],
)
def test_bad_documents_name_what_is_wrong(outbox_format: str, document: Any, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        adapt_outbox(outbox_format, document)


def test_profile_keys_are_validated() -> None:
    with pytest.raises(ProfileError, match=r"account\.outbox_format.*'postfix'"):
        profile_from_mapping({"account": {"outbox_format": "postfix"}})
    with pytest.raises(ProfileError, match=r"account\.sandbox_switch.*'yes'"):
        profile_from_mapping({"account": {"sandbox_switch": "yes"}})
    ministack = load_builtin_profile("ministack").with_url("http://127.0.0.1:9/")
    assert "http://127.0.0.1:9/_ministack/ses/messages" == ministack.account.outbox_url
    account = ministack.account
    assert ("ministack", True) == (account.outbox_format, account.sandbox_switch)


class FakeMinistack:
    """What ministack answers to the calls the hooks make, and what it was asked."""

    def __init__(self, *, details_status: int = 200) -> None:
        self.details_status = details_status
        self.server = WsgiServer(self.handle)

    def handle(self, request: Request) -> Response:
        if request.path == "/_ministack/ses/messages":
            return json_response(_recorded("ministack"))
        if request.path == "/v2/email/account/details":
            return json_response({}, status=self.details_status)
        if request.path == "/":  # VerifyEmailIdentity / VerifyDomainIdentity over Query
            action = request.form.get("Action", "")
            return Response(
                f'<{action}Response xmlns="http://ses.amazonaws.com/doc/2010-12-01/">'
                f"<{action}Result/></{action}Response>",
                content_type="text/xml",
            )
        return json_response({})  # reset, CreateEmailIdentity

    def calls(self) -> list[tuple[str, str]]:
        return [(r.method, r.path) for r in self.server.requests]

    def details(self) -> list[dict[str, Any]]:
        found = [r for r in self.server.requests if r.path == "/v2/email/account/details"]
        return [json.loads(r.body) for r in found]


def _ministack_profile(url: str, **account: Any) -> Any:
    hooks = Account(
        sandbox=True,
        sandbox_switch=True,
        reset_url=url + "_ministack/reset",
        outbox_url=url + "_ministack/ses/messages",
        outbox_format="ministack",
    )
    identities = Identities(("sender@verified.example",), ("verified.example",), provision=True)
    base = profile(url, protocol="sesv2", identities=identities, account=hooks)
    return replace(base, account=replace(base.account, **account))


def test_outbox_is_adapted_over_http() -> None:
    fake = FakeMinistack()
    with fake.server, SesV2Client(_ministack_profile(fake.server.url)) as client:
        assert EXPECTED_TO == [m["to"] for m in client.outbox() or []]


def test_provisioning_switches_the_sandbox_over_sesv2_whatever_the_protocol() -> None:
    fake = FakeMinistack()
    with fake.server:
        provision_identities(_ministack_profile(fake.server.url, sandbox_switch=True))
        ses_query = replace(_ministack_profile(fake.server.url), protocol="ses-query")
        provision_identities(replace(ses_query, account=replace(ses_query.account, sandbox=False)))
    assert [False, True] == [d["ProductionAccessEnabled"] for d in fake.details()]
    signed = [r for r in fake.server.requests if r.path == "/v2/email/account/details"]
    assert all("AWS4-HMAC-SHA256" in (r.header("Authorization") or "") for r in signed)


def test_a_refused_switch_names_the_status() -> None:
    fake = FakeMinistack(details_status=400)
    with fake.server, pytest.raises(SandboxSwitchFailed, match="HTTP 400"):
        provision_identities(_ministack_profile(fake.server.url))


def test_reset_provisions_again() -> None:
    """ministack's reset wipes identities and the sandbox switch: both come back."""
    fake = FakeMinistack()
    with fake.server, SesV2Client(_ministack_profile(fake.server.url)) as client:
        client.reset()  # the client provisions again itself (base cannot know the others)
    assert ("POST", "/_ministack/reset") == fake.calls()[0]
    assert ("POST", "/v2/email/identities") in fake.calls()  # the profile says sesv2
    assert [False] == [d["ProductionAccessEnabled"] for d in fake.details()]


def test_a_bad_adapted_outbox_is_a_hook_error() -> None:
    server = WsgiServer(lambda request: json_response({"messages": [1]}))
    with (
        server,
        SesV2Client(_ministack_profile(server.url)) as client,
        pytest.raises(TestHookError, match=r"account\.outbox_url.*account"),
    ):
        client.outbox()
