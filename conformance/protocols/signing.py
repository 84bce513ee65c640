"""Credentials and SigV4 signing of the two SES protocols, and the client that signs.

Signing is botocore's (never by hand). Secrets live only inside `AwsCredentials` and the
signed headers handed to the transport, which records requests through
`conformance.protocols.curl.redact_headers` (Authorization and the session token become
`$VARIABLES`; curl replays re-sign with `--aws-sigv4`).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Final, TypeAlias
from urllib.parse import urlsplit

import botocore.exceptions
import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conformance.errors import ProfileError
from conformance.model import Answer, Exchange, Rejected, Unrecognized, WireResponse
from conformance.profile import TargetProfile
from conformance.protocols.aws_answers import ErrorCodeJudge
from conformance.protocols.base import HttpClient
from conformance.protocols.limits import RateLimiter, SendBudget
from conformance.protocols.transport import HttpTransport, TransportResult
from conformance.redact import register_secrets

SIGNING_NAME: Final = "ses"
"""botocore's signingName for both `ses` (2010-12-01) and `sesv2` (2019-09-27)."""


@dataclass(frozen=True, slots=True)
class AwsCredentials:
    """One set of AWS credentials; the secret parts never appear in a repr."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.access_key_id or not self.secret_access_key:
            raise ProfileError("aws: access_key_id and secret_access_key must be non-empty")

    def secrets(self) -> tuple[str, ...]:
        """The strings that must never be written anywhere."""
        return tuple(s for s in (self.secret_access_key, self.session_token) if s)


EMULATOR_CREDENTIALS: Final = AwsCredentials("testing", "testing")
"""moto, LocalStack and aws-ses-v2-local accept any signature; these are moto's own."""


def is_loopback_url(url: str) -> bool:
    """True for targets on this machine (emulators), which get dummy credentials."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_credentials(
    *,
    url: str,
    aws_profile: str | None = None,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
    session_token: str | None = None,
) -> AwsCredentials:
    """Explicit keys, else dummy keys for a loopback emulator, else botocore's chain.

    The chain is botocore's own (environment, shared config and credentials files,
    named profiles, SSO, container and instance roles), so a user's usual setup works.
    """
    if access_key_id or secret_access_key:
        if not (access_key_id and secret_access_key):
            raise ProfileError("aws: give both access_key_id and secret_access_key, or neither")
        return AwsCredentials(access_key_id, secret_access_key, session_token or None)
    if aws_profile is None and is_loopback_url(url):
        return EMULATOR_CREDENTIALS
    try:
        found = botocore.session.Session(profile=aws_profile).get_credentials()
    except botocore.exceptions.BotoCoreError as exc:
        raise ProfileError(f"aws.profile: cannot load AWS credentials ({exc})") from None
    if found is None:
        raise ProfileError(
            "aws: no AWS credentials found (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
            "AWS_PROFILE, or name them in the profile's [aws] table)"
        )
    frozen = found.get_frozen_credentials()
    return AwsCredentials(frozen.access_key, frozen.secret_key, frozen.token or None)


def profile_credentials(
    profile: TargetProfile, *, aws_profile: str | None = None
) -> AwsCredentials:
    """The credentials the profile's `[aws]` table names, else `resolve_credentials`'s."""
    named = profile.aws
    return resolve_credentials(
        url=profile.url,
        aws_profile=aws_profile or named.profile,
        access_key_id=named.access_key_id,
        secret_access_key=named.secret_access_key,
        session_token=named.session_token,
    )


class _NoSigningDetails(logging.Filter):
    """botocore.auth logs the canonical request (session token included) and the signature
    at DEBUG; a user running with DEBUG logs would leak them into CI output."""

    _PREFIXES = ("CanonicalRequest", "StringToSign", "Signature")

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith(self._PREFIXES))


_BOTOCORE_AUTH_LOG = logging.getLogger("botocore.auth")
if not any(isinstance(f, _NoSigningDetails) for f in _BOTOCORE_AUTH_LOG.filters):
    _BOTOCORE_AUTH_LOG.addFilter(_NoSigningDetails())


@dataclass(frozen=True, slots=True)
class SigV4Signer:
    """Signs one request with SigV4 for service `ses` in `region`."""

    credentials: AwsCredentials
    region: str
    service: str = SIGNING_NAME

    def __post_init__(self) -> None:
        if not self.region:
            raise ValueError("region must be non-empty")

    def sign(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> dict[str, str]:
        """The headers to send: `headers` plus X-Amz-Date, Authorization (and the token)."""
        creds = Credentials(
            self.credentials.access_key_id,
            self.credentials.secret_access_key,
            self.credentials.session_token,
        )
        request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
        SigV4Auth(creds, self.service, self.region).add_auth(request)
        return {key: str(value) for key, value in request.headers.items()}


Problems: TypeAlias = dict[str, tuple[str, ...]]


class SignedClient(HttpClient):
    """The HTTP client of the SES protocols: every call SigV4-signed with the credentials
    the profile names, or botocore's chain (`profile_credentials`). What the two SES wires
    do alike (an exchange from a transport result, identities, the error-code judge) is
    here once; a subclass names its judges and its admin calls."""

    RULES_NOT_APPLICABLE = frozenset({"envelope.created-at", "http.content-type"})
    error_codes: ClassVar[ErrorCodeJudge]
    """The protocol's `ses.error-codes` table (aws_answers.ErrorCodeJudge)."""

    # HttpClient's options plus the credentials: alike signatures, by design.
    def __init__(
        self,
        profile: TargetProfile,
        *,
        credentials: AwsCredentials | None = None,
        aws_profile: str | None = None,
        transport: HttpTransport | None = None,
        budget: SendBudget | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        super().__init__(profile, transport=transport, budget=budget, limiter=limiter)
        if credentials is None:
            credentials = profile_credentials(profile, aws_profile=aws_profile)
        if credentials != EMULATOR_CREDENTIALS:  # "testing" is moto's, and a common word
            register_secrets((credentials.access_key_id, *credentials.secrets()))
        self.signer = SigV4Signer(credentials, profile.region)

    def error_code_problems(
        self, expected_rules: frozenset[str], rejected: Rejected, *, source_syntax_invalid: bool
    ) -> tuple[str, ...]:
        return self.error_codes(
            expected_rules, rejected, source_syntax_invalid=source_syntax_invalid
        )

    def judge_send_answer(self, response: WireResponse) -> tuple[Answer, Problems]:
        """The outcome of a SendEmail answer and its findings per rule id (the wire's own)."""
        raise NotImplementedError

    def _exchange(
        self,
        result: TransportResult,
        judge: Callable[[WireResponse], tuple[Answer, Problems]] | None = None,
    ) -> Exchange:
        """The exchange of one send, its answer judged by `judge` (default: SendEmail's)."""
        response = result.response
        if response is None or result.failure is not None:
            problems: Problems = {}
            if response is not None and response.status >= 500:
                problems["robust.no-5xx"] = (f"HTTP {response.status}",)
            outcome: Answer = result.failure or Unrecognized("no answer", 0)
            return Exchange(result.request, response, outcome, problems, protocol=self.name)
        outcome, problems = (judge or self.judge_send_answer)(response)
        return Exchange(result.request, response, outcome, problems, protocol=self.name)

    def verify_email_identity(self, address: str) -> None:
        raise NotImplementedError

    def verify_domain_identity(self, domain: str) -> None:
        raise NotImplementedError

    def provision_identities(self) -> None:
        """Verify every identity the profile declares (emulators verify at once)."""
        for address in self.profile.identities.verified_addresses:
            self.verify_email_identity(address)
        for domain in self.profile.identities.verified_domains:
            self.verify_domain_identity(domain)
