"""rate.max-send-rate (issue 18): the profile's keys, the reference's token bucket and its
three wires, and the judgement (a throttle is a valid reason for any refusal, retried once).
Whole runs: tests/test_rate_runs.py.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys

import pytest
import requests
from defusedxml import ElementTree

from conformance.checks.judge import judge
from conformance.checks.judgements import Reading, is_quota_rejection, is_rate_rejection, read
from conformance.errors import ProfileError
from conformance.exitcodes import ExitCode
from conformance.model import (
    Accept,
    Exchange,
    Rejected,
    SendEmailRequest,
    WireRequest,
    WireResponse,
)
from conformance.profile import (
    TargetProfile,
    load_builtin_profile,
    profile_from_mapping,
    with_rate_enforced,
)
from conformance.protocols.clients import make_client
from conformance.server import start_server
from conformance.server.rate import TokenBucket, bucket_for, enforced_or, throttled
from conformance.suite.support import TargetSession, TestContext
from tests._sesconf import REPO

REFERENCE = load_builtin_profile("reference")
RULE = "rate.max-send-rate"
NS = "{http://ses.amazonaws.com/doc/2010-12-01/}"
MESSAGE = "Maximum sending rate exceeded."


class Clock:
    """A clock the test moves by hand: the bucket's arithmetic, not the machine's speed."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# --- the token bucket ---------------------------------------------------------------------


def test_the_bucket_takes_one_second_of_sends_at_once_then_the_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(4, clock=clock)
    assert [True] * 4 + [False] == [bucket.take() for _ in range(5)]
    clock.now += 0.25  # a quarter second: one send's token
    assert [True, False] == [bucket.take(), bucket.take()]
    clock.now += 10  # a long pause refills one second's worth, no more
    assert [True] * 4 + [False] == [bucket.take() for _ in range(5)]


def test_a_rate_under_one_a_second_still_sends_one() -> None:
    clock = Clock()
    bucket = TokenBucket(0.5, clock=clock)
    assert (1.0, [True, False]) == (bucket.capacity, [bucket.take(), bucket.take()])
    clock.now += 1.9
    assert not bucket.take()
    clock.now += 0.2
    assert bucket.take()


def test_a_clock_that_goes_back_refills_nothing() -> None:
    clock = Clock()
    bucket = TokenBucket(1, clock=clock)
    assert bucket.take()
    clock.now -= 5
    assert not bucket.take()


def test_only_an_empty_bucket_throttles() -> None:
    clock = Clock()
    bucket = TokenBucket(1, clock=clock)
    assert (False, False, True) == (throttled(None), throttled(bucket), throttled(bucket))


def test_a_bucket_only_for_a_rate_enforced_and_the_rate_reported() -> None:
    enforced = rated(7.5).account
    declared = dataclasses.replace(enforced, rate_enforced=False)
    bucket = bucket_for(enforced)
    assert bucket is not None and (7.5, None) == (bucket.rate, bucket_for(declared))
    assert bucket_for(REFERENCE.account) is None
    assert (7.5, 14.0) == (enforced_or(bucket, 1.0), enforced_or(None, 14.0))


# --- the profile --------------------------------------------------------------------------


def test_the_profile_keys_and_the_pace_they_set() -> None:
    profile = profile_from_mapping(
        {"account": {"max_send_rate": 8, "rate_enforced": True}, "safety": {"rate_per_s": 20}},
        base=REFERENCE,
    )
    assert (8.0, True, 8.0) == (
        profile.account.max_send_rate,
        profile.account.rate_enforced,
        profile.send_rate,
    )
    assert REFERENCE.send_rate is None
    slower = profile_from_mapping({"safety": {"rate_per_s": 2}}, base=profile)
    assert 2.0 == slower.send_rate


@pytest.mark.parametrize(
    ("account", "message"),
    [
        ({"max_send_rate": 0}, "account.max_send_rate: expected a number > 0, got 0"),
        ({"max_send_rate": -2.5}, "account.max_send_rate: expected a number > 0, got -2.5"),
        ({"max_send_rate": "fast"}, "account.max_send_rate: expected a number > 0, got 'fast'"),
        ({"max_send_rate": True}, "account.max_send_rate: expected a number > 0, got True"),
        ({"max_send_rate": float("inf")}, "account.max_send_rate: expected a number > 0, got inf"),
        ({"rate_enforced": "yes"}, "account.rate_enforced: expected true or false, got 'yes'"),
        ({"rate_enforced": True}, "account.rate_enforced: true needs account.max_send_rate"),
    ],
)
def test_bad_profile_values_are_errors_naming_key_and_value(
    account: dict[str, object], message: str
) -> None:
    with pytest.raises(ProfileError, match=re.escape(message)):
        profile_from_mapping({"account": account}, base=REFERENCE)


def test_serve_s_rate_is_validated_as_the_profile_key() -> None:
    assert 3.0 == with_rate_enforced(REFERENCE, 3, "--max-send-rate").account.max_send_rate
    with pytest.raises(ProfileError, match=r"^--max-send-rate: account.max_send_rate: .* got -1"):
        with_rate_enforced(REFERENCE, -1, "--max-send-rate")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "--max-send-rate: account.max_send_rate: expected a number > 0, got 0.0"),
        ("-3", "--max-send-rate: account.max_send_rate: expected a number > 0, got -3.0"),
        ("inf", "--max-send-rate: account.max_send_rate: expected a number > 0, got inf"),
        ("fast", "argument --max-send-rate: invalid float value: 'fast'"),
    ],
)
def test_sesconf_serve_refuses_a_bad_rate_with_exit_2(value: str, message: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "serve", "--port", "0", "--max-send-rate", value],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert ExitCode.USAGE_ERROR == proc.returncode, proc.stdout + proc.stderr
    assert message in proc.stderr


# --- the reference's three wires ----------------------------------------------------------


def rated(rate: float) -> TargetProfile:
    return with_rate_enforced(REFERENCE, rate, "test")


SLOW = rated(0.1)
"""One token, refilled in ten seconds: the second send of a test is refused."""
FORM = {
    "Action": "SendEmail",
    "Version": "2010-12-01",
    "Source": "sender@verified.example",
    "Destination.ToAddresses.member.1": "to@verified.example",
    "Message.Subject.Data": "Hello",
    "Message.Body.Text.Data": "text",
}
ENVELOPE = {
    "Source": "sender@verified.example",
    "Destination": {"ToAddresses": ["to@verified.example"]},
    "Message": {"Subject": {"Data": "Hello"}, "Body": {"Text": {"Data": "text"}}},
}
V2 = {
    "FromEmailAddress": "sender@verified.example",
    "Destination": {"ToAddresses": ["to@verified.example"]},
    "Content": {"Simple": {"Subject": {"Data": "Hello"}, "Body": {"Text": {"Data": "text"}}}},
}


def test_the_envelope_throttles_with_429_throttling() -> None:
    with start_server(SLOW) as server:
        assert 200 == requests.post(server.url, json=ENVELOPE, timeout=30).status_code
        answer = requests.post(server.url, json=ENVELOPE, timeout=30)
        error = {"code": "THROTTLING", "message": MESSAGE}
        assert (429, False, error) == (answer.status_code, *answer.json().values())
        assert [] == server.engine.outbox()[1:]  # the refused send delivered nothing


def test_query_throttles_as_real_ses_and_reports_the_rate() -> None:
    with start_server(SLOW) as server:
        assert 200 == requests.post(server.url, data=FORM, timeout=30).status_code
        answer = requests.post(server.url, data=FORM, timeout=30)
        root = ElementTree.fromstring(answer.content)
        error = [root.findtext(f"{NS}Error/{NS}{name}") for name in ("Type", "Code", "Message")]
        assert (400, ["Sender", "Throttling", MESSAGE]) == (answer.status_code, error)
        quota = requests.post(server.url, data={"Action": "GetSendQuota"}, timeout=30)
        assert "<MaxSendRate>0.1</MaxSendRate>" in quota.text


def test_sesv2_throttles_with_429_too_many_requests() -> None:
    with start_server(SLOW) as server:
        url = server.url + "v2/email/outbound-emails"
        assert 200 == requests.post(url, json=V2, timeout=30).status_code
        answer = requests.post(url, json=V2, timeout=30)
        kind = answer.headers["x-amzn-ErrorType"].split(":")[0]
        assert (429, "TooManyRequestsException") == (answer.status_code, kind)
        assert MESSAGE == answer.json()["message"]
        account = requests.get(server.url + "v2/email/account", timeout=30).json()
        assert 0.1 == account["SendQuota"]["MaxSendRate"]


# --- the judgement ------------------------------------------------------------------------


def refusal(code: str, message: str, status: int = 400) -> Exchange:
    request = WireRequest("POST", "http://127.0.0.1:1/", (), b"{}")
    response = WireResponse(status, (), b"", 0.0)
    return Exchange(request, response, Rejected(code, message, status), {})


def test_a_rate_throttle_is_told_from_a_quota_one_only_where_the_rate_is_enforced() -> None:
    rate, quota = (
        refusal("Throttling", MESSAGE),
        refusal("Throttling", "Daily message quota exceeded."),
    )
    enforced = rated(5)
    assert (True, False) == (is_rate_rejection(rate, enforced), is_quota_rejection(rate, enforced))
    assert (False, True) == (
        is_rate_rejection(quota, enforced),
        is_quota_rejection(quota, enforced),
    )
    assert (False, True) == (
        is_rate_rejection(rate, REFERENCE),
        is_quota_rejection(rate, REFERENCE),
    )
    pinned = dataclasses.replace(enforced, codes={RULE: ("SLOW_DOWN",)})
    assert is_rate_rejection(refusal("SLOW_DOWN", "wait"), pinned)
    assert not is_rate_rejection(rate, pinned)


def test_a_throttled_acceptance_is_no_other_rule_s_failure_and_is_the_rate_s() -> None:
    params = dict(ENVELOPE)
    sent: list[object] = []

    def control(p: object) -> Exchange:
        sent.append(p)
        return refusal("Throttling", MESSAGE)

    throttled, profile = refusal("Throttling", MESSAGE, 429), rated(5)
    for rule_id in ("sender.verified", "recipients.max", "sandbox.recipients"):
        verdict = judge(
            rule_id, Accept(), throttled, params=params, profile=profile, send_control=control
        )
        assert verdict is None
    assert [] == sent  # a throttle needs no control to be a valid reason
    verdict = judge(RULE, Accept(), throttled, params=params, profile=profile, send_control=control)
    assert verdict is not None and RULE == verdict.rule_id and "send-rate" in verdict.summary


def test_a_send_refused_for_the_rate_is_retried_once_after_a_second() -> None:
    """Other tests keep under the declared rate; a target that counts more strictly is
    waited out once (it enforces 0.5: one token, two seconds to refill, so the retry one
    second later is refused too)."""
    with start_server(rated(0.5)) as server:
        moved = rated(50).with_url(server.url)
        ctx = TestContext("t", ("sender.verified",), TargetSession(moved, make_client(moved), 1))
        request = SendEmailRequest(ENVELOPE)
        assert Reading.ACCEPTED == read(ctx.send_expecting(request, Accept()))
        throttled = ctx.send_expecting(request, Accept())
        assert is_rate_rejection(throttled, moved)
        assert 3 == ctx.tally.exchanges["sender.verified"]  # one send, then two: a retry
        assert 1 == len(server.engine.outbox())
        ctx.judge("sender.verified", Accept(), throttled, params=ENVELOPE)  # no failure
