"""SES API v1 (Query): form-encoded `Action=SendEmail`, XML answers as real SES words them.

Signatures are not checked: any AWS credentials (or none) are accepted. Actions:
SendEmail, SendRawEmail, GetSendQuota, VerifyEmailIdentity, VerifyDomainIdentity; others get
`InvalidAction`. Error codes follow ses-ground-truth.md §10.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request, Response

from conformance.errors import BodyTooLarge, FormError
from conformance.server.engine import Engine
from conformance.server.http import read_body, request_id, short, xml_text
from conformance.server.rate import enforced_or
from conformance.server.raw import send_raw
from conformance.server.results import Accepted, Kind, Refused
from conformance.wire.query_form import decode_members

PROTOCOL = "ses-query"
NAMESPACE = "http://ses.amazonaws.com/doc/2010-12-01/"
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FIELDS = 10_000

_CODES: dict[Kind, str] = {
    Kind.MISSING_MEMBER: "ValidationError",
    Kind.WRONG_TYPE: "ValidationError",
    Kind.NOT_VERIFIED: "MessageRejected",
    Kind.THROTTLED: "Throttling",
    Kind.INTERNAL: "InternalFailure",
}


# --- responses ----------------------------------------------------------------------------


def _xml(engine: Engine, body: str, *, status: int, rid: str) -> Response:
    return Response(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + body,
        status=status,
        content_type="text/xml; charset=utf-8",
        headers={"x-amzn-RequestId": rid},
    )


def error(engine: Engine, code: str, message: str, *, status: int = 400) -> Response:
    """`<ErrorResponse>` as real SES sends it (§1.3); RequestId beside `<Error>`."""
    on = engine.effects(PROTOCOL)
    rid = request_id()
    kind = "" if "query-error-type-missing" in on else "<Type>Sender</Type>"
    body = (
        f'<ErrorResponse xmlns="{NAMESPACE}"><Error>{kind}<Code>{xml_text(code)}</Code>'
        f"<Message>{xml_text(message)}</Message></Error><RequestId>{rid}</RequestId>"
        "</ErrorResponse>"
    )
    if "status-200-on-error" in on:
        status = 200
    elif "query-errors-403" in on:
        status = 403
    return _xml(engine, body, status=status, rid=rid)


def result(engine: Engine, action: str, inner: str) -> Response:
    """`<{action}Response>` with `<{action}Result>` and `ResponseMetadata/RequestId`."""
    on = engine.effects(PROTOCOL)
    rid = request_id()
    xmlns = "" if "query-no-namespace" in on else f' xmlns="{NAMESPACE}"'
    meta = (
        ""
        if "query-requestid-missing" in on
        else f"<ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata>"
    )
    body = (
        f"<{action}Response{xmlns}><{action}Result>{inner}</{action}Result>"
        f"{meta}</{action}Response>"
    )
    sends = ("SendEmail", "SendRawEmail")
    status = 500 if action in sends and "success-with-500" in on else 200
    return _xml(engine, body, status=status, rid=rid)


def refused(engine: Engine, refusal: Refused) -> Response:
    code = _CODES.get(refusal.kind, "InvalidParameterValue")
    if refusal.kind is Kind.INVALID_ADDRESS and "query-wrong-code" in engine.effects(PROTOCOL):
        code = "MessageRejected"
    return error(engine, code, refusal.message, status=refusal.status or 400)


# --- actions ------------------------------------------------------------------------------


def handle(engine: Engine, request: Request, *, max_body_bytes: int) -> Response:
    """`POST /` form (or GET with a query string) -> one Query action."""
    if request.method not in ("POST", "GET"):
        response = error(
            engine, "InvalidAction", f"Method {request.method} not allowed.", status=405
        )
        response.headers["Allow"] = "GET, POST"
        return response
    try:
        raw = read_body(request, limit=max_body_bytes) if request.method == "POST" else b""
        text = raw.decode("utf-8") if raw else request.query_string.decode("latin-1")
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except BodyTooLarge as exc:
        return error(engine, "InvalidParameterValue", str(exc), status=413)
    except ValueError as exc:  # UnicodeDecodeError included
        if "query-500-on-bad-form" in engine.effects(PROTOCOL):
            return Response("Internal Failure", status=500)
        return error(engine, "InvalidParameterValue", f"The form cannot be read: {short(str(exc))}")
    fields = dict(pairs)
    action = fields.get("Action")
    if action in ("SendEmail", "SendRawEmail"):
        return _send_email(engine, pairs, action)
    if action == "GetSendQuota":
        return _get_send_quota(engine)
    if action == "VerifyEmailIdentity":
        return _verify(engine, fields, "EmailAddress", engine.verify_address, action)
    if action == "VerifyDomainIdentity":
        return _verify(engine, fields, "Domain", engine.verify_domain, action)
    if action is None and "query-200-without-action" in engine.effects(PROTOCOL):
        return result(engine, "VerifyEmailIdentity", "")  # moto 5.2.1: dispatch by method
    if action is None:
        return error(engine, "InvalidAction", "Missing Action.")
    return error(
        engine,
        "InvalidAction",
        f"The action {short(action)} is not valid for this web service.",
    )


def _send_email(engine: Engine, pairs: list[tuple[str, str]], action: str) -> Response:
    """SendEmail, or SendRawEmail (server/raw.py: RawMessage.Data, Source, Destinations)."""
    try:
        params = decode_members(pairs)
    except FormError as exc:
        return refused(engine, Refused(Kind.MALFORMED, str(exc)))
    if action == "SendRawEmail":
        params.setdefault("RawMessage", None)
        outcome = send_raw(engine, params, protocol=PROTOCOL)
    else:
        outcome = engine.send(params, protocol=PROTOCOL)
    if isinstance(outcome, Refused):
        return refused(engine, outcome)
    return _sent(engine, outcome, action)


def _sent(engine: Engine, outcome: Accepted, action: str) -> Response:
    message_id = "" if "query-messageid-empty" in engine.effects(PROTOCOL) else outcome.id
    return result(engine, action, f"<MessageId>{xml_text(message_id)}</MessageId>")


def _get_send_quota(engine: Engine) -> Response:
    rate = 1.0 if engine.profile.account.sandbox else 14.0
    rate = enforced_or(engine.bucket, rate)
    inner = (
        f"<SentLast24Hours>{float(engine.sent_last_24h)}</SentLast24Hours>"
        f"<Max24HourSend>{float(engine.max_24h_send)}</Max24HourSend>"
        f"<MaxSendRate>{rate}</MaxSendRate>"
    )
    return result(engine, "GetSendQuota", inner)


def _verify(engine: Engine, fields: dict[str, str], name: str, add: Any, action: str) -> Response:
    value = fields.get(name)
    if not value:
        path = name[0].lower() + name[1:]
        return error(
            engine,
            "ValidationError",
            f"1 validation error detected: Value null at '{path}' failed to satisfy "
            "constraint: Member must not be null",
        )
    add(value)
    inner = (
        "" if name == "EmailAddress" else f"<VerificationToken>{request_id()}</VerificationToken>"
    )
    return result(engine, action, inner)
