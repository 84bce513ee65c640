"""The `ses-query` protocol: Amazon SES API v1 (`Action=SendEmail`, Version 2010-12-01).

The abstract params are flattened by hand (not by botocore's serializer) because they may
be wrong on purpose and because botocore sends `Destination.ToAddresses=` for an empty
list, which real SES reads as one empty address (ses-ground-truth.md §1.4).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, TypeAlias
from xml.etree.ElementTree import Element

from conformance.errors import AdminCallFailed, FormError, TargetUnreachable, UnsafeXml
from conformance.messages import NOT_VERIFIED_PREFIX
from conformance.model import (
    JSON,
    Accepted,
    Answer,
    Exchange,
    RawRequest,
    Rejected,
    SendEmailRequest,
    TransportFailure,
    Unrecognized,
    WireResponse,
)
from conformance.protocols import aws_answers
from conformance.protocols.aws_answers import (
    MAX_XML_BYTES,
    SES_XMLNS,
    CodeRule,
    SendQuota,
    parse_xml,
    ses_text,
)
from conformance.protocols.sesv2 import switch_sandbox
from conformance.protocols.signing import SignedClient
from conformance.raw import is_raw
from conformance.wire.query_form import decode_members, query_body, query_form

__all__ = [
    "QUERY_ERROR_CODES",
    "QueryClient",
    "judge_raw_answer",
    "judge_send_answer",
    "ses_error_code_problems",
]

FORM_TYPE: Final = "application/x-www-form-urlencoded; charset=utf-8"
SENDER_FAULT_CODES: Final = frozenset(
    {"MessageRejected", "InvalidParameterValue", "ValidationError", "Throttling"}
)
"""The codes real SES v1 answers SendEmail's sender faults with, each with HTTP 400
(ses-ground-truth.md §1.3, §3.9, §10): any other 4xx for them is http.status's finding, as
a TooManyRequestsException without 429 is on SESv2."""
Problems: TypeAlias = dict[str, tuple[str, ...]]

# --- judging an answer --------------------------------------------------------------------


def _local(tag: str) -> tuple[str | None, str]:
    """(namespace, local name), each cut to 200 characters: a target names its tags."""
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns[:200], name[:200]
    return None, tag[:200]


def _xml_content_type(response: WireResponse) -> str | None:
    ctype = response.header("Content-Type")
    if ctype is None or "xml" not in ctype.lower():
        return f"Content-Type is {ctype!r}, expected text/xml"
    return None


def _namespace_problems(root: Element) -> list[str]:
    """Both answers' first finding: a root outside SES's namespace."""
    ns, _ = _local(root.tag)
    return [] if ns == SES_XMLNS else [f"root namespace is {ns!r}, expected {SES_XMLNS!r}"]


def _problems(rule: str, found: list[str], response: WireResponse) -> Problems:
    """Both answers' findings filed under their envelope rule, the Content-Type's last."""
    if bad_type := _xml_content_type(response):
        found.append(bad_type)
    return {rule: tuple(found)} if found else {}


def _success(
    root: Element, response: WireResponse, result: str = "SendEmail"
) -> tuple[Answer, Problems]:
    found = _namespace_problems(root)
    message_id = ses_text(root, f"{result}Result/MessageId")
    if not message_id:
        found.append(f"{result}Result/MessageId is missing or empty")
    if not ses_text(root, "ResponseMetadata/RequestId"):
        found.append("ResponseMetadata/RequestId is missing or empty")
    problems = _problems("envelope.success", found, response)
    if response.status != 200 and response.status < 500:  # a 5xx is robust.no-5xx's alone
        problems["http.status"] = (f"success answered with HTTP {response.status}, expected 200",)
    return Accepted(id=message_id or None), problems


def _error(root: Element, response: WireResponse) -> tuple[Answer, Problems]:
    found = _namespace_problems(root)
    kind = ses_text(root, "Error/Type")
    code = ses_text(root, "Error/Code")
    message = ses_text(root, "Error/Message")
    if kind not in ("Sender", "Receiver"):
        found.append(f"Error/Type is {kind!r}, expected Sender or Receiver")
    if not code:
        found.append("Error/Code is missing or empty")
    if not message:
        found.append("Error/Message is missing or empty")
    if not ses_text(root, "RequestId"):
        found.append("RequestId (a sibling of Error) is missing or empty")
    problems = _problems("envelope.error", found, response)
    if response.status < 400:
        problems["http.status"] = (f"error answered with HTTP {response.status}, expected 4xx",)
    elif code in SENDER_FAULT_CODES and 400 < response.status < 500:  # a 5xx: no-5xx's
        problems["http.status"] = (
            f"{code} answered with HTTP {response.status}, expected 400 (real SES answers "
            "every SendEmail sender fault with 400)",
        )
    return Rejected(code=code or None, message=message or None, status=response.status), problems


def _claims_xml(response: WireResponse) -> bool:
    """The answer says it is XML (by Content-Type, or by starting like XML)."""
    media = (response.header("Content-Type") or "").split(";")[0].strip().lower()
    return media.endswith("xml") or response.body.lstrip().startswith(b"<?xml")


def judge_send_answer(
    response: WireResponse, *, result: str = "SendEmail"
) -> tuple[Answer, Problems]:
    """The outcome of a SendEmail answer and its findings per rule id (protocols.md §2)."""
    problems: Problems = {}
    if response.status >= 500:
        problems["robust.no-5xx"] = (f"HTTP {response.status}",)
    if response.truncated:
        return Unrecognized(
            "body cut off (over the size cap or incomplete)", response.status
        ), problems
    try:
        # the transport already capped the body (at least 3x the request: an echo fits)
        root = parse_xml(response.body, max_bytes=max(MAX_XML_BYTES, len(response.body)))
    except UnsafeXml as exc:
        if _claims_xml(response):  # hostile or corrupt: nothing can be judged from it
            return TransportFailure("unreadable", str(exc)), problems
        return Unrecognized(str(exc), response.status), problems
    _, name = _local(root.tag)
    if name == f"{result}Response":
        outcome, found = _success(root, response, result)
    elif name == "ErrorResponse":
        outcome, found = _error(root, response)
    else:
        reason = f"XML root <{name}> is neither {result}Response nor ErrorResponse"
        return Unrecognized(reason, response.status), problems
    return outcome, {**found, **problems}


def judge_raw_answer(response: WireResponse) -> tuple[Answer, Problems]:
    """The outcome of a SendRawEmail answer (`SendRawEmailResponse`, protocols.md §4)."""
    return judge_send_answer(response, result="SendRawEmail")


# --- ses.error-codes ----------------------------------------------------------------------

_NOT_VERIFIED: Final = CodeRule(frozenset({"MessageRejected"}), NOT_VERIFIED_PREFIX)
_INVALID: Final = CodeRule(frozenset({"InvalidParameterValue"}))
QUERY_ERROR_CODES: Final[Mapping[str, CodeRule]] = {
    "sender.verified": _NOT_VERIFIED,
    "sandbox.recipients": _NOT_VERIFIED,
    "recipients.valid": _INVALID,
    "recipients.max": _INVALID,
    "size.max": _INVALID,
    # zero recipients is unconfirmed (ground truth §3.7): an empty list reads as
    # InvalidParameterValue, a missing Destination as ValidationError
    "recipients.min": CodeRule(frozenset({"InvalidParameterValue", "ValidationError"})),
    "request.required": CodeRule(frozenset({"ValidationError"})),
    "quota.recipients": CodeRule(frozenset({"Throttling"})),
    "tags.valid": _INVALID,
    # raw messages: `Illegal content.`, `Missing required header 'From'.` (§3.7, §3.8)
    "raw.mime": _INVALID,
}
"""Real SES v1 codes per rule (ses-ground-truth.md §10)."""


ses_error_code_problems = aws_answers.ErrorCodeJudge(QUERY_ERROR_CODES, _INVALID)
"""`ses.error-codes` for one rejection by the Query table: real SES checks address
syntax before verification, so an unparseable Source is InvalidParameterValue."""


# --- the client ---------------------------------------------------------------------------


class QueryClient(SignedClient):
    """SES v1 over the Query protocol, SigV4-signed (service `ses`, the profile's region)."""

    name = "ses-query"
    error_codes = ses_error_code_problems

    def switch_sandbox(self) -> None:
        switch_sandbox(self.profile)

    def effective_params(self, params: Mapping[str, JSON]) -> Mapping[str, JSON]:
        """What the Query wire carries of `params` (every value a string, lists numbered),
        decoded as a Query server decodes it: the oracle must judge what was sent."""
        try:
            decoded = decode_members(query_form(params))
        except FormError:
            return params
        for key in ("Action", "Version"):
            decoded.pop(key, None)
        if is_raw(params) and "RawMessage" not in decoded:
            decoded["RawMessage"] = None  # absent on the wire: still a raw message
        return decoded

    def _signed(self, body: bytes, content_type: str) -> dict[str, str]:
        headers = {"Content-Type": content_type}
        return self.signer.sign("POST", self.profile.url, headers, body)

    def send(self, request: SendEmailRequest) -> Exchange:
        """SendEmail, or SendRawEmail for a raw message's params (RawMessage.Data base64,
        Source, Destinations.member.N: protocols.md §4)."""
        raw = is_raw(request.params)
        action = "SendRawEmail" if raw else "SendEmail"
        body = query_body(query_form(request.params, action=action))
        headers = self._signed(body, FORM_TYPE)
        result = self._send_call("POST", self.profile.url, headers=headers, body=body)
        return self._exchange(result, judge_raw_answer if raw else None)

    def send_raw(self, raw: RawRequest) -> Exchange:
        headers = self._signed(raw.body, raw.content_type)
        return self._exchange(
            self._send_call("POST", self.profile.url, headers=headers, body=raw.body)
        )

    def judge_send_answer(self, response: WireResponse) -> tuple[Answer, Problems]:
        return judge_send_answer(response)

    # --- provisioning and quota (not counted against safety.max_sends) -----------------

    def _admin(self, action: str, params: Mapping[str, JSON]) -> Element:
        body = query_body(query_form(params, action=action))
        headers = self._signed(body, FORM_TYPE)
        result = self.transport.call("POST", self.profile.url, headers=headers, body=body)
        where = f"{action} at {self.profile.url}"
        if result.response is None:
            failure = result.failure
            detail = f"{failure.kind}: {failure.detail}" if failure else "no answer"
            raise TargetUnreachable(f"{where}: {detail}")
        try:
            root = parse_xml(result.response.body)
        except UnsafeXml as exc:
            raise AdminCallFailed(f"{where}: HTTP {result.response.status}, {exc}") from None
        if _local(root.tag)[1] != f"{action}Response":
            code = ses_text(root, "Error/Code")
            message = ses_text(root, "Error/Message")
            raise AdminCallFailed(f"{where}: HTTP {result.response.status}, {code}: {message}")
        return root

    def get_send_quota(self) -> SendQuota:
        """Action=GetSendQuota: the daily quota, the rate and what was sent (per recipient)."""
        root = self._admin("GetSendQuota", {})
        values: list[float] = []
        for member in ("Max24HourSend", "MaxSendRate", "SentLast24Hours"):
            text = ses_text(root, f"GetSendQuotaResult/{member}")
            try:
                values.append(float(text or ""))
            except ValueError:
                raise AdminCallFailed(f"GetSendQuota: {member} is {text!r}, not a number") from None
        return SendQuota(*values)

    def verify_email_identity(self, address: str) -> None:
        """Action=VerifyEmailIdentity (on real SES this emails the address a link)."""
        if not isinstance(address, str) or not address:
            raise ValueError(f"address: expected a non-empty string, got {address!r}")
        self._admin("VerifyEmailIdentity", {"EmailAddress": address})

    def verify_domain_identity(self, domain: str) -> None:
        """Action=VerifyDomainIdentity (on real SES the domain still needs its DNS record)."""
        if not isinstance(domain, str) or not domain:
            raise ValueError(f"domain: expected a non-empty string, got {domain!r}")
        self._admin("VerifyDomainIdentity", {"Domain": domain})
