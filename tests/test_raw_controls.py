"""A raw refusal is blamed on the rule whose dimension it is: the controls of the message's
form (raw.mime, raw.line-length, raw.encoding, size.max) keep the request's senders and
recipients, so a target that refuses them for their recipients (here the planted
`raw-destinations-ignored`) is not found failing a rule of the message's form."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from conformance.checks.judge import judge
from conformance.model import Accept, Exchange, SendEmailRequest
from conformance.oracle_raw import expect_raw
from conformance.profile import load_builtin_profile, with_protocol
from conformance.protocols.base import Client
from conformance.protocols.clients import make_client
from conformance.server.app import start_server
from sesconf_strategies.raw import message_of, raw_params

PROFILE = with_protocol(load_builtin_profile("reference"), "ses-query")
VERIFIED = "sender@verified.example"
FORM_RULES = ("raw.mime", "raw.line-length", "raw.encoding", "size.max")


@pytest.fixture(scope="module")
def destinations_ignored() -> Iterator[Client]:
    with start_server(PROFILE, fault="raw-destinations-ignored") as server:
        client = make_client(dataclasses.replace(PROFILE, url=server.url))
        try:
            yield client
        finally:
            client.close()


def _send(client: Client) -> Any:
    def send(params: Mapping[str, Any]) -> Exchange:
        return client.send(SendEmailRequest(dict(params)))

    return send


@pytest.mark.parametrize("rule_id", FORM_RULES)
def test_a_refusal_for_the_recipients_is_not_the_message_form_s(
    destinations_ignored: Client, rule_id: str
) -> None:
    """No recipient header, the recipients in Destinations: the faulty target finds none."""
    params = raw_params(message_of(sender=VERIFIED), destinations=["r1@verified.example"])
    assert isinstance(expect_raw(params, PROFILE), Accept)
    send = _send(destinations_ignored)
    exchange = send(params)
    verdict = judge(rule_id, Accept(), exchange, params=params, profile=PROFILE, send_control=send)
    assert verdict is None, verdict


def test_recipients_min_is_blamed(destinations_ignored: Client) -> None:
    """The same refusal is recipients.min's (its count control keeps the recipients)."""
    params = raw_params(message_of(sender=VERIFIED), destinations=["r1@verified.example"])
    send = _send(destinations_ignored)
    verdict = judge(
        "recipients.min", Accept(), send(params), params=params, profile=PROFILE,
        send_control=send,
    )  # fmt: skip
    assert verdict is not None and verdict.rule_id == "recipients.min"
