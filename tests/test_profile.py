"""Profile validation is one table: every field has a key, every key a validator that names it.

The CLI's exit 2 on a bad profile is tested in test_cli.py; here each key is tried directly.
"""

from __future__ import annotations

import re
from dataclasses import fields
from typing import Any

import pytest

from conformance.errors import ProfileError, UsageError
from conformance.profile import (
    OTHER_KEYS,
    TABLE_KEYS,
    TOP_KEYS,
    TargetProfile,
    builtin_profile_names,
    load_builtin_profile,
    profile_from_mapping,
)

BAD = {"not a value of any key": object()}
"""A value no validator accepts: every key must refuse it, naming itself."""

GOOD: dict[str, Any] = {
    "name": "mine",
    "protocol": "sesv2",
    "url": "https://ses.example:8443/x",
    "timeout_s": 2.5,
    "region": "eu-west-1",
    "max_examples": 7,
    "run_timeout_s": 30.0,
    "secret_env": ["SESCONF_TEST_SECRET"],
    "identities.verified_addresses": ["a@b.example"],
    "identities.verified_domains": ["b.example"],
    "identities.unverified_domain": "c.example",
    "identities.provision": True,
    "account.sandbox": True,
    "account.max_24h_send": -1,
    "account.quota_counts_simulator": True,
    "account.reset_url": "http://127.0.0.1:1/_reset",
    "account.outbox_url": "http://127.0.0.1:1/_outbox",
    "account.outbox_format": "ministack",
    "account.sandbox_switch": True,
    "account.burst_size": 3,
    "account.max_send_rate": 2.5,
    "account.rate_enforced": False,  # true alone is refused: it needs max_send_rate
    "limits.max_recipients": 3,
    "limits.max_message_bytes": 1000,
    "limits.size_exact": True,
    "safety.max_sends": 9,
    "safety.rate_per_s": 0.5,
    "safety.rate_from_quota": True,
    "aws.profile": "p",
    "aws.access_key_id": "k",
    "aws.secret_access_key": "s",
    "aws.session_token": "t",
}

ALL_KEYS = [*TOP_KEYS, *(f"{t}.{k}" for t, keys in TABLE_KEYS.items() for k in keys)]


def _mapping(dotted: str, value: Any) -> dict[str, Any]:
    table, _, key = dotted.rpartition(".")
    return {table: {key: value}} if table else {key: value}


def _get(profile: TargetProfile, dotted: str) -> Any:
    value: Any = profile
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def test_every_profile_field_has_exactly_one_key() -> None:
    derived = {"secrets"}  # the secret values, read from [aws] and secret_env
    declared = {f.name for f in fields(TargetProfile)} - derived
    assert declared == {*TOP_KEYS, *TABLE_KEYS, "codes"}
    for table, keys in TABLE_KEYS.items():
        assert {f.name for f in fields(getattr(TargetProfile(), table))} == set(keys), table
    assert set(GOOD) == set(ALL_KEYS)
    assert {"extends", "codes"} == OTHER_KEYS


@pytest.mark.parametrize("dotted", ALL_KEYS)
def test_a_good_value_is_applied(dotted: str) -> None:
    expected = GOOD[dotted]
    actual = _get(profile_from_mapping(_mapping(dotted, expected)), dotted)
    assert (tuple(expected) if isinstance(expected, list) else expected) == actual


@pytest.mark.parametrize("dotted", ALL_KEYS)
def test_a_bad_value_is_refused_naming_the_key(dotted: str) -> None:
    with pytest.raises(ProfileError, match=f"^{re.escape(dotted)}: expected"):
        profile_from_mapping(_mapping(dotted, BAD))


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"bogus": 1}, r"^bogus: unknown key \(known: account, aws, codes, extends, "),
        ({"limits": {"max": 1}}, r"^limits\.max: unknown key \(known: max_message_bytes, "),
        ({"limits": 3}, r"^limits: expected a table, got 3$"),
        ({"limits": {"max_recipients": 0}}, r"^limits\.max_recipients: .* >= 1, got 0$"),
        ({"account": {"max_24h_send": -2}}, r"^account\.max_24h_send: .* >= -1, got -2$"),
        ({"account": {"burst_size": 1}}, r"^account\.burst_size: .* >= 2, got 1$"),
        ({"timeout_s": True}, r"^timeout_s: expected a number > 0, got True$"),
        ({"url": "ftp://x"}, r"^url: expected an http:// or https:// URL, got 'ftp://x'$"),
        ({"protocol": "smtp"}, r"^protocol: expected one of envelope, ses-query, sesv2, got"),
        ({"codes": {"no.such": "X"}}, r"^codes\.no\.such: unknown rule id"),
        ({"codes": {"sender.verified": [1]}}, r"^codes\.sender\.verified: expected a list"),
    ],
)
def test_bad_profiles_say_what_is_wrong(mapping: dict[str, Any], message: str) -> None:
    with pytest.raises(ProfileError, match=message) as raised:
        profile_from_mapping(mapping)
    assert isinstance(raised.value, UsageError)  # exit 2


def test_a_table_changes_only_its_keys_over_the_base() -> None:
    base = load_builtin_profile("moto")
    profile = profile_from_mapping(
        {"limits": {"max_recipients": 3}, "codes": {"sender.verified": "X"}}, base=base
    )
    assert 3 == profile.limits.max_recipients
    assert base.limits.max_message_bytes == profile.limits.max_message_bytes
    assert base.identities == profile.identities
    assert base.url == profile.url
    assert {**base.codes, "sender.verified": ("X",)} == dict(profile.codes)


@pytest.mark.parametrize("name", builtin_profile_names())
def test_every_builtin_profile_loads(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")  # the `aws` profile names both
    monkeypatch.setenv("SESCONF_AWS_SENDER", "me@example.com")
    assert isinstance(load_builtin_profile(name), TargetProfile)


def test_a_quota_below_the_recipient_limit_is_refused_naming_the_key() -> None:
    with pytest.raises(ProfileError, match=r"^account\.max_24h_send: 49 is below limits"):
        profile_from_mapping({"account": {"max_24h_send": 49}, "limits": {"max_recipients": 50}})
    assert 50 == profile_from_mapping({"account": {"max_24h_send": 50}}).account.max_24h_send
