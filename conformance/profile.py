"""Target profiles: what the suite must know about a target to judge it.

A profile is a TOML file (a public contract: keys are added, never renamed). `${ENV}`
in string values is expanded. Unknown keys and bad values raise `ProfileError` naming
the key, e.g. `limits.max_recipients: expected an integer >= 1, got 'fifty'`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from conformance.errors import ProfileError
from conformance.profile_values import (
    Validator,
    expand_env,
    http_url,
    int_at_least,
    nonempty_str,
    outbox_format,
    positive_number,
    str_list,
    true_or_false,
)
from conformance.rules import RULES

PROTOCOLS = ("envelope", "ses-query", "sesv2")
SES_SIZE_LIMIT = 10_485_760
SESV2_SIZE_LIMIT = 41_943_040  # "SES v2 API or SMTP: 40 MB per message" (quotas.md)


@dataclass(frozen=True, slots=True)
class Identities:
    verified_addresses: tuple[str, ...] = ("sender@verified.example",)
    verified_domains: tuple[str, ...] = ("verified.example",)
    unverified_domain: str = "unverified.example"
    provision: bool = False
    """Verify the identities on the target before the run (emulators). Off by default:
    on real SES, VerifyEmailIdentity sends a verification email."""


@dataclass(frozen=True, slots=True)
class Account:
    sandbox: bool = False
    max_24h_send: int | None = None
    """The daily quota in recipients; None when the profile declares none, -1 unlimited."""
    quota_counts_simulator: bool = False
    reset_url: str | None = None
    """POST here resets the target's quota counter and outbox (test hook)."""
    outbox_url: str | None = None
    """GET here lists delivered messages: {"messages": [{"id", "to", "cc", "bcc"}, ...]}."""
    outbox_format: str = "contract"
    """The shape outbox_url answers in: "contract" (the line above), or an emulator's own
    ("ministack", "localstack"), adapted by conformance/outbox_formats.py."""
    sandbox_switch: bool = False
    """Before the run (and after each reset), set the target's sandbox to `sandbox` with
    SESv2 PutAccountDetails (ProductionAccessEnabled = not sandbox): emulators only."""
    burst_size: int = 8
    """Sends released together in each concurrency test of the state rules (at least 2)."""
    max_send_rate: float | None = None
    """The account's MaxSendRate (sends a second): the suite never sends faster."""
    rate_enforced: bool = False
    """The target promises to throttle sends over max_send_rate (rate.max-send-rate)."""


@dataclass(frozen=True, slots=True)
class Limits:
    max_recipients: int = 50
    max_message_bytes: int = SES_SIZE_LIMIT
    size_exact: bool = False
    """True: content bytes over max_message_bytes are rejected and all else accepted."""


@dataclass(frozen=True, slots=True)
class Safety:
    max_sends: int | None = None
    """Hard cap on SendEmail calls in one run; None for no cap."""
    rate_per_s: float | None = None
    """At most this many calls a second; None for no limit."""
    rate_from_quota: bool = False
    """Take rate_per_s from the target's MaxSendRate (GetSendQuota) before the run."""


@dataclass(frozen=True, slots=True)
class Aws:
    """Credentials named in the profile; otherwise botocore's standard chain is used.

    The secrets stay out of every repr, so no report, log or traceback can show them.
    """

    profile: str | None = None
    access_key_id: str | None = field(default=None, repr=False)
    secret_access_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Hypothesis prints dataclasses field by field, `repr=False` or not: not these."""
        printer.text(repr(self))


@dataclass(frozen=True, slots=True)
class TargetProfile:
    name: str = "reference"
    protocol: str = "envelope"
    url: str = "http://127.0.0.1:8025/"
    timeout_s: float = 10.0
    region: str = "us-east-1"
    max_examples: int | None = None
    """Examples per test for this target (moto is slow); --max-examples wins."""
    identities: Identities = field(default_factory=Identities)
    account: Account = field(default_factory=Account)
    limits: Limits = field(default_factory=Limits)
    safety: Safety = field(default_factory=Safety)
    aws: Aws = field(default_factory=Aws)
    codes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Error codes pinned per rule id: a rejection for that rule must use one of them."""
    run_timeout_s: float | None = None
    """The whole run stops after this long (None: derived from the budget, see the CLI)."""
    secret_env: tuple[str, ...] = ()
    """Environment variables whose values are secrets: masked wherever they appear."""
    secrets: tuple[str, ...] = field(default=(), repr=False)
    """The secret values themselves ([aws] keys, secret_env values), for redaction."""

    @property
    def has_quota(self) -> bool:
        return (
            self.account.max_24h_send is not None
            and self.account.max_24h_send >= 0
            and self.account.reset_url is not None
        )

    @property
    def send_rate(self) -> float | None:
        """Sends a second the suite keeps to: safety.rate_per_s, and never over the
        account's declared MaxSendRate (so a rate-limited target is not throttled)."""
        rates = [r for r in (self.safety.rate_per_s, self.account.max_send_rate) if r]
        return min(rates) if rates else None

    def with_url(self, url: str) -> TargetProfile:
        """The same profile at another address; test hooks move with it."""
        old = self.url.rstrip("/")
        account = self.account

        def moved(hook: str | None) -> str | None:
            if hook and hook.startswith(old):
                return url.rstrip("/") + hook[len(old) :]
            return hook

        account = replace(
            account, reset_url=moved(account.reset_url), outbox_url=moved(account.outbox_url)
        )
        return replace(self, url=url, account=account)


def with_protocol(profile: TargetProfile, protocol: str) -> TargetProfile:
    """The same target over another wire; SESv2's 40 MB limit replaces v1's default 10 MB."""
    if protocol not in PROTOCOLS:
        raise ProfileError(f"protocol: expected one of {', '.join(PROTOCOLS)}, got {protocol!r}")
    limits = profile.limits
    if protocol == "sesv2" and limits.max_message_bytes == SES_SIZE_LIMIT:
        limits = replace(limits, max_message_bytes=SESV2_SIZE_LIMIT)
    elif protocol != "sesv2" and limits.max_message_bytes == SESV2_SIZE_LIMIT:
        limits = replace(limits, max_message_bytes=SES_SIZE_LIMIT)
    return replace(profile, protocol=protocol, limits=limits)


DEFAULT_MAX_EXAMPLES = 60
"""Examples per test when neither --max-examples nor the profile says."""


def resolve_target(
    *,
    profile_file: str | Path | None = None,
    target: str | None = None,
    url: str | None = None,
    protocol: str | None = None,
) -> tuple[TargetProfile, bool]:
    """(profile, embedded): the reference named by nothing, or by name with no URL, is the
    embedded one that the caller must start itself."""
    if profile_file is not None:
        profile, embedded = load_profile(profile_file), False
    elif target is not None and target != "reference":
        profile, embedded = load_builtin_profile(target), False
    else:
        profile, embedded = load_builtin_profile("reference"), url is None
    if url is not None:
        profile = profile.with_url(url)
    if protocol is not None:
        profile = with_protocol(profile, protocol)
    return profile, embedded


# --- loading ----------------------------------------------------------------------------


def _protocol(raw: Any, key: str) -> str:
    protocol = nonempty_str(raw, key)
    if protocol not in PROTOCOLS:
        raise ProfileError(f"{key}: expected one of {', '.join(PROTOCOLS)}, got {protocol!r}")
    return protocol


TOP_KEYS: dict[str, Validator] = {
    "name": nonempty_str,
    "protocol": _protocol,
    "url": http_url,
    "timeout_s": positive_number,
    "region": nonempty_str,
    "max_examples": int_at_least(1),
    "run_timeout_s": positive_number,
    "secret_env": str_list,
}
"""Top-level keys: each is the TargetProfile field of the same name."""

TABLE_KEYS: dict[str, dict[str, Validator]] = {
    "identities": {
        "verified_addresses": str_list,
        "verified_domains": str_list,
        "unverified_domain": nonempty_str,
        "provision": true_or_false,
    },
    "account": {
        "sandbox": true_or_false,
        "max_24h_send": int_at_least(-1),
        "quota_counts_simulator": true_or_false,
        "reset_url": http_url,
        "outbox_url": http_url,
        "outbox_format": outbox_format,
        "sandbox_switch": true_or_false,
        "max_send_rate": positive_number,
        "rate_enforced": true_or_false,
        "burst_size": int_at_least(2),
    },
    "limits": {
        "max_recipients": int_at_least(1),
        "max_message_bytes": int_at_least(1),
        "size_exact": true_or_false,
    },
    "safety": {
        "max_sends": int_at_least(1),
        "rate_per_s": positive_number,
        "rate_from_quota": true_or_false,
    },
    "aws": {
        "profile": nonempty_str,
        "access_key_id": nonempty_str,
        "secret_access_key": nonempty_str,
        "session_token": nonempty_str,
    },
}
"""`[table]` keys: each table is the TargetProfile field of its name, each key a field of it.
A new profile key is one line here (and a field of the dataclass)."""

OTHER_KEYS = frozenset({"extends", "codes"})
"""Top-level keys handled on their own: `extends` by the loader, `[codes]` by `_codes`."""


def _table(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    raw = data.get(name, {})
    if not isinstance(raw, dict):
        raise ProfileError(f"{name}: expected a table, got {raw!r}")
    return dict(raw)


def _no_unknown(table: Mapping[str, Any], known: Iterable[str], prefix: str) -> None:
    known = set(known)
    for key in table:
        if key not in known:
            where = f"{prefix}.{key}" if prefix else key
            raise ProfileError(f"{where}: unknown key (known: {', '.join(sorted(known))})")


def _validated(
    raw: Mapping[str, Any], validators: Mapping[str, Validator], prefix: str
) -> dict[str, Any]:
    """The keys of `raw` checked by their validators; an unknown key is an error."""
    _no_unknown(raw, validators, prefix)
    dot = f"{prefix}." if prefix else ""
    return {key: validators[key](value, f"{dot}{key}") for key, value in raw.items()}


def _codes(raw: Mapping[str, Any], base: Mapping[str, tuple[str, ...]]) -> dict[str, Any]:
    codes = dict(base)
    for rule_id, pinned in raw.items():
        if rule_id not in RULES:
            raise ProfileError(f"codes.{rule_id}: unknown rule id (see `sesconf rules`)")
        codes[rule_id] = str_list(
            [pinned] if isinstance(pinned, str) else pinned, f"codes.{rule_id}"
        )
    return codes


def profile_from_mapping(
    data: Mapping[str, Any], *, base: TargetProfile | None = None
) -> TargetProfile:
    """Build a profile from parsed TOML, over `base` (defaults when None)."""
    base = base or TargetProfile()
    data = expand_env(dict(data), "profile")
    _no_unknown(data, {*TOP_KEYS, *TABLE_KEYS, *OTHER_KEYS}, "")
    top = {key: value for key, value in data.items() if key in TOP_KEYS}
    changes: dict[str, Any] = _validated(top, TOP_KEYS, "")
    for name, validators in TABLE_KEYS.items():
        values = _validated(_table(data, name), validators, name)
        changes[name] = replace(getattr(base, name), **values)
    changes["codes"] = _codes(_table(data, "codes"), base.codes)
    changes["secrets"] = _secrets(base, changes)
    return _supported(replace(base, **changes))


def _supported(profile: TargetProfile) -> TargetProfile:
    """Keys that are each valid but together cannot support a run: a daily quota below the
    recipient limit makes a message the limit allows cross the quota, so the two rules
    would contradict each other on one request."""
    account = profile.account
    if account.rate_enforced and account.max_send_rate is None:
        raise ProfileError(
            "account.rate_enforced: true needs account.max_send_rate, the rate it enforces"
        )
    quota, limit = profile.account.max_24h_send, profile.limits.max_recipients
    if quota is not None and 0 <= quota < limit:
        raise ProfileError(
            f"account.max_24h_send: {quota} is below limits.max_recipients ({limit}), so a "
            "message the recipient limit allows would cross the quota; declare a quota of at "
            "least the limit, or -1 (unlimited)"
        )
    return profile


def with_rate_enforced(profile: TargetProfile, rate: Any, where: str) -> TargetProfile:
    """The profile of a target that enforces `rate` sends a second (`sesconf serve
    --max-send-rate`), validated as the profile key is; errors name `where`."""
    try:
        data = {"account": {"max_send_rate": rate, "rate_enforced": True}}
        return profile_from_mapping(data, base=profile)
    except ProfileError as exc:
        raise ProfileError(f"{where}: {exc}") from None


def _secrets(base: TargetProfile, changes: Mapping[str, Any]) -> tuple[str, ...]:
    """Every secret value the profile holds ([aws] keys, `secret_env` values): redaction
    masks them by value wherever they appear."""
    aws = changes["aws"]
    secret_env = changes.get("secret_env", base.secret_env)
    secrets = {*base.secrets, *(os.environ.get(name) or "" for name in secret_env)}
    secrets |= {v for v in (aws.access_key_id, aws.secret_access_key, aws.session_token) if v}
    return tuple(sorted(s for s in secrets if s))


def builtin_profile_names() -> tuple[str, ...]:
    folder = resources.files("conformance") / "profiles"
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml")))


def load_builtin_profile(name: str) -> TargetProfile:
    """A profile shipped with the suite (`reference`, `moto`, ...), by name."""
    names = builtin_profile_names()
    if name not in names:
        raise ProfileError(f"target: unknown built-in target {name!r}; known: {', '.join(names)}")
    text = (resources.files("conformance") / "profiles" / f"{name}.toml").read_text("utf-8")
    return _parse(text, f"built-in profile {name!r}")


def load_profile(path: str | Path) -> TargetProfile:
    """Read a TOML profile; `extends = "moto"` starts from a built-in profile."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ProfileError(f"profile {str(path)!r}: cannot read it ({exc.strerror})") from None
    return _parse(text, f"profile {str(path)!r}")


def _parse(text: str, where: str) -> TargetProfile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{where}: not valid TOML ({exc})") from None
    base = None
    if "extends" in data:
        base = load_builtin_profile(nonempty_str(data["extends"], "extends"))
    try:
        return profile_from_mapping(data, base=base)
    except ProfileError as exc:
        raise ProfileError(f"{where}: {exc}") from None
