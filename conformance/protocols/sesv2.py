"""The `sesv2` protocol: Amazon SES API v2 (`POST /v2/email/outbound-emails`, rest-json).

The abstract params keep the v1 names; this module renames them to v2's and otherwise
passes every value through untouched (JSON can carry wrong types, unlike the Query wire).
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from typing import Any, Final, TypeAlias

from conformance.errors import AdminCallFailed, SandboxSwitchFailed, TargetUnreachable
from conformance.model import (
    JSON,
    Accepted,
    Answer,
    Exchange,
    RawRequest,
    Rejected,
    SendEmailRequest,
    Unrecognized,
    WireResponse,
)
from conformance.profile import TargetProfile, with_protocol
from conformance.protocols import aws_answers
from conformance.protocols.aws_answers import CodeRule, SendQuota
from conformance.protocols.bounded import load_json, short_repr, shown, too_deep
from conformance.protocols.signing import SignedClient

__all__ = [
    "SESV2_ERROR_CODES",
    "SesV2Client",
    "Sesv2Client",
    "judge_send_answer",
    "ses_error_code_problems",
    "sesv2_body",
    "sesv2_json",
    "switch_sandbox",
]

SEND_PATH: Final = "/v2/email/outbound-emails"
ACCOUNT_PATH: Final = "/v2/email/account"
IDENTITIES_PATH: Final = "/v2/email/identities"
JSON_TYPE: Final = "application/json"
Problems: TypeAlias = dict[str, tuple[str, ...]]

RENAMED: Final[Mapping[str, str]] = {
    "Source": "FromEmailAddress",
    "SourceArn": "FromEmailAddressIdentityArn",
    "Tags": "EmailTags",
    # v2 has no Return-Path; the feedback address is where bounces go instead
    "ReturnPath": "FeedbackForwardingEmailAddress",
    "ReturnPathArn": "FeedbackForwardingEmailAddressIdentityArn",
}


def sesv2_body(params: Mapping[str, JSON]) -> dict[str, JSON]:
    """v1 params as a v2 SendEmail body: Message becomes Content.Simple (a raw message's
    RawMessage Content.Raw, its Destinations Destination.ToAddresses), names renamed.

    Destination, ReplyToAddresses and ConfigurationSetName keep their names; unknown
    members pass through; a Message that is not an object still goes in Content.Simple.
    """
    if not isinstance(params, Mapping):
        raise TypeError(f"params: expected a mapping, got {type(params).__name__}")
    body: dict[str, JSON] = {}
    for key, value in params.items():
        if key == "Message":
            body["Content"] = {"Simple": value}
        elif key == "RawMessage":
            body["Content"] = {"Raw": value}
        elif key == "Destinations":  # a list's place is ToAddresses, a wrong type's Destination
            body["Destination"] = {"ToAddresses": value} if isinstance(value, list) else value
        else:
            body[RENAMED.get(key, key)] = value
    return body


_SPLICE_FROM: Final = 1 << 20
_SPLICED: Final = "sesconf:spliced-raw-data"
_BASE64: Final = (string.ascii_letters + string.digits + "+/=").encode("ascii")


def sesv2_json(params: Mapping[str, JSON]) -> bytes:
    """`sesv2_body` as the UTF-8 JSON the wire carries. A long Content.Raw.Data of base64
    characters (none of which JSON escapes) is spliced into the rest, encoded apart:
    `json.dumps` and the encoding would each copy a 53 MB string once more."""
    body = sesv2_body(params)
    content = body.get("Content")
    raw = content.get("Raw") if isinstance(content, dict) else None
    data = raw.get("Data") if isinstance(raw, dict) else None
    if not (
        isinstance(content, dict)
        and isinstance(raw, dict)
        and isinstance(data, str)
        and len(data) >= _SPLICE_FROM
        and data.isascii()
    ):
        return _dumps(body)
    encoded = data.encode("ascii")
    if encoded.translate(None, _BASE64):  # a character JSON might escape: no splicing
        return _dumps(body)
    marked = {**body, "Content": {**content, "Raw": {**raw, "Data": _SPLICED}}}
    head, mark, tail = _dumps(marked).partition(b'"' + _SPLICED.encode() + b'"')
    if not mark or _SPLICED.encode() in tail:  # the mark also in a value: no splicing
        return _dumps(body)
    return b"".join((head, b'"', encoded, b'"', tail))


def _dumps(body: Mapping[str, JSON]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")


# --- judging an answer --------------------------------------------------------------------


def _json(body: bytes) -> tuple[Any, str | None]:
    value, error = load_json(body)
    if error is None:
        return value, None
    if isinstance(error, RecursionError):
        return None, too_deep(body)
    return None, f"body is not JSON ({type(error).__name__}): {body[:80]!r}"


def _error_code(response: WireResponse, data: Any) -> tuple[str | None, bool]:
    """The code from x-amzn-ErrorType (`Code:http://...` -> `Code`), else the body's."""
    header = response.header("x-amzn-ErrorType")
    if header:
        return header.split(":", 1)[0].strip() or None, True
    if isinstance(data, dict):
        raw = data.get("__type") or data.get("code") or data.get("Code")
        if isinstance(raw, str) and raw:
            return raw.rsplit("#", 1)[-1].split(":", 1)[0] or None, False
    return None, False


def _success_body(status: int, data: Any, code: str | None) -> bool:
    """A 5xx whose body is a success (a MessageId, no error code): the message was taken."""
    message_id = data.get("MessageId") if isinstance(data, dict) else None
    return status >= 500 and code is None and isinstance(message_id, str) and bool(message_id)


def judge_send_answer(response: WireResponse) -> tuple[Answer, Problems]:
    """The outcome of a v2 SendEmail answer and its findings per rule id (protocols.md §3)."""
    problems: Problems = {}
    status = response.status
    if status >= 500:
        problems["robust.no-5xx"] = (f"HTTP {status}",)
    if response.truncated:
        return Unrecognized("body cut off (over the size cap or incomplete)", status), problems
    data, not_json = _json(response.body)
    code, from_header = _error_code(response, data)
    if (200 <= status < 300 or _success_body(status, data, code)) and not from_header:
        if not_json is not None:
            return Unrecognized(f"success status but {not_json}", status), problems
        message_id = data.get("MessageId") if isinstance(data, dict) else None
        if not isinstance(data, dict):
            problems["envelope.success"] = (f"body is {type(data).__name__}, not an object",)
        elif not isinstance(message_id, str) or not message_id:
            problems["envelope.success"] = (f"MessageId is {short_repr(message_id)}, not a string",)
        if status != 200 and status < 500:  # a 5xx is robust.no-5xx's alone
            problems["http.status"] = (f"success answered with HTTP {status}, expected 200",)
        return Accepted(id=message_id if isinstance(message_id, str) and message_id else None), (
            problems
        )
    lenient_message = data.get("message", data.get("Message")) if isinstance(data, dict) else None
    if code is None and 400 <= status < 500 and isinstance(lenient_message, str):
        # A 4xx JSON error without a code is still recognisably a refusal: the missing
        # x-amzn-ErrorType is envelope.error's business, not every rule's.
        problems["envelope.error"] = ("no x-amzn-ErrorType header and no error code in the body",)
        return Rejected(code=None, message=lenient_message or None, status=status), problems
    if code is None:
        why = not_json or "no x-amzn-ErrorType header and no error code in the body"
        return Unrecognized(why, status), problems
    found: list[str] = []
    if not from_header:
        found.append("x-amzn-ErrorType header is missing (code taken from the body)")
    message = None
    if isinstance(data, dict):
        raw = data.get("message", data.get("Message"))
        message = raw if isinstance(raw, str) and raw else None
    if not_json is not None:
        found.append(not_json)
    elif message is None:
        found.append("body has no non-empty message (or Message) string")
    if found:
        problems["envelope.error"] = tuple(found)
    if code == "TooManyRequestsException" and status != 429:
        problems["http.status"] = (f"{code} answered with HTTP {status}, expected 429",)
    elif status < 400:
        problems["http.status"] = (f"error answered with HTTP {status}, expected 4xx",)
    return Rejected(code=code, message=message, status=status), problems


# --- ses.error-codes ----------------------------------------------------------------------

_BAD_REQUEST: Final = CodeRule(frozenset({"BadRequestException"}))
_NOT_VERIFIED: Final = CodeRule(
    # ground truth §3.5: SESv2 was seen answering MailFromDomainNotVerifiedException
    frozenset({"MessageRejected", "MailFromDomainNotVerifiedException"})
)
SESV2_ERROR_CODES: Final[Mapping[str, CodeRule]] = {
    "sender.verified": _NOT_VERIFIED,
    "sandbox.recipients": _NOT_VERIFIED,
    "recipients.valid": _BAD_REQUEST,
    "recipients.max": _BAD_REQUEST,
    "recipients.min": _BAD_REQUEST,
    "size.max": _BAD_REQUEST,
    "request.required": _BAD_REQUEST,
    "quota.recipients": CodeRule(frozenset({"TooManyRequestsException", "LimitExceededException"})),
    "tags.valid": _BAD_REQUEST,
    "raw.mime": _BAD_REQUEST,  # v2's code for what v1 answers InvalidParameterValue
}
"""SESv2 codes per rule (ses-ground-truth.md §5; the v2 messages are unconfirmed)."""


ses_error_code_problems = aws_answers.ErrorCodeJudge(SESV2_ERROR_CODES, _BAD_REQUEST)
"""`ses.error-codes` for one rejection by the v2 table; an unparseable From is
BadRequestException."""


# --- the client ---------------------------------------------------------------------------


class SesV2Client(SignedClient):
    """SES v2 over rest-json, SigV4-signed (signing name `ses`, the profile's region)."""

    name = "sesv2"
    error_codes = ses_error_code_problems

    def switch_sandbox(self) -> None:
        switch_sandbox(self.profile)

    def _url(self, path: str) -> str:
        return self.profile.url.rstrip("/") + path

    def _signed(self, method: str, url: str, body: bytes, content_type: str) -> dict[str, str]:
        headers = {"Content-Type": content_type} if body else {}
        return self.signer.sign(method, url, headers, body)

    def send(self, request: SendEmailRequest) -> Exchange:
        return self._post_send(sesv2_json(request.params), JSON_TYPE)

    def send_raw(self, raw: RawRequest) -> Exchange:
        return self._post_send(raw.body, raw.content_type)

    def _post_send(self, body: bytes, content_type: str) -> Exchange:
        url = self._url(SEND_PATH)
        headers = self._signed("POST", url, body, content_type)
        return self._exchange(self._send_call("POST", url, headers=headers, body=body))

    def judge_send_answer(self, response: WireResponse) -> tuple[Answer, Problems]:
        return judge_send_answer(response)

    # --- provisioning and quota (not counted against safety.max_sends) -----------------

    def _admin(self, method: str, path: str, payload: JSON | None = None) -> tuple[int, Any]:
        url = self._url(path)
        body = b"" if payload is None else json.dumps(payload).encode("utf-8")
        result = self.transport.call(
            method, url, headers=self._signed(method, url, body, JSON_TYPE), body=body
        )
        if result.response is None:
            failure = result.failure
            detail = f"{failure.kind}: {failure.detail}" if failure else "no answer"
            raise TargetUnreachable(f"{method} {url}: {detail}")
        data, _ = _json(result.response.body)
        return result.response.status, data

    def get_send_quota(self) -> SendQuota:
        """GET /v2/email/account -> SendQuota {Max24HourSend, MaxSendRate, SentLast24Hours}."""
        status, data = self._admin("GET", ACCOUNT_PATH)
        quota = data.get("SendQuota") if isinstance(data, dict) else None
        if status != 200 or not isinstance(quota, dict):
            raise AdminCallFailed(f"GetAccount: HTTP {status}, no SendQuota in {shown(data, 200)}")
        values: list[float] = []
        for member in ("Max24HourSend", "MaxSendRate", "SentLast24Hours"):
            value = quota.get(member)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise AdminCallFailed(
                    f"GetAccount: SendQuota.{member} is {shown(value)}, not a number"
                )
            values.append(float(value))
        return SendQuota(*values)

    def _create_identity(self, identity: str, what: str) -> None:
        if not isinstance(identity, str) or not identity:
            raise ValueError(f"{what}: expected a non-empty string, got {identity!r}")
        status, data = self._admin("POST", IDENTITIES_PATH, {"EmailIdentity": identity})
        code = data.get("__type") if isinstance(data, dict) else None
        if status != 200 and not (isinstance(code, str) and "AlreadyExists" in code):
            raise AdminCallFailed(
                f"CreateEmailIdentity {identity!r}: HTTP {status}, {shown(data, 200)}"
            )

    def verify_email_identity(self, address: str) -> None:
        """POST /v2/email/identities {"EmailIdentity": address} (real SES emails a link)."""
        self._create_identity(address, "address")

    def verify_domain_identity(self, domain: str) -> None:
        """POST /v2/email/identities {"EmailIdentity": domain} (DNS records still needed)."""
        self._create_identity(domain, "domain")


# --- the sandbox switch (any protocol's client calls it) ------------------------------


ACCOUNT_DETAILS_PATH = "/v2/email/account/details"


def switch_sandbox(profile: TargetProfile) -> None:
    """Put the target into (or out of) the sandbox, as `account.sandbox` says.

    SESv2 PutAccountDetails with ProductionAccessEnabled = not sandbox, over the target's
    SESv2 endpoint whatever protocol the run speaks; the details are the fixed minimum the
    API requires (MailType, WebsiteURL). Real SES only files a request for review here,
    which is why the switch is opt-in per profile.
    """
    client = SesV2Client(with_protocol(profile, "sesv2"))
    payload = {
        "MailType": "TRANSACTIONAL",
        "WebsiteURL": "https://example.com/",
        "UseCaseDescription": "ses-conformance run",
        "ProductionAccessEnabled": not profile.account.sandbox,
    }
    try:
        status, data = client._admin("POST", ACCOUNT_DETAILS_PATH, payload)
    finally:
        client.close()
    if status != 200:
        raise SandboxSwitchFailed(
            f"account.sandbox_switch: PutAccountDetails ProductionAccessEnabled="
            f"{not profile.account.sandbox} answered HTTP {status}: {data!r:.200}"
        )


Sesv2Client = SesV2Client
"""The spelling of the brief; `make_client` imports `SesV2Client`."""
